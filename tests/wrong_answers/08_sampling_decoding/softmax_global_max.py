# grade_id: softmax_temperature
# message: the maximum of the whole array subtracted
# One maximum for the whole array: rows far below it underflow to 0 / 0.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = logits / temperature
    e = np.exp(a - a.max())
    return e / e.sum(axis=-1, keepdims=True)

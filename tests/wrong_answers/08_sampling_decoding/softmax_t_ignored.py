# grade_id: softmax_temperature
# message: temperature ignored: the result
# The temperature checked but never used.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

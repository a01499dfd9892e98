# grade_id: softmax_temperature
# message: normalised over axis 0
# axis=0, as if the ids ran down the columns.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = logits / temperature
    e = np.exp(a - a.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)

# grade_id: softmax_temperature
# message: normalised over axis 1
# axis=1, right for (B, V) logits but not for (B, T, V) (and an error for (V,)).
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = logits / temperature
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

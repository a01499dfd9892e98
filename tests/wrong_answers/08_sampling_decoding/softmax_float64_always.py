# grade_id: softmax_temperature
# message: has dtype float64, expected float32
# Every input converted to float64.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

# grade_id: softmax_temperature
# message: temperature <= 0 accepted
# No check: a temperature of 0 gives inf and NaN, a negative one reverses the order.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    a = logits / temperature
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

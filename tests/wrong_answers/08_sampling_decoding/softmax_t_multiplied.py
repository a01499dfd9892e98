# grade_id: softmax_temperature
# message: temperature multiplied: the logits are divided
# The logits multiplied by the temperature instead of divided.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = logits * temperature
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

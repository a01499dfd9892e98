# grade_id: softmax_temperature
# message: changed its input logits
# The maximum subtracted from the caller's array in place.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits / temperature)
    return e / e.sum(axis=-1, keepdims=True)

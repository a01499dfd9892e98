# grade_id: softmax_temperature
# message: no maximum subtracted: exp of a large logit
# The textbook formula as it stands: exp overflows on large logits.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    e = np.exp(logits / temperature)
    return e / e.sum(axis=-1, keepdims=True)

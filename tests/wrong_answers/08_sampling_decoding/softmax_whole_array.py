# grade_id: softmax_temperature
# message: normalised over the whole array
# One sum over every entry instead of one per row.
import numpy as np


def softmax_temperature(logits, temperature=1.0):
    if not temperature > 0:
        raise ValueError(temperature)
    a = logits / temperature
    e = np.exp(a - a.max())
    return e / e.sum()

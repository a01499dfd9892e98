# grade_id: sample_next
# numpy's global generator instead of the rng given: other ids, and no reproducibility.
import numpy as np


def sample_next(logits, temperature, rng):
    p = softmax_temperature(logits, temperature)
    return int(np.random.choice(p.shape[0], p=p))

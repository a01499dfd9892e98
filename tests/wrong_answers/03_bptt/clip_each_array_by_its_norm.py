# grade_id: clip_by_global_norm
# message: each array clipped by its own norm
import numpy as np


def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    clipped = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        clipped[k] = g * (max_norm / n) if n > max_norm else g.copy()
    return clipped, norm

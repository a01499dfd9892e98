# grade_id: clip_by_global_norm
# message: scaled up
import numpy as np


def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    scale = max_norm / norm if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm

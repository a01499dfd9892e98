# grade_id: clip_by_global_norm
# message: returned the squared norm
import numpy as np


def clip_by_global_norm(grads, max_norm):
    squared = float(sum(np.sum(g * g) for g in grads.values()))
    scale = max_norm / np.sqrt(squared) if squared > max_norm**2 else 1.0
    return {k: g * scale for k, g in grads.items()}, squared

# grade_id: clip_grad_norm
# message: gradients unchanged
import math

import torch


def clip_grad_norm(parameters, max_norm):
    """Scale the gradients of all parameters in place so that their global norm is at most max_norm.

    Returns the global norm before clipping, as a float. Parameters without a gradient are skipped.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = math.sqrt(sum(float(torch.sum(g * g)) for g in grads))
    if norm > max_norm:
        for g in grads:
            g = g * (max_norm / norm)
    return norm

# grade_id: perplexity
# message: expected a float
# An array of shape (1, 1, 1) instead of a float.
import numpy as np


def perplexity(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)
    return np.exp(-picked.mean(keepdims=True))

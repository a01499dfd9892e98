# grade_id: perplexity
# message: log base 2 with exp
# Cross-entropy in bits, exponentiated with e.
import numpy as np


def perplexity(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    return float(np.exp(-picked.mean() / np.log(2)))

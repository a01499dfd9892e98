# grade_id: perplexity
# message: log-softmax over axis 1
# The log-softmax over axis 1 (time), a habit from (N, V) logits.
import numpy as np


def perplexity(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)
    return float(np.exp(-picked.mean()))

# grade_id: perplexity
# message: sign flipped
# exp of the mean log-probability: 1 / perplexity.
import numpy as np


def perplexity(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    return float(np.exp(picked.mean()))

# grade_id: perplexity
# message: no maximum subtracted in the log-softmax
# log(sum(exp(z))) without the maximum: overflows on large logits.
import numpy as np


def perplexity(logits, targets):
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)
    return float(np.exp(-picked.mean()))

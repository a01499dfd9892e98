# grade_id: perplexity
# message: log of the softmax
# np.log of a (stable) softmax: a probability that underflows to 0 gives -inf.
import numpy as np


def perplexity(logits, targets):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(p, targets[..., None], axis=-1)
    return float(np.exp(-np.log(picked).mean()))

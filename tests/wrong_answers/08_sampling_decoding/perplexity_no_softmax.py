# grade_id: perplexity
# message: logits used as log-probabilities
# The target's logit taken as its log-probability.
import numpy as np


def perplexity(logits, targets):
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)
    return float(np.exp(-picked.mean()))

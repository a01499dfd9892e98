# grade_id: relative_error
# message: mean instead of max
import numpy as np


def relative_error(a, b):
    return float(np.mean(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b))))

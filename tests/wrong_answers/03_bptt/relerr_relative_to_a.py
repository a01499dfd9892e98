# grade_id: relative_error
# message: relative to a only
import numpy as np


def relative_error(a, b):
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a))))

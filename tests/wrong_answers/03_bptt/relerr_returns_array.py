# grade_id: relative_error
# message: expected a float
# One relative error per entry instead of one number.
import numpy as np


def relative_error(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))

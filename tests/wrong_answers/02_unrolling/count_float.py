# grade_id: count_params
# message: expected an int
import numpy as np


def count_params(params):
    return np.sum([a.size for a in params.values()], dtype=float)

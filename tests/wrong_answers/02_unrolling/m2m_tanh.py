# grade_id: many_to_many
# message: activation on the output
import numpy as np


def many_to_many(h, params):
    return np.tanh(h @ params["W_hy"] + params["b_y"])

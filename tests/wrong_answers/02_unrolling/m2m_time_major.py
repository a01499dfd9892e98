# grade_id: many_to_many
# message: time-major result
import numpy as np


def many_to_many(h, params):
    return np.stack([h[:, t] @ params["W_hy"] + params["b_y"] for t in range(h.shape[1])])

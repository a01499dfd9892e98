# grade_id: state_gradient_norms
# message: forgot the (1 - h^2) factor
import numpy as np


def state_gradient_norms(x, h0, params, dh_T):
    T = x.shape[1]
    norms = np.empty(T + 1)
    g = dh_T
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        g = g @ params["W_hh"].T
        norms[t - 1] = np.linalg.norm(g)
    return norms

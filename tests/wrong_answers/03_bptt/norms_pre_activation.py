# grade_id: state_gradient_norms
# message: derivative at the pre-activation
import numpy as np


def state_gradient_norms(x, h0, params, dh_T):
    h = rnn_forward(x, h0, params)
    T = x.shape[1]
    norms = np.empty(T + 1)
    g = dh_T
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        h_prev = h0 if t == 1 else h[:, t - 2]
        a = x[:, t - 1] @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
        g = (g * (1 - a**2)) @ params["W_hh"].T
        norms[t - 1] = np.linalg.norm(g)
    return norms

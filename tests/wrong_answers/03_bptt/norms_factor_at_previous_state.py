# grade_id: state_gradient_norms
# message: (1 - h^2) at the wrong step
# ruff: noqa: F821 (rnn_forward and rnn_cell_backward are defined in the notebook)
import numpy as np


def state_gradient_norms(x, h0, params, dh_T):
    h = rnn_forward(x, h0, params)
    T = x.shape[1]
    norms = np.empty(T + 1)
    g = dh_T
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        h_prev = h0 if t == 1 else h[:, t - 2]
        g = (g * (1 - h_prev**2)) @ params["W_hh"].T
        norms[t - 1] = np.linalg.norm(g)
    return norms

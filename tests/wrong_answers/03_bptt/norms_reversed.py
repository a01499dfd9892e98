# grade_id: state_gradient_norms
# message: reversed order
# ruff: noqa: F821 (rnn_forward and rnn_cell_backward are defined in the notebook)
import numpy as np


def state_gradient_norms(x, h0, params, dh_T):
    h = rnn_forward(x, h0, params)
    g = dh_T
    norms = [np.linalg.norm(g)]
    for t in range(x.shape[1], 0, -1):
        g = (g * (1 - h[:, t - 1] ** 2)) @ params["W_hh"].T
        norms.append(np.linalg.norm(g))
    return np.array(norms)

# grade_id: rnn_cell_forward
# message: the logistic sigmoid
# The logistic sigmoid where tanh was asked.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
    if activation == "tanh":
        return 1 / (1 + np.exp(-a_t))
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(activation)

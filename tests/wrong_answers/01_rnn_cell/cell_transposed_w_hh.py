# grade_id: rnn_cell_forward
# message: transposed weight
# W_hh used as in the column-vector equation, transposed for row vectors.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"].T + params["b_h"]
    if activation == "tanh":
        return np.tanh(a_t)
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(activation)

# grade_id: rnn_cell_forward
# message: missing bias
# The bias b_h is left out of the pre-activation.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"]
    if activation == "tanh":
        return np.tanh(a_t)
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(activation)

# grade_id: rnn_cell_forward
# message: wrong activation
# The activation argument is ignored: tanh every time.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    if activation not in ("tanh", "relu"):
        raise ValueError(activation)
    return np.tanh(x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"])

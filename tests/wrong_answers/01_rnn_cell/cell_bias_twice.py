# grade_id: rnn_cell_forward
# message: bias added twice
# Both of PyTorch's biases copied in as if each were b_h: the bias enters a_t twice.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + params["b_h"] + h_prev @ params["W_hh"] + params["b_h"]
    if activation == "tanh":
        return np.tanh(a_t)
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(f"unknown activation {activation!r}")

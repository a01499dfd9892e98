# grade_id: rnn_cell_forward
# message: default float64
# Only the tanh branch computes in float64, so float32 inputs with tanh give float64.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
    if activation == "tanh":
        return np.tanh(a_t.astype(np.float64))
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(f"unknown activation {activation!r}")

# grade_id: rnn_cell_forward
# message: default float64
# The pre-activation is accumulated in a float64 buffer, so float32 inputs give float64.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = np.zeros((x_t.shape[0], params["W_hh"].shape[0]))
    a_t += x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
    if activation == "tanh":
        return np.tanh(a_t)
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(activation)

# grade_id: rnn_cell_forward
# message: previous state ignored
# The recurrent term h_prev W_hh is forgotten: a feedforward layer, not a recurrent cell.
import numpy as np


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    a_t = x_t @ params["W_xh"] + params["b_h"]
    if activation == "tanh":
        return np.tanh(a_t)
    if activation == "relu":
        return np.maximum(a_t, 0)
    raise ValueError(activation)

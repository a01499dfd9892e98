# grade_id: rnn_forward
# message: state not carried
import numpy as np


def rnn_forward(x, h0, params, activation="tanh"):
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
    h = np.empty(x.shape[:2] + h0.shape[1:], dtype=x.dtype)
    for t in range(x.shape[1]):
        h[:, t] = f(x[:, t] @ params["W_xh"] + h0 @ params["W_hh"] + params["b_h"])
    return h

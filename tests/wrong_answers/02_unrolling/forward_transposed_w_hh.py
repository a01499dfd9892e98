# grade_id: rnn_forward
# message: transposed weight
import numpy as np


def rnn_forward(x, h0, params, activation="tanh"):
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
    h = np.empty(x.shape[:2] + h0.shape[1:], dtype=x.dtype)
    h_t = h0
    for t in range(x.shape[1]):
        h_t = f(x[:, t] @ params["W_xh"] + h_t @ params["W_hh"].T + params["b_h"])
        h[:, t] = h_t
    return h

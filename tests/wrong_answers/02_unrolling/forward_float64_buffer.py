# grade_id: rnn_forward
# message: default float64
# np.zeros without dtype: float32 inputs come back as float64.
import numpy as np


def rnn_forward(x, h0, params, activation="tanh"):
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
    B, T, _ = x.shape
    h = np.zeros((B, T, h0.shape[1]))
    h_t = h0
    for t in range(T):
        h_t = f(x[:, t] @ params["W_xh"] + h_t @ params["W_hh"] + params["b_h"])
        h[:, t] = h_t
    return h

# grade_id: rnn_forward
# message: time-major result
import numpy as np


def rnn_forward(x, h0, params, activation="tanh"):
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
    states, h_t = [], h0
    for t in range(x.shape[1]):
        h_t = f(x[:, t] @ params["W_xh"] + h_t @ params["W_hh"] + params["b_h"])
        states.append(h_t)
    return np.stack(states)

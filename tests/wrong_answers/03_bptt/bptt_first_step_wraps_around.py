# grade_id: rnn_backward
# message: wraps around to the last state
# ruff: noqa: F821 (rnn_forward and rnn_cell_backward are defined in the notebook)
import numpy as np


def rnn_backward(dh, x, h0, h, params):
    dx = np.zeros_like(x)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h[:, t - 1]
        dx[:, t], dh_next, g = rnn_cell_backward(
            dh[:, t] + dh_next, x[:, t], h_prev, h[:, t], params
        )
        for k in grads:
            grads[k] += g[k]
    return dx, dh_next, grads

# grade_id: rnn_backward_truncated
# message: chunks counted from the end
# ruff: noqa: F821 (rnn_forward and rnn_cell_backward are defined in the notebook)
import numpy as np


def rnn_backward_truncated(dh, x, h0, h, params, k):
    T = x.shape[1]
    dx = np.zeros_like(x)
    grads = {key: np.zeros_like(v) for key, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else h[:, t - 1]
        dx[:, t], dh_next, g = rnn_cell_backward(
            dh[:, t] + dh_next, x[:, t], h_prev, h[:, t], params
        )
        for key in grads:
            grads[key] += g[key]
        if t > 0 and (T - t) % k == 0:
            dh_next = np.zeros_like(dh_next)
    return dx, dh_next, grads

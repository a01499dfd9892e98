# grade_id: rnn_backward
# message: forgot the (1 - h^2) factor
# Written out without the cell backward, and without the tanh derivative.
import numpy as np


def rnn_backward(dh, x, h0, h, params):
    dx = np.zeros_like(x)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = h0 if t == 0 else h[:, t - 1]
        da = dh[:, t] + dh_next
        grads["W_xh"] += x[:, t].T @ da
        grads["W_hh"] += h_prev.T @ da
        grads["b_h"] += da.sum(axis=0)
        dx[:, t] = da @ params["W_xh"].T
        dh_next = da @ params["W_hh"].T
    return dx, dh_next, grads

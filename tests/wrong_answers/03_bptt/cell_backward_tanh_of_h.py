# grade_id: rnn_cell_backward
# message: tanh' applied to h_t
import numpy as np


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, params):
    da = dh_t * (1 - np.tanh(h_t) ** 2)
    grads = {"W_xh": x_t.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads

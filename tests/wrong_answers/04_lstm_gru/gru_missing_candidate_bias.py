# grade_id: gru_cell_forward
# message: missing bias
import numpy as np


def gru_cell_forward(x_t, h_prev, params):
    p = params
    z = sigmoid(x_t @ p["W_zx"] + h_prev @ p["W_zh"] + p["b_z"])
    r = sigmoid(x_t @ p["W_rx"] + h_prev @ p["W_rh"] + p["b_r"])
    n = np.tanh(x_t @ p["W_nx"] + p["b_nx"] + r * (h_prev @ p["W_nh"]))
    return (1 - z) * n + z * h_prev

# grade_id: gru_cell_forward
# message: update and reset gates swapped
# z_t computed with the reset gate's weights and r_t with the update gate's.
import numpy as np


def gru_cell_forward(x_t, h_prev, params):
    p = params
    z = sigmoid(x_t @ p["W_rx"] + h_prev @ p["W_rh"] + p["b_r"])
    r = sigmoid(x_t @ p["W_zx"] + h_prev @ p["W_zh"] + p["b_z"])
    n = np.tanh(x_t @ p["W_nx"] + p["b_nx"] + r * (h_prev @ p["W_nh"] + p["b_nh"]))
    return (1 - z) * n + z * h_prev

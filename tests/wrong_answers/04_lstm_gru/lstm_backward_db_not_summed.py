# grade_id: lstm_cell_backward
# message: db not summed over the batch
import numpy as np


def lstm_cell_backward(dstate, x_t, state_prev, params):
    dh_t, dc_t = dstate
    h_prev, c_prev = state_prev
    p = params
    i = sigmoid(x_t @ p["W_ix"] + h_prev @ p["W_ih"] + p["b_i"])
    f = sigmoid(x_t @ p["W_fx"] + h_prev @ p["W_fh"] + p["b_f"])
    o = sigmoid(x_t @ p["W_ox"] + h_prev @ p["W_oh"] + p["b_o"])
    g = np.tanh(x_t @ p["W_gx"] + h_prev @ p["W_gh"] + p["b_g"])
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc_t + dh_t * o * (1 - tanh_c**2)
    da = {
        "i": dc * g * i * (1 - i),
        "f": dc * c_prev * f * (1 - f),
        "o": dh_t * tanh_c * o * (1 - o),
        "g": dc * i * (1 - g**2),
    }
    grads, dx_t, dh_prev = {}, 0, 0
    for k, da_k in da.items():
        grads[f"W_{k}x"], grads[f"W_{k}h"], grads[f"b_{k}"] = x_t.T @ da_k, h_prev.T @ da_k, da_k
        dx_t = dx_t + da_k @ p[f"W_{k}x"].T
        dh_prev = dh_prev + da_k @ p[f"W_{k}h"].T
    return dx_t, (dh_prev, dc * f), grads

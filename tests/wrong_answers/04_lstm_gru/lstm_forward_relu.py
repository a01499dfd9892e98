# grade_id: lstm_cell_forward
# message: relu where the LSTM uses tanh
# Keras' LSTM(H, activation="relu"): relu for the candidate and for the cell's output.
import numpy as np


def lstm_cell_forward(x_t, state_prev, params):
    h_prev, c_prev = state_prev
    p = params
    i = sigmoid(x_t @ p["W_ix"] + h_prev @ p["W_ih"] + p["b_i"])
    f = sigmoid(x_t @ p["W_fx"] + h_prev @ p["W_fh"] + p["b_f"])
    o = sigmoid(x_t @ p["W_ox"] + h_prev @ p["W_oh"] + p["b_o"])
    g = np.maximum(x_t @ p["W_gx"] + h_prev @ p["W_gh"] + p["b_g"], 0)
    c_t = f * c_prev + i * g
    return o * np.maximum(c_t, 0), c_t

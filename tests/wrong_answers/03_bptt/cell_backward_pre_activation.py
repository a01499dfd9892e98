# grade_id: rnn_cell_backward
# message: derivative at the pre-activation
# The tanh derivative written with the pre-activation a_t: 1 - a_t^2 instead of 1 - h_t^2.
def rnn_cell_backward(dh_t, x_t, h_prev, h_t, params):
    a = x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]
    da = dh_t * (1 - a**2)
    grads = {"W_xh": x_t.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads

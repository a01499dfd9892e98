# grade_id: rnn_cell_backward
# message: bias gradient summed over the wrong axis
# Summed over the units instead of the batch: shape (B,), which passes when B = H.
def rnn_cell_backward(dh_t, x_t, h_prev, h_t, params):
    da = dh_t * (1 - h_t**2)
    grads = {"W_xh": x_t.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=1)}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads

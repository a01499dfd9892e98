# grade_id: rnn_cell_backward
# message: transposed weight gradient
# da.T @ h_prev: the transpose of dW_hh, of the right shape because W_hh is square.
def rnn_cell_backward(dh_t, x_t, h_prev, h_t, params):
    da = dh_t * (1 - h_t**2)
    grads = {"W_xh": x_t.T @ da, "W_hh": da.T @ h_prev, "b_h": da.sum(axis=0)}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads

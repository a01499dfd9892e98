# grade_id: rnn_output
# message: transposed weight
def rnn_output(h_t, params):
    return h_t @ params["W_hy"].T + params["b_y"]

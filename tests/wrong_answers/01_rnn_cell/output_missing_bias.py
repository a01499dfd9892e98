# grade_id: rnn_output
# message: missing bias
def rnn_output(h_t, params):
    return h_t @ params["W_hy"]

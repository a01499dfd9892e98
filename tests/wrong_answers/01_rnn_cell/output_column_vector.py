# grade_id: rnn_output
# message: column-vector form
# The book's column-vector equation typed literally: the result is (O, B).
def rnn_output(h_t, params):
    return params["W_hy"].T @ h_t.T + params["b_y"][:, None]

# grade_id: rnn_param_count
# message: forgot the output layer
def rnn_param_count(n_inputs, n_hidden, n_outputs):
    return n_hidden * n_inputs + n_hidden * n_hidden + n_hidden

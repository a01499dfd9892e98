# grade_id: rnn_param_count
# message: W_hh counted as H * D
def rnn_param_count(n_inputs, n_hidden, n_outputs):
    return 2 * n_hidden * n_inputs + n_hidden + n_hidden * n_outputs + n_outputs

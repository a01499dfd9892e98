# grade_id: untied_param_count
# message: forgot the biases
def untied_param_count(n_steps, n_inputs, n_hidden):
    return n_steps * (n_hidden * n_inputs + n_hidden * n_hidden)

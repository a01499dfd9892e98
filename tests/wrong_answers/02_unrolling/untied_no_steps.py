# grade_id: untied_param_count
# message: the number of steps is missing
def untied_param_count(n_steps, n_inputs, n_hidden):
    return n_hidden * n_inputs + n_hidden * n_hidden + n_hidden

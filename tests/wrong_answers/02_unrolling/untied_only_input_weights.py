# grade_id: untied_param_count
# message: only W_xh untied
def untied_param_count(n_steps, n_inputs, n_hidden):
    return n_steps * n_hidden * n_inputs + n_hidden * n_hidden + n_hidden

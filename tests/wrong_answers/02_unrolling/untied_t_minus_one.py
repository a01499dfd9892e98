# grade_id: untied_param_count
# message: T - 1 copies counted
def untied_param_count(n_steps, n_inputs, n_hidden):
    return (n_steps - 1) * (n_hidden * n_inputs + n_hidden * n_hidden + n_hidden)

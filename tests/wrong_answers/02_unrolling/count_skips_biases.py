# grade_id: count_params
# message: biases not counted
def count_params(params):
    return sum(a.size for a in params.values() if a.ndim == 2)

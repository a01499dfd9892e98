# grade_id: count_params
# message: sizes added instead of multiplied
def count_params(params):
    return sum(sum(a.shape) for a in params.values())

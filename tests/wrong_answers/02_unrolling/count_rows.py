# grade_id: count_params
# message: rows counted instead of entries
def count_params(params):
    return sum(len(a) for a in params.values())

# grade_id: count_params
# message: arrays counted instead of their entries
def count_params(params):
    return len(params)

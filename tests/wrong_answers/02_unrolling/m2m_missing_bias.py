# grade_id: many_to_many
# message: missing bias
def many_to_many(h, params):
    return h @ params["W_hy"]

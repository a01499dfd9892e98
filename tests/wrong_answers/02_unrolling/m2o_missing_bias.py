# grade_id: many_to_one
# message: missing bias
def many_to_one(h, params):
    return h[:, -1] @ params["W_hy"]

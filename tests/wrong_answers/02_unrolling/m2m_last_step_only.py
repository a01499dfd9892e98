# grade_id: many_to_many
# message: last step only
def many_to_many(h, params):
    return h[:, -1] @ params["W_hy"] + params["b_y"]

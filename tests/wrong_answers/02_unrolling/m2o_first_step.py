# grade_id: many_to_one
# message: first step read
def many_to_one(h, params):
    return h[:, 0] @ params["W_hy"] + params["b_y"]

# grade_id: many_to_one
# message: mean over time
def many_to_one(h, params):
    return h.mean(axis=1) @ params["W_hy"] + params["b_y"]

# grade_id: many_to_many
# Flattens time-major but reshapes back batch-first, mixing up examples and steps.
def many_to_many(h, params):
    B, T, H = h.shape
    flat = h.transpose(1, 0, 2).reshape(T * B, H) @ params["W_hy"] + params["b_y"]
    return flat.reshape(B, T, -1)

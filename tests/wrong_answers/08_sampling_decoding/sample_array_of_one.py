# grade_id: sample_next
# message: expected an int
# size=1 gives an array of one id, not an int.


def sample_next(logits, temperature, rng):
    p = softmax_temperature(logits, temperature)
    return rng.choice(p.shape[0], size=1, p=p)

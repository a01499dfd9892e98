# grade_id: sample_next
# message: uniform draw
# Every id equally likely: the probabilities are computed and never used.


def sample_next(logits, temperature, rng):
    p = softmax_temperature(logits, temperature)
    return int(rng.integers(p.shape[0]))

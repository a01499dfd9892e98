# grade_id: sample_next
# message: temperature ignored when sampling
# Drawn from the plain softmax.


def sample_next(logits, temperature, rng):
    return int(rng.choice(logits.shape[0], p=softmax_temperature(logits)))

# grade_id: sample_next
# message: temperature multiplied when sampling
# softmax(z * temperature), written as a temperature of 1 / temperature.


def sample_next(logits, temperature, rng):
    return int(rng.choice(logits.shape[0], p=softmax_temperature(logits, 1 / temperature)))

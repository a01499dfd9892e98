# grade_id: param_count
# message: the GRU's extra bias forgotten


def param_count(cell, n_inputs, n_hidden, two_biases=False):
    D, H = n_inputs, n_hidden
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    return blocks * (H * D + H * H + (2 * H if two_biases else H))

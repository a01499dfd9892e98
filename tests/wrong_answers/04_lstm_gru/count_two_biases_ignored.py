# grade_id: param_count
# message: two_biases ignored


def param_count(cell, n_inputs, n_hidden, two_biases=False):
    D, H = n_inputs, n_hidden
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    count = blocks * (H * D + H * H + H)
    if cell == "gru":
        count += H
    return count

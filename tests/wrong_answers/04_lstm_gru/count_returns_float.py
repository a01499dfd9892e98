# grade_id: param_count
# message: expected an int


def param_count(cell, n_inputs, n_hidden, two_biases=False):
    D, H = n_inputs, n_hidden
    blocks = {"rnn": 1.0, "lstm": 4.0, "gru": 3.0}[cell]
    count = blocks * (H * D + H * H + (2 * H if two_biases else H))
    if cell == "gru" and not two_biases:
        count += H
    return count

# grade_id: param_count
# message: W_hh counted as H * D


def param_count(cell, n_inputs, n_hidden, two_biases=False):
    D, H = n_inputs, n_hidden
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    count = blocks * (H * D + H * D + (2 * H if two_biases else H))
    if cell == "gru" and not two_biases:
        count += H
    return count

# grade_id: rnn_param_count
# message: expected an int
# Right number, wrong type: the count comes back as a float.
import numpy as np


def rnn_param_count(n_inputs, n_hidden, n_outputs):
    shapes = [(n_inputs, n_hidden), (n_hidden, n_hidden), (n_hidden,), (n_hidden, n_outputs)]
    return float(sum(np.prod(s) for s in shapes) + n_outputs)

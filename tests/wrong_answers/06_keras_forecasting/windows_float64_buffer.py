# grade_id: create_dataset
# message: default float64
import numpy as np


def create_dataset(sequence, n_steps):
    """Windows X (N, n_steps, 1) of a 1-D sequence and the value after each, y (N, 1); N = len - n_steps."""
    N = len(sequence) - n_steps
    X = np.zeros((N, n_steps, 1))
    for i in range(N):
        X[i, :, 0] = sequence[i : i + n_steps]
    y = sequence[n_steps:, None].copy()
    return X, y

# grade_id: create_dataset
# message: one window too few
import numpy as np


def create_dataset(sequence, n_steps):
    """Windows X (N, n_steps, 1) of a 1-D sequence and the value after each, y (N, 1); N = len - n_steps."""
    N = len(sequence) - n_steps - 1
    X = np.stack([sequence[i : i + n_steps] for i in range(N)])[:, :, None]
    y = sequence[n_steps:-1, None].copy()
    return X, y

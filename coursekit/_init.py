"""Random initialisation shared by the cell modules."""

import numpy as np


def uniform_params(shapes, n_hidden, seed, dtype):
    """Every array in ``shapes`` drawn from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(n_hidden)
    return {k: rng.uniform(-bound, bound, size=s).astype(dtype) for k, s in shapes.items()}

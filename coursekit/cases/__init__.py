"""Inputs for the exercises' tests: seeded, small, in any float precision.

One module per assignment (``rnn_cell`` for 01_rnn_cell, ...). A test draws its inputs
here and states them by their sizes and a seed, so that the same call gives the same
arrays in the student's notebook, in the grader's sandbox and in its trusted reference
run. Inputs are not secret: a student's function receives them anyway. What a check
expects is in :mod:`coursekit.expected`, which is not available in the sandbox.
"""

import numpy as np


def normal(rng, shape, scale=1.0, dtype=np.float64):
    """An array of ``shape`` drawn from N(0, scale^2) by ``rng``, cast to ``dtype``."""
    return (rng.normal(size=shape) * scale).astype(dtype)


def params(rng, shapes, scale, dtype=np.float64):
    """A dict of arrays keyed like ``shapes``, each from N(0, scale[key]^2), in key order."""
    return {
        k: normal(rng, s, scale[k] if isinstance(scale, dict) else scale, dtype)
        for k, s in shapes.items()
    }


def copied(value):
    """A deep copy of arrays and of dicts, tuples and lists of them, to compare inputs with."""
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(copied(v) for v in value)
    return value.copy() if isinstance(value, np.ndarray) else value

"""Inputs for the tests of 05_topologies: seeded float32 inputs and the known weights that
the notebook's helpers ``fill_keras`` and ``fill_torch`` write into a student's model.

Only numpy here: the frameworks are imported by the notebook, never by this module.
"""

import numpy as np

WEIGHT_SCALE = 0.5
"""The known weights are drawn from N(0, WEIGHT_SCALE^2)."""


def inputs(seed, *shapes):
    """``[x_1, x_2, ...]``: one float32 array of N(0, 1) numbers per shape, drawn in order."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


def weights(seed, shapes):
    """``[W_1, W_2, ...]``: the known weights, float32 N(0, 0.25) arrays of ``shapes``, in order.

    What ``fill_keras(model, seed)`` writes into ``model.get_weights()``, whose shapes it passes.
    """
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=tuple(s)) * WEIGHT_SCALE).astype(np.float32) for s in shapes]


def named_weights(seed, shapes):
    """``{name: W}``: the known weights of PyTorch parameters, drawn in the sorted order of names.

    What ``fill_torch(module, seed)`` writes, given ``{name: shape}`` of the module's
    ``named_parameters()``.
    """
    names = sorted(shapes)
    return dict(zip(names, weights(seed, [shapes[n] for n in names]), strict=True))

"""Inputs for the tests of 02_unrolling: sequences, states for the heads, padded batches."""

import numpy as np

from . import normal, params

CELL_SCALE = {"W_xh": 0.7, "W_hh": 0.5, "b_h": 1.0}
"""The standard deviations the cell's parameters are drawn with."""


def cell_shapes(D, H):
    """The cell's shapes: W_xh (D, H), W_hh (H, H), b_h (H,)."""
    return {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}


def sequence(seed, B, T, D, H, dtype=np.float64, zero_state=False):
    """``(x, h0, params)`` of a forward pass: x (B, T, D), h0 (B, H), W_xh, W_hh, b_h.

    x and h0 from N(0, 1) (h0 = 0 with ``zero_state``), the parameters from N(0, 0.7^2),
    N(0, 0.5^2) and N(0, 1).
    """
    rng = np.random.default_rng(seed)
    x, h0 = normal(rng, (B, T, D), dtype=dtype), normal(rng, (B, H), dtype=dtype)
    p = params(rng, cell_shapes(D, H), CELL_SCALE, dtype)
    return x, (h0 * 0 if zero_state else h0), p


def states(seed, B, T, H, O, dtype=np.float64):
    """``(h, params)`` of an output head: h (B, T, H) in (-1, 1), W_hy (H, O), b_y (O,)."""
    rng = np.random.default_rng(seed)
    h = np.tanh(normal(rng, (B, T, H))).astype(dtype)
    return h, params(rng, {"W_hy": (H, O), "b_y": (O,)}, 1.0, dtype)


def network(seed, D, H, O):
    """The parameters of a cell and its output layer: W_xh, W_hh, b_h, W_hy (H, O), b_y (O,)."""
    shapes = {**cell_shapes(D, H), "W_hy": (H, O), "b_y": (O,)}
    return params(np.random.default_rng(seed), shapes, 1.0)


def padded(seed, lengths, T, D, H, dtype=np.float64, zero_step=False):
    """``(x, h0, params, mask)`` of a padded batch: row b has ``lengths[b]`` real steps.

    mask (B, T) is True at the first ``lengths[b]`` steps of row b and False after them,
    where x is zero (the padding); x, h0 and the parameters as in :func:`sequence`. With
    ``zero_step``, the first step of row 0 is a real step whose features are all zero.
    """
    mask = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    x, h0, p = sequence(seed, len(lengths), T, D, H, dtype)
    x = np.where(mask[..., None], x, 0).astype(dtype)
    if zero_step:
        x[0, 0] = 0
    return x, h0, p, mask

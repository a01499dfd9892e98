"""Inputs for the tests of 01_rnn_cell."""

import numpy as np

from . import copied, normal, params

__all__ = ["BY_HAND", "cell", "copied", "output"]

BY_HAND = {
    "x": np.array([[[1.0, 2.0], [0.0, 1.0]]]),
    "params": {
        "W_xh": np.array([[0.5, -0.5], [0.25, 0.0]]),
        "W_hh": np.array([[1.0, 0.5], [-0.5, 0.0]]),
        "b_h": np.array([0.0, 0.25]),
    },
}
"""Task 4's cell: one sequence x (1, 2, 2) of two steps, D = H = 2, h_0 = 0."""


def cell(seed, B, D, H, dtype=np.float64, zero_state=False):
    """``(x_t, h_prev, params)`` of a cell: x_t (B, D), h_prev (B, H), W_xh, W_hh, b_h."""
    rng = np.random.default_rng(seed)
    x_t, h_prev = normal(rng, (B, D), dtype=dtype), normal(rng, (B, H), dtype=dtype)
    shapes = {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}
    p = params(rng, shapes, {"W_xh": 0.7, "W_hh": 0.5, "b_h": 1.0}, dtype)
    return x_t, (h_prev * 0 if zero_state else h_prev), p


def output(seed, B, H, O, dtype=np.float64):
    """``(h_t, params)`` of the output layer: h_t (B, H) in (-1, 1), W_hy (H, O), b_y (O,)."""
    rng = np.random.default_rng(seed)
    h_t = np.tanh(normal(rng, (B, H))).astype(dtype)
    return h_t, params(rng, {"W_hy": (H, O), "b_y": (O,)}, 1.0, dtype)

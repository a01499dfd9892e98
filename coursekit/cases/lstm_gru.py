"""Inputs for the tests of 04_lstm_gru: LSTM and GRU steps, their gradients, PyTorch's weights.

Everything here is numpy: a test that needs a PyTorch cell loads these arrays into it with
``torch.from_numpy`` itself.
"""

import numpy as np

from . import normal, params

TORCH_GATES = {"lstm": 4, "gru": 3}
"""How many blocks PyTorch stacks in an nn.LSTMCell's and an nn.GRUCell's weights."""


def lstm_shapes(D, H):
    """The LSTM's shapes, gate by gate (i, f, o, g): W_kx (D, H), W_kh (H, H), b_k (H,)."""
    shapes = {}
    for k in "ifog":
        shapes.update({f"W_{k}x": (D, H), f"W_{k}h": (H, H), f"b_{k}": (H,)})
    return shapes


def gru_shapes(D, H):
    """The GRU's shapes (z, r, n): W_kx (D, H), W_kh (H, H), b_z, b_r, b_nx, b_nh (H,)."""
    return {
        "W_zx": (D, H), "W_zh": (H, H), "b_z": (H,),
        "W_rx": (D, H), "W_rh": (H, H), "b_r": (H,),
        "W_nx": (D, H), "W_nh": (H, H), "b_nx": (H,), "b_nh": (H,),
    }  # fmt: skip


def lstm_params(seed, D, H, dtype=np.float64):
    """The twelve LSTM parameters (:func:`lstm_shapes`), each from N(0, 0.6^2), in key order."""
    return params(np.random.default_rng(seed), lstm_shapes(D, H), 0.6, dtype)


def gru_params(seed, D, H, dtype=np.float64):
    """The ten GRU parameters (:func:`gru_shapes`), each from N(0, 0.6^2), in key order."""
    return params(np.random.default_rng(seed), gru_shapes(D, H), 0.6, dtype)


def _states(rng, B, D, H, n_states, dtype, zero):
    """x_t (B, D) and ``n_states`` states (B, H) from N(0, 1); the first ``zero`` are 0."""
    x_t = normal(rng, (B, D), dtype=dtype)
    states = [normal(rng, (B, H), dtype=dtype) * (0 if n < zero else 1) for n in range(n_states)]
    return x_t, tuple(states)


def lstm_cell(seed, B, D, H, dtype=np.float64, zero=0):
    """``(x_t, (h_prev, c_prev), params)`` of an LSTM step: (B, D), (B, H), (B, H), the twelve.

    Inputs and states from N(0, 1), parameters from N(0, 0.6^2); ``zero`` = 1 makes
    h_prev = 0, ``zero`` = 2 makes h_prev = c_prev = 0.
    """
    rng = np.random.default_rng(seed)
    x_t, state_prev = _states(rng, B, D, H, 2, dtype, zero)
    return x_t, state_prev, params(rng, lstm_shapes(D, H), 0.6, dtype)


def lstm_backward(seed, B, D, H, dtype=np.float64, zero=0):
    """``((dh_t, dc_t), x_t, (h_prev, c_prev), params)``: :func:`lstm_cell` and dL/dh_t, dL/dc_t.

    dh_t and dc_t (B, H) from N(0, 1), drawn with a generator of their own.
    """
    x_t, state_prev, p = lstm_cell(seed, B, D, H, dtype, zero)
    rng = np.random.default_rng([seed, 1])
    return (normal(rng, (B, H), dtype=dtype), normal(rng, (B, H), dtype=dtype)), x_t, state_prev, p


def gru_cell(seed, B, D, H, dtype=np.float64, zero=False):
    """``(x_t, h_prev, params)`` of a GRU step: x_t (B, D), h_prev (B, H) (0 if ``zero``), the ten.

    Inputs and states from N(0, 1), parameters from N(0, 0.6^2).
    """
    rng = np.random.default_rng(seed)
    x_t, (h_prev,) = _states(rng, B, D, H, 1, dtype, int(zero))
    return x_t, h_prev, params(rng, gru_shapes(D, H), 0.6, dtype)


def torch_weights(seed, kind, D, H, dtype=np.float64):
    """The arrays of an nn.LSTMCell(D, H) or nn.GRUCell(D, H), keyed as in its state_dict().

    weight_ih (G H, D), weight_hh (G H, H), bias_ih and bias_hh (G H,), all from N(0, 1),
    with G = 4 blocks for ``kind`` = "lstm" and G = 3 for "gru".
    """
    G = TORCH_GATES[kind]
    shapes = {"weight_ih": (G * H, D), "weight_hh": (G * H, H), "bias_ih": (G * H,)}
    shapes["bias_hh"] = (G * H,)
    return params(np.random.default_rng(seed), shapes, 1.0, dtype)


def inputs(seed, B, D, H, dtype=np.float64):
    """``(x_t, h_prev, c_prev)`` to run a loaded cell on: (B, D), (B, H), (B, H) from N(0, 1)."""
    x_t, states = _states(np.random.default_rng([seed, 2]), B, D, H, 2, dtype, 0)
    return x_t, *states

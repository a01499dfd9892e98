"""Inputs for the tests of 03_bptt: steps and sequences of a tanh RNN with their upstream
gradients, the functions of Task 3, the problems of Tasks 5 and 9, and gradients to clip.

The states h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h) are computed here as the notebook's
given ``rnn_forward`` computes them, so that a test's inputs need no reference maths.
"""

import numpy as np

from . import copied, normal, params  # noqa: F401 - copied: for the visible tests

KEYS = ("W_xh", "W_hh", "b_h")
"""The parameters of the cell, in the order the tests name them."""

RADII = (0.5, 3.0)
"""Task 9's spectral radii (the notebook's ``radii``)."""


def forward(x, h0, p):
    """h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), t = 1..T: every state, shape (B, T, H)."""
    xw = x @ p["W_xh"] + p["b_h"]
    h = np.empty(x.shape[:2] + h0.shape[1:], dtype=np.result_type(x, h0))
    h_t = h0
    for t in range(x.shape[1]):
        h_t = np.tanh(xw[:, t] + h_t @ p["W_hh"])
        h[:, t] = h_t
    return h


def _cell_params(rng, D, H, dtype, w_hh=0.5):
    """W_xh (D, H) from N(0, 0.7^2), W_hh (H, H) from N(0, w_hh^2), b_h (H,) from N(0, 0.5^2)."""
    shapes = {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}
    return params(rng, shapes, {"W_xh": 0.7, "W_hh": w_hh, "b_h": 0.5}, dtype)


def cell_backward(seed, B, D, H, dtype=np.float64, zero_state=False):
    """``(dh_t, x_t, h_prev, h_t, params)`` of one step: (B, H), (B, D), (B, H), (B, H), the three.

    h_prev = tanh of N(0, 1) draws (0 if ``zero_state``), h_t the step's output, dh_t
    from N(0, 1).
    """
    rng = np.random.default_rng(seed)
    x_t = normal(rng, (B, D), dtype=dtype)
    h_prev = np.tanh(normal(rng, (B, H), dtype=dtype)) * (0 if zero_state else 1)
    p = _cell_params(rng, D, H, dtype)
    h_t = forward(x_t[:, None], h_prev, p)[:, 0]
    return normal(rng, (B, H), dtype=dtype), x_t, h_prev, h_t, p


def sequence(seed, B, T, D, H, dtype=np.float64, last_only=False):
    """``(dh, x, h0, h, params)`` of a sequence: (B, T, H), (B, T, D), (B, H), (B, T, H), the three.

    x and dh from N(0, 1) (dh zero but at the last step if ``last_only``), h0 = tanh of
    N(0, 1) draws, h the states from h0.
    """
    rng = np.random.default_rng(seed)
    x, h0 = normal(rng, (B, T, D), dtype=dtype), np.tanh(normal(rng, (B, H), dtype=dtype))
    p = _cell_params(rng, D, H, dtype)
    dh = normal(rng, (B, T, H), dtype=dtype)
    if last_only:
        dh[:, :-1] = 0
    return dh, x, h0, forward(x, h0, p), p


def state_norms(seed, B, T, D, H):
    """``(x, h0, params, dh_T)`` for Task 6: (B, T, D), (B, H), W_hh from N(0, 1), (B, H)."""
    rng = np.random.default_rng(seed)
    x, h0 = normal(rng, (B, T, D)), np.tanh(normal(rng, (B, H)))
    return x, h0, _cell_params(rng, D, H, np.float64, w_hh=1.0), normal(rng, (B, H))


def cube_sum(z):
    """f(z) = sum(z^3), a float; its centred difference is exactly 3 z^2 + eps^2."""
    return float(np.sum(z**3))


def numeric_problem(seed, shape):
    """``(f, x)``: f(z) = sum(sin(z) w) + (sum z^2)^1.5 for a fixed w, and x, both of ``shape``."""
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=shape), rng.normal(size=shape)

    def f(z):
        return float(np.sum(np.sin(z) * w) + np.sum(z**2) ** 1.5)

    return f, x


def pair(seed, shape):
    """``(a, b)`` of ``shape``: a from N(0, 1), b = a + noise from N(0, 0.001^2)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    return a, a + rng.normal(size=shape) * 1e-3


def grad_check():
    """``(x_check, h0_check, params_check, G_check)``, Task 5's problem as the notebook draws it."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    h0 = np.tanh(rng.normal(size=(2, 3)))
    p = {
        "W_xh": rng.normal(size=(3, 3)) * 0.5,
        "W_hh": rng.normal(size=(3, 3)) * 0.5,
        "b_h": rng.normal(size=3) * 0.1,
    }
    return x, h0, p, rng.normal(size=(2, 4, 3))


def loss_of(key, forward, x, h0, params, G):
    """The function w -> L = sum(G * forward(x, h0, params with params[key] = w)), a float."""

    def loss(w):
        return float(np.sum(G * forward(x, h0, {**params, key: w})))

    return loss


def square(seed, n, dtype=np.float64):
    """An (n, n) matrix from N(0, 1), in general not symmetric."""
    return normal(np.random.default_rng(seed), (n, n), dtype=dtype)


def noisy_norms(seed, T, r):
    """T + 1 norms 5 r^(T - t) e^(N(0, 0.2^2)), t = 0..T: shrinking by about r per step back."""
    rng = np.random.default_rng(seed)
    return 5.0 * r ** (T - np.arange(T + 1)) * np.exp(rng.normal(scale=0.2, size=T + 1))


def experiment():
    """``(W_base, x_exp, h0_exp, params_exp, dh_T_exp)``: Task 9's set-up, as in the notebook."""
    rng = np.random.default_rng(1)
    T, D, H = 30, 2, 16
    W_base = rng.normal(size=(H, H)) / np.sqrt(H)
    x = rng.normal(size=(1, T, D))
    p = {"W_xh": rng.normal(size=(D, H)) * 0.5, "W_hh": None, "b_h": np.zeros(H)}
    return W_base, x, np.zeros((1, H)), p, np.ones((1, H))


def grads(seed, dtype=np.float64):
    """Gradients to clip: W_xh (3, 4), W_hh (4, 4) (3 times larger) and b_h (4,) from N(0, 1).

    ``seed`` = "norm 5" gives {"W": [[3, 4]]}, whose global norm is exactly 5, and
    ``seed`` = "zero" gives zero gradients.
    """
    if seed == "norm 5":
        return {"W": np.array([[3.0, 4.0]], dtype=dtype)}
    if seed == "zero":
        return {"W": np.zeros((2, 2), dtype=dtype), "b": np.zeros(2, dtype=dtype)}
    rng = np.random.default_rng(seed)
    return params(
        rng, {"W_xh": (3, 4), "W_hh": (4, 4), "b_h": (4,)}, {"W_xh": 1, "W_hh": 3, "b_h": 1}, dtype
    )

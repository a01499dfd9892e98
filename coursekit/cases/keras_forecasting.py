"""Inputs for the tests of 06_keras_forecasting (numpy only: no Keras here)."""

import numpy as np

from coursekit.data import make_windows, sine_forecasting

from . import normal

SINE = {"n_points": 500, "x_max": 50.0, "n_steps": 10, "val_fraction": 0.2}
"""The arguments of the notebook's data set, ``sine_forecasting(**SINE)``."""


def series(seed, L, dtype=np.float64):
    """A series s_0 .. s_{L-1} of shape (L,) drawn from N(0, 1) by default_rng(seed)."""
    return normal(np.random.default_rng(seed), (L,), dtype=dtype)


def keras_weights(seed, shapes):
    """[w_1, w_2, ...] of ``shapes``, each N(0, 0.5^2) from one default_rng(seed), float32.

    What the notebook's fill_keras and fill_layers write into a model, in its weights' order.
    """
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=shape) * 0.5).astype(np.float32) for shape in shapes]


def forecaster_shapes(n_hidden):
    """Shapes of SimpleRNN(H) on one feature and Dense(1): kernel, recurrent kernel, bias, ..."""
    H = n_hidden
    return [(1, H), (H, H), (H,), (H, 1), (1,)]


def classifier_shapes(n_features, n_hidden, n_classes):
    """Shapes of the weights of rnn1 (D -> H), rnn2 (H -> H) and the classifier (H -> K)."""
    D, H, K = n_features, n_hidden, n_classes
    return [(D, H), (H, H), (H,), (H, H), (H, H), (H,), (H, K), (K,)]


def windows_batch(seed, B, n_steps):
    """``(x, y)``: B windows x (B, n_steps, 1) and targets y (B, 1) from N(0, 1), float32."""
    rng = np.random.default_rng(seed)
    return normal(rng, (B, n_steps, 1), dtype=np.float32), normal(rng, (B, 1), dtype=np.float32)


def sequences(seed, B, T, D):
    """A batch x of shape (B, T, D) from N(0, 1) by default_rng(seed), float32."""
    return normal(np.random.default_rng(seed), (B, T, D), dtype=np.float32)


def held_out(which):
    """``(X, y)`` of the held-out windows of 10 values of sin(x), float32.

    ``"val"``: the notebook's 98 validation windows, the end of ``sine_forecasting(**SINE)``.
    ``"after"``: the 110 windows that follow that series, s_k = sin(50 k / 499), k = 500 .. 619.
    """
    if which == "val":
        data = sine_forecasting(**SINE)
        return data["X_val"], data["y_val"]
    x = np.arange(500, 620) * (SINE["x_max"] / (SINE["n_points"] - 1))
    return make_windows(np.sin(x).astype(np.float32), SINE["n_steps"])

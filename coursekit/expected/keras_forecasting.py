"""What the tests of 06_keras_forecasting expect: the windows of a series, the forecaster's
outputs and loss for known weights, the trained forecaster's held-out forecasts, and the
repaired classifier.

Keras models are compared with the same computation in numpy: a SimpleRNN is the book's
RNN cell with W_xh = kernel, W_hh = recurrent_kernel, b_h = bias, and a Dense layer is
h W + b. Weights come in the order of ``model.get_weights()``.
"""

from enum import StrEnum

import numpy as np

from coursekit import heads, rnn
from coursekit.cases import keras_forecasting as cases
from coursekit.checks import CheckFailed, Expected, Rule, check_array, check_type_and_shape

from . import tolerance

DEFAULT_UNITS = 32
"""build_forecaster's default n_hidden."""


class Mistake(StrEnum):
    FEATURE_AXIS_MISSING = (
        "the feature axis is missing: Keras wants X of shape (N, n_steps, 1), one feature per step"
    )
    ONE_WINDOW_SHORT = (
        "one window too few: there are len(sequence) - n_steps windows, the last one ending just "
        "before the last value"
    )
    NOT_OVERLAPPING = "windows do not overlap: window i + 1 is window i shifted by one step"
    TARGET_IS_LAST_INPUT = (
        "the target is the value after the window: y[i] = sequence[i + n_steps], not the "
        "window's last value"
    )
    FLAT_TARGETS = (
        "y has shape (N,): keep a trailing axis, y of shape (N, 1), one target value per window"
    )
    N_HIDDEN_IGNORED = "n_hidden ignored: the recurrent layer has SimpleRNN(n_hidden) units"
    EVERY_STEP = (
        "one forecast per window: a many-to-one model reads only the last state; leave "
        "return_sequences=False"
    )
    OUTPUT_ACTIVATION = (
        "activation on the output layer: a forecast is a number, so the last Dense layer is linear"
    )
    WRONG_LOSS = 'wrong loss: the forecaster is trained on the mean squared error, loss="mse"'
    FIRST_LAYER_LAST_STATE_ONLY = (
        "return_sequences=True forgotten when stacking: the first layer must return every state, "
        "(B, T, H), so that the second one has a sequence to read"
    )
    SECOND_LAYER_SKIPPED = (
        "the second layer is skipped: call() must pass the first layer's states through self.rnn2"
    )
    NO_SOFTMAX = (
        'softmax missing: the classifier ends with Dense(n_classes, activation="softmax"), which '
        "gives probabilities"
    )
    CLASSIFIER_EVERY_STEP = (
        "one prediction per sequence: the second layer returns only its last state "
        "(return_sequences=False)"
    )


def window_inputs(sequence, n_steps):
    """X[i] = (s_i, ..., s_{i+n-1}) of shape (N, n_steps, 1), N = L - n_steps, exactly."""
    X = np.stack([sequence[i : i + n_steps] for i in range(len(sequence) - n_steps)])[:, :, None]
    mistakes = {
        Mistake.FEATURE_AXIS_MISSING: X[:, :, 0],
        Mistake.ONE_WINDOW_SHORT: X[:-1],
        Mistake.NOT_OVERLAPPING: X[::n_steps],
    }
    return Expected(X, 0, 0, mistakes, axes="(windows, n_steps, features)")


def window_targets(sequence, n_steps):
    """y[i] = s_{i+n_steps} of shape (N, 1), exactly."""
    s, n = sequence, n_steps
    mistakes = {
        Mistake.TARGET_IS_LAST_INPUT: s[n - 1 : -1, None],
        Mistake.FLAT_TARGETS: s[n:],
        Mistake.ONE_WINDOW_SHORT: s[n:-1, None],
        Mistake.NOT_OVERLAPPING: s[n::n, None],
    }
    return Expected(s[n:, None], 0, 0, mistakes, axes="(windows, 1)")


def _units(args):
    """n_hidden of the call build_forecaster(*args)."""
    return args[1] if len(args) > 1 else DEFAULT_UNITS


def _count(*layers):
    """The parameters of SimpleRNN and Dense layers given as (inputs, units, recurrent)."""
    return sum(n * u + u + (u * u if recurrent else 0) for n, u, recurrent in layers)


def forecaster_n_parameters(args):
    """H + H H + H of SimpleRNN(H) on one feature, + H + 1 of Dense(1); args of build_forecaster."""
    H = _units(args)
    mistakes = {Mistake.N_HIDDEN_IGNORED: _count((1, 50, True), (50, 1, False))}
    return Expected(_count((1, H, True), (H, 1, False)), mistakes=mistakes)


def _simple_rnn(x, kernel, recurrent_kernel, bias):
    """Every state h (B, T, H) of a Keras SimpleRNN, in float64, from h_0 = 0."""
    p = {"W_xh": kernel, "W_hh": recurrent_kernel, "b_h": bias}
    p = {k: v.astype(np.float64) for k, v in p.items()}
    return rnn.forward(x.astype(np.float64), np.zeros((len(x), bias.shape[0])), p)[0]


def _forecasts(weights, x):
    """(y, every step's y, every state) of SimpleRNN -> Dense(1) with Keras' weights."""
    h = _simple_rnn(x, *weights[:3])
    dense = {"W_hy": weights[3].astype(np.float64), "b_y": weights[4].astype(np.float64)}
    return heads.dense_forward(h[:, -1], dense)[0], h @ dense["W_hy"] + dense["b_y"], h


def forecaster_output(args, seed, x):
    """y = h_T W + b after SimpleRNN(H) filled by fill_keras(model, seed), float32 (B, 1)."""
    weights = cases.keras_weights(seed, cases.forecaster_shapes(_units(args)))
    y, every_step, _ = _forecasts(weights, x)
    mistakes = {
        Mistake.EVERY_STEP: every_step.astype(np.float32),
        Mistake.OUTPUT_ACTIVATION: np.tanh(y).astype(np.float32),
    }
    return Expected(y.astype(np.float32), *tolerance(x), mistakes, axes="(batch, 1)")


def forecaster_loss(args, seed, x, y):
    """mean((y_pred - y)^2) of the filled forecaster on (x, y); the MAE is the wrong loss."""
    weights = cases.keras_weights(seed, cases.forecaster_shapes(_units(args)))
    error = _forecasts(weights, x)[0].astype(np.float32).astype(np.float64) - y
    mistakes = {Mistake.WRONG_LOSS: float(np.mean(np.abs(error)))}
    return Expected(float(np.mean(error**2)), 1e-4, 1e-6, mistakes)


def _forecasts_agree(name, actual, which):
    """forecasts = SimpleRNN -> Dense(1) with the weights, each within 0.05, MSE <= 0.0005."""
    X, y = cases.held_out(which)
    if type(actual) is not tuple or len(actual) != 2 or type(actual[0]) is not list:
        raise CheckFailed(f"{name}: expected (forecaster.get_weights(), the forecasts)")
    weights, forecasts = actual
    if len(weights) != 5:
        raise CheckFailed(
            f"forecaster has {len(weights)} weight arrays, expected the 5 of build_forecaster(10): "
            "SimpleRNN kernel, recurrent kernel and bias, Dense kernel and bias"
        )
    H = getattr(weights[1], "shape", (0,))[0]
    for label, w, shape in zip(
        ("kernel", "recurrent kernel", "bias", "Dense kernel", "Dense bias"),
        weights,
        cases.forecaster_shapes(H),
        strict=True,
    ):
        check_type_and_shape(f"forecaster's {label}", w, np.zeros(shape, np.float32))
    check_type_and_shape(name, forecasts, y, axes="(windows, 1)")
    computed = _forecasts(weights, X)[0].astype(np.float32)
    check_array(
        f"{name}, compared with what a SimpleRNN and a Dense layer with forecaster's weights "
        "compute (forecast with the model itself, keras_output(forecaster, X))",
        forecasts,
        computed,
        rtol=1e-4,
        atol=1e-5,
    )
    check_array(name, forecasts, y, rtol=0, atol=0.05, axes="(windows, 1)", max_mse=0.0005)


def forecasts(which):
    """Rule: the forecasts of the held-out windows ``which`` ("val" or "after") are the model's.

    The test records (forecaster.get_weights(), its forecasts); the rule recomputes the
    forecasts from the weights in numpy and compares them with the true values: each
    within 0.05 and their mean squared error at most 0.0005.
    """
    return Rule(_forecasts_agree, {"which": which})


def first_layer_returns_sequences():
    """1: the first of two stacked layers returns every state (return_sequences=True)."""
    return Expected(1, mistakes={Mistake.FIRST_LAYER_LAST_STATE_ONLY: 0})


def classifier_n_parameters(n_features, n_hidden, n_classes):
    """(H D + H H + H) + (2 H H + H) + (H K + K): rnn1, rnn2 and the classifier."""
    D, H, K = n_features, n_hidden, n_classes
    total = _count((D, H, True), (H, H, True), (H, K, False))
    return Expected(total, mistakes={Mistake.SECOND_LAYER_SKIPPED: total - _count((H, H, True))})


def classifier_output(n_hidden, n_classes, seed, x):
    """softmax(h2_T W + b), h2 = SimpleRNN_2(SimpleRNN_1(x)), after fill_layers(..., seed)."""
    shapes = cases.classifier_shapes(x.shape[2], n_hidden, n_classes)
    w = cases.keras_weights(seed, shapes)
    h2 = _simple_rnn(_simple_rnn(x, *w[:3]), *w[3:6])
    logits = h2 @ w[6].astype(np.float64) + w[7]
    mistakes = {
        Mistake.NO_SOFTMAX: logits[:, -1].astype(np.float32),
        Mistake.CLASSIFIER_EVERY_STEP: heads.softmax(logits).astype(np.float32),
    }
    probabilities = heads.softmax(logits[:, -1]).astype(np.float32)
    return Expected(probabilities, 1e-4, 1e-6, mistakes, axes="(batch, n_classes)")

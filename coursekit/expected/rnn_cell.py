"""What the tests of 01_rnn_cell expect: one step of the cell, its output layer, its
parameter count, and Task 4's two steps by hand."""

from enum import StrEnum

import numpy as np

from coursekit import activations, heads, rnn
from coursekit.cases.rnn_cell import BY_HAND
from coursekit.checks import CheckFailed, Expected, Rule, check_array, check_type_and_shape

from . import tolerance
from .mistakes import Mistake as Shared


class Mistake(StrEnum):
    BIAS_TWICE = (
        "bias added twice: b_h enters a_t once (PyTorch's b_ih and b_hh are one b_h split in two)"
    )
    BIAS_AFTER_ACTIVATION = (
        "bias added after the activation: f(x_t W_xh + h_prev W_hh) + b_h instead of "
        "f(x_t W_xh + h_prev W_hh + b_h)"
    )
    TRANSPOSED_W_XH = (
        "transposed weight: W_xh was used transposed; in row-vector code the product is x_t @ W_xh"
    )
    PREVIOUS_STATE_IGNORED = "previous state ignored: the term h_prev @ W_hh is missing from a_t"
    RELU_FOR_TANH = "wrong activation: relu was applied where tanh was asked"
    TANH_FOR_RELU = "wrong activation: tanh was applied where relu(a) = max(a, 0) was asked"
    SIGMOID_FOR_TANH = (
        "wrong activation: the logistic sigmoid 1 / (1 + exp(-a)) was applied instead of tanh"
    )
    NO_ACTIVATION = "wrong activation: no nonlinearity was applied (h_t is f(a_t), not a_t)"
    UNKNOWN_ACTIVATION = (
        "unknown activation accepted: any activation other than 'tanh' or 'relu' must raise "
        "ValueError"
    )
    OUTPUT_COLUMN_VECTOR = (
        "column-vector form: W_hy.T @ h_t.T gives shape (O, B); in row-vector code "
        "y_t = h_t @ W_hy + b_y"
    )
    OUTPUT_TRANSPOSED = (
        "transposed weight: W_hy was used transposed; in row-vector code the product is h_t @ W_hy"
    )
    COUNT_NO_BIASES = "forgot the biases: b_h adds H parameters and b_y adds O"
    COUNT_NO_W_HH = "forgot the recurrent weights W_hh (H * H parameters)"
    COUNT_NO_OUTPUT = "forgot the output layer: W_hy (H * O) and b_y (O)"
    BY_HAND_TRANSPOSED = (
        "transposed weight: the products were taken with W_xh.T and W_hh.T, as if the row "
        "vector were a column"
    )
    BY_HAND_NO_BIAS = "missing bias: b_h was not added"
    BY_HAND_NO_PREVIOUS_STATE = "previous state ignored: h_1 @ W_hh is missing from a_2"


def _relu(a):
    return np.maximum(a, 0)


def cell_forward(x_t, h_prev, params, activation="tanh"):
    """h_t = f(x_t W_xh + h_prev W_hh + b_h), and what the common slips give instead."""
    f, other = (np.tanh, _relu) if activation == "tanh" else (_relu, np.tanh)
    W_xh, W_hh, b = params["W_xh"], params["W_hh"], params["b_h"]
    a = x_t @ W_xh + h_prev @ W_hh + b
    mistakes = {
        Shared.MISSING_BIAS: f(a - b),
        Mistake.BIAS_TWICE: f(a + b),
        Mistake.BIAS_AFTER_ACTIVATION: f(a - b) + b,
        Shared.TRANSPOSED_W_HH: f(x_t @ W_xh + h_prev @ W_hh.T + b),
        Mistake.PREVIOUS_STATE_IGNORED: f(x_t @ W_xh + b),
        Mistake.RELU_FOR_TANH if activation == "tanh" else Mistake.TANH_FOR_RELU: other(a),
        Mistake.NO_ACTIVATION: a,
    }
    if activation == "tanh":
        mistakes[Mistake.SIGMOID_FOR_TANH] = activations.sigmoid(a)
    if W_xh.shape[0] == W_xh.shape[1]:
        mistakes[Mistake.TRANSPOSED_W_XH] = f(x_t @ W_xh.T + h_prev @ W_hh + b)
    rtol, atol = tolerance(x_t, h_prev, params)
    h_t = rnn.cell_forward(x_t, h_prev, params, activation)[0]
    return Expected(h_t, rtol, atol, mistakes, axes="(batch, H)")


def unknown_activation_raises():
    """1: an activation other than "tanh" or "relu" raises ValueError (0 if it does not)."""
    return Expected(1, mistakes={Mistake.UNKNOWN_ACTIVATION: 0})


def output(h_t, params):
    """y_t = h_t W_hy + b_y, and what the common slips give instead."""
    W, b = params["W_hy"], params["b_y"]
    y = heads.dense_forward(h_t, params)[0]
    mistakes = {
        Shared.OUTPUT_MISSING_BIAS: y - b,
        Shared.OUTPUT_ACTIVATION: np.tanh(y),
        Mistake.OUTPUT_COLUMN_VECTOR: W.T @ h_t.T + b[:, None],
    }
    if W.shape[0] == W.shape[1]:
        mistakes[Mistake.OUTPUT_TRANSPOSED] = h_t @ W.T + b
    rtol, atol = tolerance(h_t, params)
    return Expected(y, rtol, atol, mistakes, axes="(batch, O)")


def param_count(n_inputs, n_hidden, n_outputs):
    """H D + H H + H + H O + O, and the counts that forget a part."""
    D, H, O = n_inputs, n_hidden, n_outputs
    total = rnn.n_params(D, H) + H * O + O
    mistakes = {
        Mistake.COUNT_NO_BIASES: total - H - O,
        Mistake.COUNT_NO_W_HH: total - H * H,
        Shared.COUNT_W_HH_AS_HD: total - H * H + H * D,
        Mistake.COUNT_NO_OUTPUT: total - H * O - O,
    }
    return Expected(total, mistakes=mistakes)


def _by_hand_steps(params):
    """(a_1, h_1, a_2, h_2) of Task 4 for ``params``, with h_1 from tanh(a_1)."""
    (x_1, x_2), p = BY_HAND["x"][0], params
    a_1 = x_1 @ p["W_xh"] + p["b_h"]
    a_2 = x_2 @ p["W_xh"] + np.tanh(a_1) @ p["W_hh"] + p["b_h"]
    return {
        "a1_by_hand": a_1,
        "h1_by_hand": np.tanh(a_1),
        "a2_by_hand": a_2,
        "h2_by_hand": np.tanh(a_2),
    }


def by_hand(name):
    """The true value of ``name`` ("a1_by_hand", ...), to 0.005, and the slips' values."""
    p = BY_HAND["params"]
    h, _ = rnn.forward(BY_HAND["x"], np.zeros((1, 2)), p)
    true = _by_hand_steps(p)
    assert np.allclose([true["h1_by_hand"], true["h2_by_hand"]], h[0])
    transposed = {**p, "W_xh": p["W_xh"].T, "W_hh": p["W_hh"].T}
    mistakes = {
        Mistake.BY_HAND_TRANSPOSED: _by_hand_steps(transposed)[name],
        Mistake.BY_HAND_NO_BIAS: _by_hand_steps({**p, "b_h": np.zeros(2)})[name],
    }
    if name.startswith(("a2", "h2")):
        mistakes[Mistake.BY_HAND_NO_PREVIOUS_STATE] = _by_hand_steps(
            {**p, "W_hh": np.zeros((2, 2))}
        )[name]
    return Expected(true[name], rtol=0, atol=0.005, mistakes=mistakes)


def _by_hand_agree(name, actual):
    """Task 4's four values, each of shape (2,), agree with one another to 0.005."""
    if type(actual) is not tuple or len(actual) != 4:
        raise CheckFailed(f"{name}: expected the four arrays a1, h1, a2, h2")
    a_1, h_1, a_2, h_2 = actual
    for label, value in zip(
        ("a1_by_hand", "h1_by_hand", "a2_by_hand", "h2_by_hand"), actual, strict=True
    ):
        check_type_and_shape(label, value, np.zeros(2), axes="(H,)")
    (_, x_2), p = BY_HAND["x"][0], BY_HAND["params"]
    for label, got, want in [
        ("np.tanh(a1_by_hand), compared with h1_by_hand", np.tanh(a_1), h_1),
        ("np.tanh(a2_by_hand), compared with h2_by_hand", np.tanh(a_2), h_2),
        (
            "a2_by_hand, compared with x_2 W_xh + h1_by_hand W_hh + b_h",
            a_2,
            x_2 @ p["W_xh"] + h_1 @ p["W_hh"] + p["b_h"],
        ),
    ]:
        check_array(label, got, want, rtol=0, atol=0.005)


def by_hand_consistent():
    """The values by hand agree with one another: h = tanh(a), a_2 = x_2 W_xh + h_1 W_hh + b_h."""
    return Rule(_by_hand_agree)

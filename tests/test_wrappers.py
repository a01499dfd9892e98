"""Bidirectional and stacked layers over every cell module: values, gradients, validation."""

import importlib

import numpy as np
import pytest

from coursekit import wrappers
from coursekit.gradients import numeric_gradient, relative_error

CELLS = ["rnn", "lstm", "gru"]
B, T, D = 2, 4, 3


def load(name):
    return importlib.import_module(f"coursekit.{name}")


def make_state(name, n_hidden, rng):
    """A non-zero initial state, so that its gradient is checked too: h0, or (h0, c0)."""
    h0 = 0.5 * rng.normal(size=(B, n_hidden))
    return (h0, 0.5 * rng.normal(size=(B, n_hidden))) if name == "lstm" else h0


def arrays(tree):
    """The arrays of a state, a gradient dict, or nested tuples and lists of them, in order."""
    if isinstance(tree, np.ndarray):
        return [tree]
    if isinstance(tree, dict):
        return [tree[k] for k in sorted(tree)]
    return [a for item in tree for a in arrays(item)]


def assert_matches_numeric(loss, inputs, grads):
    """Each array of ``inputs`` has the gradient at the same position in ``grads``."""
    inputs, grads = arrays(inputs), arrays(grads)
    assert len(inputs) == len(grads)
    for array, grad in zip(inputs, grads, strict=True):
        assert grad.shape == array.shape
        assert relative_error(grad, numeric_gradient(loss, array)) < 1e-7


def reverse_time(a):
    return a[:, ::-1]


# --- bidirectional ------------------------------------------------------------------------


@pytest.mark.parametrize("name", CELLS)
def test_bidirectional_forward_concatenates_forward_and_time_reversed_backward_pass(name):
    cell, rng = load(name), np.random.default_rng(0)
    x = rng.normal(size=(B, T, D))
    params = (cell.init_params(D, 5, seed=1), cell.init_params(D, 5, seed=2))
    state0 = (make_state(name, 5, rng), make_state(name, 5, rng))
    h, _ = wrappers.bidirectional_forward(cell, x, state0, params)
    assert h.shape == (B, T, 10)
    np.testing.assert_allclose(h[..., :5], cell.forward(x, state0[0], params[0])[0])
    h_bwd = cell.forward(reverse_time(x), state0[1], params[1])[0]
    np.testing.assert_allclose(h[..., 5:], reverse_time(h_bwd))


@pytest.mark.parametrize("name", CELLS)
def test_bidirectional_first_step_sees_the_last_input_only_through_the_backward_half(name):
    cell, rng = load(name), np.random.default_rng(1)
    x = rng.normal(size=(B, T, D))
    params = (cell.init_params(D, 3, seed=1), cell.init_params(D, 3, seed=2))
    state0 = (make_state(name, 3, rng), make_state(name, 3, rng))
    h, _ = wrappers.bidirectional_forward(cell, x, state0, params)
    x_later = x.copy()
    x_later[:, -1] += 1.0
    h_later, _ = wrappers.bidirectional_forward(cell, x_later, state0, params)
    np.testing.assert_array_equal(h_later[:, 0, :3], h[:, 0, :3])
    assert not np.allclose(h_later[:, 0, 3:], h[:, 0, 3:])


@pytest.mark.parametrize("name", CELLS)
def test_bidirectional_backward_matches_numeric_gradient(name):
    cell, rng = load(name), np.random.default_rng(2)
    x = rng.normal(size=(B, T, D))
    params = (cell.init_params(D, 3, seed=3), cell.init_params(D, 4, seed=4))
    state0 = (make_state(name, 3, rng), make_state(name, 4, rng))
    w = rng.normal(size=(B, T, 7))

    def loss():
        return np.sum(wrappers.bidirectional_forward(cell, x, state0, params)[0] * w)

    _, cache = wrappers.bidirectional_forward(cell, x, state0, params)
    dx, dstate0, grads = wrappers.bidirectional_backward(w, cache)
    assert_matches_numeric(loss, [x, state0, params], [dx, dstate0, grads])


def test_bidirectional_passes_keyword_arguments_to_both_directions():
    cell, rng = load("rnn"), np.random.default_rng(3)
    x = rng.normal(size=(B, T, D))
    params = (cell.init_params(D, 3, seed=1), cell.init_params(D, 3, seed=2))
    state0 = (np.zeros((B, 3)), np.zeros((B, 3)))
    h, _ = wrappers.bidirectional_forward(cell, x, state0, params, activation="relu")
    assert np.all(h >= 0.0)
    np.testing.assert_allclose(h[..., :3], cell.forward(x, state0[0], params[0], "relu")[0])


@pytest.mark.parametrize("name", CELLS)
def test_bidirectional_backward_passes_truncate_to_both_directions(name):
    cell, rng = load(name), np.random.default_rng(4)
    x = rng.normal(size=(B, T, D))
    params = (cell.init_params(D, 3, seed=1), cell.init_params(D, 3, seed=2))
    state0 = (make_state(name, 3, rng), make_state(name, 3, rng))
    dh = rng.normal(size=(B, T, 6))
    _, cache = wrappers.bidirectional_forward(cell, x, state0, params)
    dx, _, grads = wrappers.bidirectional_backward(dh, cache, truncate=1)
    _, cache_fwd = cell.forward(x, state0[0], params[0])
    _, cache_bwd = cell.forward(reverse_time(x), state0[1], params[1])
    dx_fwd, _, g_fwd = cell.backward(dh[..., :3], cache_fwd, truncate=1)
    dx_bwd, _, g_bwd = cell.backward(reverse_time(dh[..., 3:]), cache_bwd, truncate=1)
    np.testing.assert_allclose(dx, dx_fwd + reverse_time(dx_bwd))
    for key in g_fwd:
        np.testing.assert_allclose(grads[0][key], g_fwd[key])
        np.testing.assert_allclose(grads[1][key], g_bwd[key])


# --- stacked ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CELLS)
def test_stacked_forward_feeds_each_layer_the_hidden_states_of_the_layer_below(name):
    cell, rng = load(name), np.random.default_rng(5)
    x = rng.normal(size=(B, T, D))
    layers = [cell.init_params(D, 4, seed=1), cell.init_params(4, 2, seed=2)]
    states0 = [make_state(name, 4, rng), make_state(name, 2, rng)]
    h, cache = wrappers.stacked_forward(cell, x, states0, layers)
    h1, _ = cell.forward(x, states0[0], layers[0])
    h2, _ = cell.forward(h1, states0[1], layers[1])
    np.testing.assert_allclose(h, h2)
    np.testing.assert_allclose(cache["h"][0], h1)


@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("sizes", [[3], [3, 4], [4, 3, 2]], ids=["1_layer", "2_layers", "3_layers"])
def test_stacked_backward_matches_numeric_gradient(name, sizes):
    cell, rng = load(name), np.random.default_rng(6)
    x = rng.normal(size=(B, T, D))
    inputs = [D] + sizes[:-1]
    layers = [
        cell.init_params(i, o, seed=l) for l, (i, o) in enumerate(zip(inputs, sizes, strict=True))
    ]
    states0 = [make_state(name, o, rng) for o in sizes]
    w = rng.normal(size=(B, T, sizes[-1]))

    def loss():
        return np.sum(wrappers.stacked_forward(cell, x, states0, layers)[0] * w)

    _, cache = wrappers.stacked_forward(cell, x, states0, layers)
    dx, dstates0, grads = wrappers.stacked_backward(w, cache)
    assert len(dstates0) == len(grads) == len(sizes)
    assert_matches_numeric(loss, [x, states0, layers], [dx, dstates0, grads])


@pytest.mark.parametrize("name", CELLS)
def test_stacked_bidirectional_layers_match_numeric_gradient(name):
    # Like PyTorch's num_layers=2, bidirectional=True: layer 2 reads 2H features.
    cell, rng = load(name), np.random.default_rng(7)
    x = rng.normal(size=(B, T, D))
    layers = [
        (cell.init_params(D, 2, seed=1), cell.init_params(D, 2, seed=2)),
        (cell.init_params(4, 3, seed=3), cell.init_params(4, 3, seed=4)),
    ]
    states0 = [(make_state(name, 2, rng), make_state(name, 2, rng))]
    states0.append((make_state(name, 3, rng), make_state(name, 3, rng)))
    w = rng.normal(size=(B, T, 6))

    def loss():
        return np.sum(wrappers.stacked_forward(cell, x, states0, layers)[0] * w)

    h, cache = wrappers.stacked_forward(cell, x, states0, layers)
    assert h.shape == (B, T, 6)
    dx, dstates0, grads = wrappers.stacked_backward(w, cache)
    assert_matches_numeric(loss, [x, states0, layers], [dx, dstates0, grads])


@pytest.mark.parametrize("name", CELLS)
def test_stacked_backward_with_truncate_matches_the_cell_on_one_layer(name):
    cell, rng = load(name), np.random.default_rng(8)
    x, dh = rng.normal(size=(B, T, D)), rng.normal(size=(B, T, 3))
    params, state0 = cell.init_params(D, 3, seed=1), make_state(name, 3, rng)
    _, cache = wrappers.stacked_forward(cell, x, [state0], [params])
    dx, _, grads = wrappers.stacked_backward(dh, cache, truncate=2)
    dx_cell, _, grads_cell = cell.backward(dh, cell.forward(x, state0, params)[1], truncate=2)
    np.testing.assert_allclose(dx, dx_cell)
    for key in grads_cell:
        np.testing.assert_allclose(grads[0][key], grads_cell[key])


# --- validation ---------------------------------------------------------------------------


def test_bidirectional_forward_needs_one_state_per_direction():
    cell = load("rnn")
    params = (cell.init_params(D, 3), cell.init_params(D, 3))
    with pytest.raises(ValueError, match=r"state0 must be a pair \(s_fwd, s_bwd\)"):
        wrappers.bidirectional_forward(cell, np.zeros((B, T, D)), np.zeros((B, 3)), params)


def test_bidirectional_forward_rejects_something_that_is_not_a_cell_module():
    with pytest.raises(TypeError, match="cell must be a cell module"):
        wrappers.bidirectional_forward("rnn", np.zeros((B, T, D)), (None, None), (None, None))


def test_bidirectional_backward_rejects_dh_of_the_wrong_shape():
    cell = load("rnn")
    params = (cell.init_params(D, 3), cell.init_params(D, 3))
    state0 = (np.zeros((B, 3)), np.zeros((B, 3)))
    _, cache = wrappers.bidirectional_forward(cell, np.zeros((B, T, D)), state0, params)
    with pytest.raises(ValueError, match=r"dh has shape \(2, 4, 3\), expected \(2, 4, 6\)"):
        wrappers.bidirectional_backward(np.zeros((B, T, 3)), cache)


def test_stacked_forward_needs_one_initial_state_per_layer():
    cell = load("rnn")
    layers = [cell.init_params(D, 3), cell.init_params(3, 3)]
    with pytest.raises(ValueError, match="one initial state per layer = 2, got 1"):
        wrappers.stacked_forward(cell, np.zeros((B, T, D)), [np.zeros((B, 3))], layers)


def test_stacked_forward_names_the_layer_whose_input_size_is_wrong():
    cell = load("rnn")
    layers = [cell.init_params(D, 3), cell.init_params(5, 3)]
    states0 = [np.zeros((B, 3)), np.zeros((B, 3))]
    with pytest.raises(ValueError, match=r"layers\[1\] \(its input is the output of layers\[0\]\)"):
        wrappers.stacked_forward(cell, np.zeros((B, T, D)), states0, layers)

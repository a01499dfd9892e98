"""Bidirectional and stacked layers over every cell module: values, gradients, validation."""

import importlib
import math

import numpy as np
import pytest

from coursekit import wrappers
from coursekit.gradients import numeric_gradient, relative_error

CELLS = ["rnn", "lstm", "gru"]
B, T, D = 2, 4, 3  # the value and validation tests; the gradient tests draw their shapes

# The gradient tests run each cell kind, the rnn with both nonlinearities:
# kind -> (cell module name, keyword arguments of its forward).
KINDS = {
    "rnn-tanh": ("rnn", {"activation": "tanh"}),
    "rnn-relu": ("rnn", {"activation": "relu"}),
    "lstm": ("lstm", {}),
    "gru": ("gru", {}),
}
all_kinds = pytest.mark.parametrize("kind", KINDS)

# (batch, time, inputs, hidden sizes of up to three layers or directions): the edges
# first (batch 1, time 1, size 1), then seeded draws from batch 1..4, time 1..7, sizes 1..6.
_draw_rng = np.random.default_rng(20240602)
SHAPES = [(1, 1, 1, (1, 1, 1)), (1, 7, 2, (3, 1, 2)), (4, 1, 6, (6, 2, 1))] + [
    (int(_draw_rng.integers(1, 5)), int(_draw_rng.integers(1, 8)), int(_draw_rng.integers(1, 7)))
    + (tuple(int(n) for n in _draw_rng.integers(1, 7, size=3)),)
    for _ in range(2)
]
SHAPE_IDS = [f"B{b}-T{t}-D{d}-H{'-'.join(map(str, hs))}" for b, t, d, hs in SHAPES]
all_shapes = pytest.mark.parametrize("seed, shape", list(enumerate(SHAPES)), ids=SHAPE_IDS)
# The stacked test gives each shape its own depth, 1, 2 or 3 layers in turn.
stacked_shapes = pytest.mark.parametrize(
    "seed, shape, n_layers",
    [(seed, shape, 1 + seed % 3) for seed, shape in enumerate(SHAPES)],
    ids=[f"{1 + seed % 3}_layers-{i}" for seed, i in enumerate(SHAPE_IDS)],
)

# Centred differences with step EPS err by ~EPS^2 + ~1e-16 / EPS, both near 1e-10.
EPS = 1e-5
RELU_MARGIN = 1e-3  # numeric gradients need every relu pre-activation this far from its kink


def load(name):
    return importlib.import_module(f"coursekit.{name}")


def make_state(name, n_hidden, rng, batch=B):
    """A non-zero initial state, so that its gradient is checked too: h0, or (h0, c0)."""
    h0 = 0.5 * rng.normal(size=(batch, n_hidden))
    return (h0, 0.5 * rng.normal(size=(batch, n_hidden))) if name == "lstm" else h0


def rnn_caches(cache):
    """Every single-direction rnn cache inside a cell, bidirectional or stacked cache."""
    if "caches" in cache:  # stacked: one (bidirectional, cache) per layer
        return [c for _, layer_cache in cache["caches"] for c in rnn_caches(layer_cache)]
    if "fwd" in cache:  # bidirectional: one cache per direction
        return rnn_caches(cache["fwd"]) + rnn_caches(cache["bwd"])
    return [cache]


def relu_kink_distance(cache):
    """min |a_t| over the pre-activations a_t = x_t W_xh + h_{t-1} W_hh + b_h of every layer."""
    distances = []
    for c in rnn_caches(cache):
        h_prev = np.concatenate([c["h0"][:, None], c["h"][:, :-1]], axis=1)
        p = c["params"]
        distances.append(np.min(np.abs(c["x"] @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"])))
    return min(distances)


def draw(kind, seed, make, forward):
    """Data from make(cell, rng) -> (x, state0, params), checked by forward(cell, x, state0,
    params, **kw) -> (h, cache); for relu redrawn until no pre-activation is near the kink."""
    name, kw = KINDS[kind]
    cell, rng = load(name), np.random.default_rng(seed)
    while True:
        x, state0, params = make(name, cell, rng)
        if kw.get("activation") != "relu":
            return cell, kw, x, state0, params
        _, cache = forward(cell, x, state0, params, **kw)
        if relu_kink_distance(cache) > RELU_MARGIN:
            return cell, kw, x, state0, params


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
        assert relative_error(grad, numeric_gradient(loss, array, eps=EPS)) < 1e-7


def weighted_sum(h, w):
    """L = sum(h * w), summed exactly (math.fsum): np.sum's rounding, ~1e-16 of the whole
    sum, would otherwise swamp the centred differences of the smallest gradients."""
    return math.fsum((h * w).ravel())


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


@all_kinds
@all_shapes
def test_bidirectional_backward_matches_numeric_gradient(kind, seed, shape):
    B, T, D, (H_fwd, H_bwd, _) = shape  # the two directions get hidden sizes of their own

    def make(name, cell, rng):
        params = (cell.init_params(D, H_fwd, seed=rng), cell.init_params(D, H_bwd, seed=rng))
        state0 = (make_state(name, H_fwd, rng, B), make_state(name, H_bwd, rng, B))
        return rng.normal(size=(B, T, D)), state0, params

    cell, kw, x, state0, params = draw(kind, seed, make, wrappers.bidirectional_forward)
    w = np.random.default_rng(seed + 1000).normal(size=(B, T, H_fwd + H_bwd))

    def loss():
        return weighted_sum(wrappers.bidirectional_forward(cell, x, state0, params, **kw)[0], w)

    _, cache = wrappers.bidirectional_forward(cell, x, state0, params, **kw)
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


@all_kinds
@stacked_shapes
def test_stacked_backward_matches_numeric_gradient(kind, seed, shape, n_layers):
    B, T, D, hidden = shape
    sizes = list(hidden[:n_layers])
    inputs = [D] + sizes[:-1]

    def make(name, cell, rng):
        layers = [cell.init_params(i, o, seed=rng) for i, o in zip(inputs, sizes, strict=True)]
        states0 = [make_state(name, o, rng, B) for o in sizes]
        return rng.normal(size=(B, T, D)), states0, layers

    cell, kw, x, states0, layers = draw(kind, seed, make, wrappers.stacked_forward)
    w = np.random.default_rng(seed + 1000).normal(size=(B, T, sizes[-1]))

    def loss():
        return weighted_sum(wrappers.stacked_forward(cell, x, states0, layers, **kw)[0], w)

    _, cache = wrappers.stacked_forward(cell, x, states0, layers, **kw)
    dx, dstates0, grads = wrappers.stacked_backward(w, cache)
    assert len(dstates0) == len(grads) == n_layers
    assert_matches_numeric(loss, [x, states0, layers], [dx, dstates0, grads])


@all_kinds
@all_shapes
def test_stacked_bidirectional_layers_match_numeric_gradient(kind, seed, shape):
    # Like PyTorch's num_layers=2, bidirectional=True: layer 2 reads 2 H_1 features.
    B, T, D, (H_1, H_2, _) = shape

    def make(name, cell, rng):
        layers = [
            (cell.init_params(D, H_1, seed=rng), cell.init_params(D, H_1, seed=rng)),
            (cell.init_params(2 * H_1, H_2, seed=rng), cell.init_params(2 * H_1, H_2, seed=rng)),
        ]
        states0 = [tuple(make_state(name, n, rng, B) for _ in range(2)) for n in (H_1, H_2)]
        return rng.normal(size=(B, T, D)), states0, layers

    cell, kw, x, states0, layers = draw(kind, seed, make, wrappers.stacked_forward)
    w = np.random.default_rng(seed + 1000).normal(size=(B, T, 2 * H_2))

    def loss():
        return weighted_sum(wrappers.stacked_forward(cell, x, states0, layers, **kw)[0], w)

    h, cache = wrappers.stacked_forward(cell, x, states0, layers, **kw)
    assert h.shape == (B, T, 2 * H_2)
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

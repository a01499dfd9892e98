"""The three recurrent cells (plain RNN with tanh and relu, LSTM, GRU) against each other's contract.

Every test runs on every cell: gradients against centred differences, dtypes, truncated
BPTT, the sequence forward against a loop of single steps, parameter counts and the
messages of shape errors.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import pytest

from coursekit import gru, lstm, rnn
from coursekit.gradients import numeric_gradient, relative_error


@dataclass(frozen=True)
class Cell:
    """One cell module with its keyword arguments, and how its state is packed."""

    name: str
    module: object
    kwargs: dict = field(default_factory=dict)

    @property
    def state_names(self):
        return ("h0", "c0") if self.module is lstm else ("h0",)

    def pack(self, arrays):
        """[h] -> h, [h, c] -> (h, c): the state as the module takes it."""
        return tuple(arrays) if self.module is lstm else arrays[0]

    def unpack(self, state):
        """The inverse of pack: always a list of arrays."""
        return list(state) if self.module is lstm else [state]

    def forward(self, x, state0, params):
        return self.module.forward(x, state0, params, **self.kwargs)

    def cell_forward(self, x_t, state_prev, params):
        return self.module.cell_forward(x_t, state_prev, params, **self.kwargs)

    def state_at(self, cache, t):
        """The state after step t, read from a forward cache (copies)."""
        if self.module is lstm:
            return (cache["h"][:, t].copy(), cache["c"][:, t].copy())
        return cache["h"][:, t].copy()


CELLS = [
    Cell("rnn-tanh", rnn, {"activation": "tanh"}),
    Cell("rnn-relu", rnn, {"activation": "relu"}),
    Cell("lstm", lstm),
    Cell("gru", gru),
]
all_cells = pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.name)

# (batch, time, inputs, hidden): the edges first (batch 1, time 1, size 1), then random draws.
_draw_rng = np.random.default_rng(20240601)
SHAPES = [(1, 1, 1, 1), (1, 1, 6, 6), (1, 7, 2, 3), (4, 1, 3, 1), (4, 7, 6, 6)] + [
    (int(_draw_rng.integers(1, 5)), int(_draw_rng.integers(1, 8)))
    + (int(_draw_rng.integers(1, 7)), int(_draw_rng.integers(1, 7)))
    for _ in range(6)
]
all_shapes = pytest.mark.parametrize(
    "seed, shape", list(enumerate(SHAPES)), ids=[f"B{b}-T{t}-D{d}-H{h}" for b, t, d, h in SHAPES]
)

# Centred differences with step EPS err by ~EPS^2 (truncation) plus ~1e-16 / EPS (rounding);
# 1e-5 keeps both near 1e-10, also for the smallest gradients (a saturated gate at H = 1).
EPS = 1e-5
RELU_MARGIN = 1e-3  # numeric gradients need every pre-activation this far from relu's kink


def _relu_preactivations(x, h0, params):
    h, _ = rnn.forward(x, h0, params, activation="relu")
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    return x @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]


def draw(cell, shape, seed, dtype=np.float64):
    """x, the initial state and params for a cell; for relu, redrawn until no a_t is near 0."""
    B, T, D, H = shape
    rng = np.random.default_rng(seed)
    while True:
        params = cell.module.init_params(D, H, seed=rng, dtype=dtype)
        x = rng.standard_normal((B, T, D)).astype(dtype)
        state0 = cell.pack(
            [0.5 * rng.standard_normal((B, H)).astype(dtype) for _ in cell.state_names]
        )
        if cell.kwargs.get("activation") != "relu":
            return x, state0, params
        if np.min(np.abs(_relu_preactivations(x, state0, params))) > RELU_MARGIN:
            return x, state0, params


def gradient_errors(loss, pairs):
    """{name: relative error of the analytic gradient against centred differences}."""
    return {
        name: relative_error(analytic, numeric_gradient(loss, array, eps=EPS))
        for name, (array, analytic) in pairs.items()
    }


# ----------------------------------------------------------------------------- gradients


@all_cells
@all_shapes
def test_backward_matches_numeric_gradient(cell, seed, shape):
    B, T, D, H = shape
    x, state0, params = draw(cell, shape, seed)
    w = np.random.default_rng(seed + 1000).standard_normal((B, T, H))

    def loss():
        return np.sum(cell.forward(x, state0, params)[0] * w)

    _, cache = cell.forward(x, state0, params)
    dx, dstate0, grads = cell.module.backward(w, cache)
    pairs = {"x": (x, dx)}
    for name, s, ds in zip(
        cell.state_names, cell.unpack(state0), cell.unpack(dstate0), strict=True
    ):
        pairs[name] = (s, ds)
    pairs.update({k: (params[k], grads[k]) for k in params})
    errors = gradient_errors(loss, pairs)
    assert max(errors.values()) < 1e-7, errors


@all_cells
@all_shapes
def test_cell_backward_matches_numeric_gradient(cell, seed, shape):
    B, _, D, H = shape
    x, state0, params = draw(cell, shape, seed)
    x_t = x[:, 0].copy()
    rng = np.random.default_rng(seed + 2000)
    w = [rng.standard_normal((B, H)) for _ in cell.state_names]  # one weight per state part

    def loss():
        state, _ = cell.cell_forward(x_t, state0, params)
        return sum(np.sum(s * w_s) for s, w_s in zip(cell.unpack(state), w, strict=True))

    _, cache = cell.cell_forward(x_t, state0, params)
    dx_t, dstate_prev, grads = cell.module.cell_backward(cell.pack(w), cache)
    pairs = {"x_t": (x_t, dx_t)}
    for name, s, ds in zip(
        cell.state_names, cell.unpack(state0), cell.unpack(dstate_prev), strict=True
    ):
        pairs[name] = (s, ds)
    pairs.update({k: (params[k], grads[k]) for k in params})
    errors = gradient_errors(loss, pairs)
    assert max(errors.values()) < 1e-7, errors


# ----------------------------------------------------------------------------- dtypes


@all_cells
def test_float32_input_gives_float32_results_close_to_float64(cell):
    x, state0, params = draw(cell, (3, 6, 4, 5), seed=7)
    x32, params32 = x.astype(np.float32), {k: v.astype(np.float32) for k, v in params.items()}
    state32 = cell.pack([s.astype(np.float32) for s in cell.unpack(state0)])
    dh = np.random.default_rng(8).standard_normal((3, 6, 5))

    h64, cache64 = cell.forward(x, state0, params)
    h32, cache32 = cell.forward(x32, state32, params32)
    dx64, _, grads64 = cell.module.backward(dh, cache64)
    dx32, dstate32, grads32 = cell.module.backward(dh.astype(np.float32), cache32)

    results32 = [h32, dx32, *cell.unpack(dstate32), *grads32.values()]
    assert {a.dtype for a in results32} == {np.dtype(np.float32)}
    np.testing.assert_allclose(h32, h64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx32, dx64, rtol=1e-3, atol=1e-4)
    for k in grads64:
        np.testing.assert_allclose(grads32[k], grads64[k], rtol=1e-3, atol=1e-4, err_msg=k)


F32, F64 = np.float32, np.float64


@all_cells
@pytest.mark.parametrize(
    "x_dtype, state_dtype, params_dtype",
    [(F32, F32, F32), (F32, F32, F64), (F32, F64, F32), (F64, F32, F32)],
    ids=["all_float32", "float64_params", "float64_state", "float64_x"],
)
def test_results_have_the_result_type_of_x_state_and_params(
    cell, x_dtype, state_dtype, params_dtype
):
    x, state0, params = draw(cell, (3, 5, 4, 2), seed=9)
    x = x.astype(x_dtype)
    state0 = cell.pack([s.astype(state_dtype) for s in cell.unpack(state0)])
    params = {k: v.astype(params_dtype) for k, v in params.items()}
    expected = np.result_type(x_dtype, state_dtype, params_dtype)
    dh = np.random.default_rng(10).standard_normal((3, 5, 2)).astype(expected)

    h, cache = cell.forward(x, state0, params)
    dx, dstate0, grads = cell.module.backward(dh, cache)

    results = [h, dx, *cell.unpack(dstate0), *grads.values()]
    assert {a.dtype for a in results} == {np.dtype(expected)}
    # Every input is exact in the wider dtype, so a float64 result must be the float64
    # computation itself, not a float32 one widened afterwards.
    as64 = {k: v.astype(F64) for k, v in params.items()}
    state64 = cell.pack([s.astype(F64) for s in cell.unpack(state0)])
    h64, _ = cell.forward(x.astype(F64), state64, as64)
    if expected == F64:
        np.testing.assert_allclose(h, h64, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- truncated BPTT


@all_cells
@pytest.mark.parametrize("extra", [0, 5])
def test_truncation_at_or_beyond_sequence_length_equals_full_bptt(cell, extra):
    x, state0, params = draw(cell, (3, 7, 4, 5), seed=11)
    dh = np.random.default_rng(12).standard_normal((3, 7, 5))
    _, cache = cell.forward(x, state0, params)

    full = cell.module.backward(dh, cache)
    truncated = cell.module.backward(dh, cache, truncate=7 + extra)

    assert np.array_equal(truncated[0], full[0])
    for a, b in zip(cell.unpack(truncated[1]), cell.unpack(full[1]), strict=True):
        assert np.array_equal(a, b)
    for k in full[2]:
        assert np.array_equal(truncated[2][k], full[2][k]), k


@all_cells
@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncated_bptt_equals_backward_over_detached_chunks(cell, k):
    B, T, D, H = 3, 7, 4, 5
    x, state0, params = draw(cell, (B, T, D, H), seed=13)
    dh = np.random.default_rng(14).standard_normal((B, T, H))
    _, cache = cell.forward(x, state0, params)
    dx, dstate0, grads = cell.module.backward(dh, cache, truncate=k)
    _, _, full_grads = cell.module.backward(dh, cache)

    # By hand: each chunk of k steps starts from the state the full forward reached,
    # held fixed, and gets its own full BPTT; the chunks' weight gradients add up.
    chunk_dx, chunk_grads = [], []
    for start in range(0, T, k):
        incoming = state0 if start == 0 else cell.state_at(cache, start - 1)
        _, chunk_cache = cell.forward(x[:, start : start + k], incoming, params)
        cdx, cdstate, cgrads = cell.module.backward(dh[:, start : start + k], chunk_cache)
        chunk_dx.append(cdx)
        chunk_grads.append(cgrads)
        if start == 0:
            expected_dstate0 = cdstate

    np.testing.assert_allclose(dx, np.concatenate(chunk_dx, axis=1), rtol=1e-10, atol=1e-12)
    for a, b in zip(cell.unpack(dstate0), cell.unpack(expected_dstate0), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for key in grads:
        expected = sum(g[key] for g in chunk_grads)
        np.testing.assert_allclose(grads[key], expected, rtol=1e-10, atol=1e-12, err_msg=key)
    assert any(not np.allclose(grads[key], full_grads[key]) for key in grads)


@all_cells
@pytest.mark.parametrize(
    "truncate, error, shown",
    [
        (0, ValueError, "got 0"),
        (-3, ValueError, "got -3"),
        (2.5, TypeError, "got 2.5 of type float"),
        (np.float64(2.0), TypeError, "of type float64"),
        (True, TypeError, "got True of type bool"),
        ("2", TypeError, "got '2' of type str"),
    ],
    ids=["zero", "negative", "float", "numpy_float", "bool", "str"],
)
def test_backward_rejects_a_truncation_that_is_not_a_positive_int(cell, truncate, error, shown):
    x, state0, params = draw(cell, (2, 4, 3, 3), seed=15)
    h, cache = cell.forward(x, state0, params)
    with pytest.raises(error, match=f"truncate must be a positive number of steps.*{shown}"):
        cell.module.backward(np.ones_like(h), cache, truncate=truncate)


@all_cells
def test_backward_accepts_a_numpy_integer_truncation(cell):
    x, state0, params = draw(cell, (2, 4, 3, 3), seed=16)
    h, cache = cell.forward(x, state0, params)
    dh = np.random.default_rng(17).standard_normal(h.shape)

    expected = cell.module.backward(dh, cache, truncate=2)
    got = cell.module.backward(dh, cache, truncate=np.int64(2))

    assert np.array_equal(got[0], expected[0])
    for k in expected[2]:
        assert np.array_equal(got[2][k], expected[2][k]), k


# ----------------------------------------------------------------------------- forward


@all_cells
def test_sequence_forward_equals_loop_of_cell_forward(cell):
    x, state0, params = draw(cell, (3, 6, 4, 5), seed=17)
    h, cache = cell.forward(x, state0, params)

    state, steps = state0, []
    for t in range(x.shape[1]):
        state, _ = cell.cell_forward(x[:, t], state, params)
        steps.append(cell.unpack(state))

    np.testing.assert_allclose(h, np.stack([s[0] for s in steps], axis=1), rtol=1e-12, atol=1e-14)
    if cell.module is lstm:
        c = np.stack([s[1] for s in steps], axis=1)
        np.testing.assert_allclose(cache["c"], c, rtol=1e-12, atol=1e-14)


def test_lstm_cache_exposes_cell_states_and_gates():
    cell = CELLS[2]
    x, (h0, c0), params = draw(cell, (3, 6, 4, 5), seed=19)
    h, cache = lstm.forward(x, (h0, c0), params)

    assert all(cache[k].shape == (3, 6, 5) for k in ("c", "i", "f", "o", "g"))
    assert all(np.all((cache[k] > 0) & (cache[k] < 1)) for k in ("i", "f", "o"))
    c_prev = np.concatenate([c0[:, None], cache["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(cache["c"], cache["f"] * c_prev + cache["i"] * cache["g"])
    np.testing.assert_allclose(h, cache["o"] * np.tanh(cache["c"]))


# ----------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("module", [rnn, lstm, gru], ids=lambda m: m.__name__.split(".")[-1])
@pytest.mark.parametrize("n_inputs, n_hidden", [(1, 1), (3, 5), (7, 2)])
def test_n_params_equals_size_of_init_params(module, n_inputs, n_hidden):
    params = module.init_params(n_inputs, n_hidden, dtype=np.float32)

    assert module.n_params(n_inputs, n_hidden) == sum(p.size for p in params.values())
    assert {k: p.shape for k, p in params.items()} == module.param_shapes(n_inputs, n_hidden)
    assert {p.dtype for p in params.values()} == {np.dtype(np.float32)}


def test_n_params_follows_the_book_formulas():
    D, H = 3, 5
    assert rnn.n_params(D, H) == H * D + H * H + H
    assert lstm.n_params(D, H) == 4 * (H * D + H * H + H)
    assert gru.n_params(D, H) == 3 * (H * D + H * H + H) + H


# ----------------------------------------------------------------------------- shape errors

RECURRENT_KEY = {"rnn-tanh": "W_hh", "rnn-relu": "W_hh", "lstm": "W_fh", "gru": "W_rh"}
FIRST_AND_LAST_KEYS = {
    "rnn-tanh": ["W_xh", "b_h"],
    "rnn-relu": ["W_xh", "b_h"],
    "lstm": ["W_ix", "b_g"],
    "gru": ["W_zx", "b_nh"],
}


def _message(text):
    return re.escape(text)


@all_cells
def test_forward_rejects_x_with_wrong_feature_count(cell):
    _, state0, params = draw(cell, (2, 5, 3, 4), seed=21)
    with pytest.raises(ValueError, match=_message("x has shape (2, 5, 4), expected (?, ?, 3)")):
        cell.forward(np.zeros((2, 5, 4)), state0, params)


@all_cells
def test_forward_rejects_initial_state_with_wrong_batch(cell):
    x, state0, params = draw(cell, (2, 5, 3, 4), seed=22)
    parts = cell.unpack(state0)
    for n, name in enumerate(cell.state_names):
        bad = cell.pack([np.zeros((3, 4)) if m == n else s for m, s in enumerate(parts)])
        with pytest.raises(ValueError, match=_message(f"{name} has shape (3, 4), expected (2, 4)")):
            cell.forward(x, bad, params)


@all_cells
def test_forward_rejects_parameter_with_wrong_shape(cell):
    x, state0, params = draw(cell, (2, 5, 3, 4), seed=23)
    key = RECURRENT_KEY[cell.name]
    params[key] = np.zeros((4, 5))
    with pytest.raises(
        ValueError, match=_message(f"params['{key}'] has shape (4, 5), expected (4, 4)")
    ):
        cell.forward(x, state0, params)


@all_cells
def test_forward_rejects_params_with_missing_key(cell):
    x, state0, params = draw(cell, (2, 5, 3, 4), seed=24)
    for key in FIRST_AND_LAST_KEYS[cell.name]:
        incomplete = {k: v for k, v in params.items() if k != key}
        with pytest.raises(ValueError, match=re.escape(key)):
            cell.forward(x, state0, incomplete)


@all_cells
def test_backward_rejects_dh_with_wrong_shape(cell):
    x, state0, params = draw(cell, (2, 5, 3, 4), seed=25)
    _, cache = cell.forward(x, state0, params)
    with pytest.raises(ValueError, match=_message("dh has shape (2, 4, 4), expected (2, 5, 4)")):
        cell.module.backward(np.zeros((2, 4, 4)), cache)


@all_cells
def test_cell_backward_rejects_dh_t_with_wrong_shape(cell):
    x, state0, params = draw(cell, (2, 5, 3, 4), seed=26)
    _, cache = cell.cell_forward(x[:, 0], state0, params)
    dstate = cell.pack([np.zeros((2, 3))] + [np.zeros((2, 4))] * (len(cell.state_names) - 1))
    with pytest.raises(ValueError, match=_message("dh_t has shape (2, 3), expected (2, 4)")):
        cell.module.cell_backward(dstate, cache)


def test_rnn_names_a_transposed_input_weight():
    params = rnn.init_params(3, 2)
    wrong = dict(params, W_xh=params["W_xh"].T)
    with pytest.raises(
        ValueError, match=r"W_xh.*\(2, 3\).*expected \(D, H\) = \(3, 2\).*transposed"
    ):
        rnn.cell_forward(np.zeros((1, 3)), np.zeros((1, 2)), wrong)

"""Clipping, numeric gradients and the relative error that gradient checks report."""

import numpy as np
import pytest

from coursekit.gradients import (
    clip_by_global_norm,
    clip_by_value,
    global_norm,
    numeric_gradient,
    relative_error,
)


def _grads(scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return {"W_xh": scale * rng.normal(size=(3, 4)), "b_h": scale * rng.normal(size=(4,))}


def _flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_global_norm_is_the_norm_of_all_entries_together():
    grads = {"a": np.array([3.0]), "b": np.array([[0.0, 4.0]])}
    assert global_norm(grads) == pytest.approx(5.0)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 5.0])
def test_clip_by_global_norm_bounds_the_norm_and_keeps_the_direction(max_norm):
    grads = _grads(scale=10.0)
    clipped, norm = clip_by_global_norm(grads, max_norm)
    assert norm == pytest.approx(np.linalg.norm(_flat(grads)))
    assert global_norm(clipped) == pytest.approx(max_norm)
    assert _cosine(_flat(clipped), _flat(grads)) == pytest.approx(1.0, abs=1e-12)
    assert set(clipped) == set(grads)


def test_clip_by_global_norm_leaves_small_gradients_untouched():
    grads = _grads(scale=0.01)
    clipped, norm = clip_by_global_norm(grads, max_norm=1.0)
    assert norm < 1.0
    for key in grads:
        np.testing.assert_array_equal(clipped[key], grads[key])


def test_clip_by_global_norm_does_not_modify_its_input():
    grads = _grads(scale=10.0)
    before = {k: g.copy() for k, g in grads.items()}
    clip_by_global_norm(grads, max_norm=1.0)
    for key in grads:
        np.testing.assert_array_equal(grads[key], before[key])


@pytest.mark.parametrize("max_norm", [0.0, -1.0])
def test_clip_by_global_norm_rejects_a_non_positive_max_norm(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(_grads(), max_norm)


def test_clip_by_value_bounds_every_entry_and_keeps_the_small_ones():
    grads = _grads(scale=3.0)
    clipped = clip_by_value(grads, 1.0)
    for key, g in grads.items():
        assert np.all(np.abs(clipped[key]) <= 1.0)
        small = np.abs(g) <= 1.0
        np.testing.assert_array_equal(clipped[key][small], g[small])


def test_clip_by_value_turns_the_direction_when_one_entry_dominates():
    grads = {"W": np.array([100.0, 1.0, -1.0]), "b": np.array([0.5])}
    clipped = clip_by_value(grads, 5.0)
    np.testing.assert_array_equal(clipped["W"], [5.0, 1.0, -1.0])
    assert _cosine(_flat(clipped), _flat(grads)) < 0.99


def test_clip_by_value_does_not_modify_its_input():
    grads = _grads(scale=3.0)
    before = {k: g.copy() for k, g in grads.items()}
    clip_by_value(grads, 1.0)
    for key in grads:
        np.testing.assert_array_equal(grads[key], before[key])


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (lambda x: np.sum(x**2), lambda x: 2 * x),
        (lambda x: np.sum(np.sin(x)), np.cos),
        (lambda x: np.sum(np.tanh(x) * x), lambda x: np.tanh(x) + x * (1 - np.tanh(x) ** 2)),
    ],
    ids=["square", "sin", "x_tanh"],
)
def test_numeric_gradient_matches_known_derivatives(f, df):
    x = np.random.default_rng(1).normal(size=(3, 4))
    grad = numeric_gradient(lambda: f(x), x)
    assert relative_error(grad, df(x)) < 1e-7


def test_numeric_gradient_of_a_quadratic_form_is_a_plus_a_transpose_times_x():
    rng = np.random.default_rng(2)
    A, x = rng.normal(size=(5, 5)), rng.normal(size=5)
    grad = numeric_gradient(lambda: x @ A @ x, x)
    assert relative_error(grad, (A + A.T) @ x) < 1e-7


def test_numeric_gradient_restores_the_array_it_perturbs():
    x = np.random.default_rng(3).normal(size=(2, 3))
    before = x.copy()
    numeric_gradient(lambda: np.sum(x**3), x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_numeric_gradient_refuses_a_non_floating_array_naming_its_dtype(dtype):
    x = np.arange(3).astype(dtype)
    with pytest.raises(TypeError, match=rf"x has dtype {np.dtype(dtype)}.*use a float64 array"):
        numeric_gradient(lambda: float(np.sum(x * x)), x)


def test_numeric_gradient_refuses_something_that_is_not_an_array():
    with pytest.raises(TypeError, match="x must be a numpy array, got list"):
        numeric_gradient(lambda: 0.0, [1.0, 2.0])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0),
        ([0.0, 0.0], [0.0, 0.0], 0.0),
        ([1.0], [0.0], 1.0),
        ([1.0, 2.0], [1.0, 3.0], 1.0 / 5.0),
        ([1.0], [-1.0], 1.0),
        ([1e-10], [0.0], 1e-10 / 1e-8),
        ([], [], 0.0),
    ],
    ids=["equal", "both_zero", "one_zero", "one_entry_off", "opposite", "tiny_uses_floor", "empty"],
)
def test_relative_error_on_simple_cases(a, b, expected):
    assert relative_error(np.array(a), np.array(b)) == pytest.approx(expected)
    assert relative_error(np.array(b), np.array(a)) == pytest.approx(expected)


def test_relative_error_refuses_to_broadcast_arrays_of_different_shapes():
    with pytest.raises(ValueError, match=r"b has shape \(2, 3\), expected \(3,\)"):
        relative_error(np.ones(3), np.ones((2, 3)))


@pytest.mark.parametrize(
    "clip", [global_norm, lambda g: clip_by_global_norm(g, 1.0), lambda g: clip_by_value(g, 1.0)]
)
def test_clipping_names_a_gradient_that_is_not_an_array(clip):
    with pytest.raises(TypeError, match=r"grads\['W'\] must be a numpy array, got list"):
        clip({"b": np.ones(2), "W": [[1.0, 2.0]]})
    with pytest.raises(TypeError, match="grads must be a dict of numpy arrays, got ndarray"):
        clip(np.ones(2))

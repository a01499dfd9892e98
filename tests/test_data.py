"""Tests for coursekit.data: shapes, determinism, window alignment, honest splits, signal."""

import numpy as np
import pytest

from coursekit import data

# ---------------------------------------------------------------- windows and splits


@pytest.mark.parametrize("length, n_steps", [(5, 1), (20, 4), (50, 49)])
def test_make_windows_shapes_and_each_target_is_the_value_after_its_window(length, n_steps):
    series = np.arange(length, dtype=np.float64) ** 1.5

    X, y = data.make_windows(series, n_steps)

    N = length - n_steps
    assert X.shape == (N, n_steps, 1) and y.shape == (N, 1)
    for i in range(N):
        np.testing.assert_array_equal(X[i, :, 0], series[i : i + n_steps])
        assert y[i, 0] == series[i + n_steps]


def test_make_windows_returns_a_copy_not_a_view_of_the_series():
    series = np.arange(10.0)

    X, y = data.make_windows(series, 3)
    X[0, 0, 0] = -1.0
    y[0, 0] = -1.0

    np.testing.assert_array_equal(series, np.arange(10.0))


@pytest.mark.parametrize(
    "series, n_steps, message",
    [
        (np.arange(10.0), 10, "less than the series length"),
        (np.arange(10.0), 0, "at least 1"),
        (np.zeros((10, 2)), 3, "1-D series"),
    ],
)
def test_make_windows_rejects_bad_arguments_with_a_clear_message(series, n_steps, message):
    with pytest.raises(ValueError, match=message):
        data.make_windows(series, n_steps)


def test_chronological_split_puts_every_validation_target_after_every_training_target():
    series = np.linspace(0.0, 1.0, 60)  # increasing, so later in time = larger value
    X, y = data.make_windows(series, 7)

    X_train, y_train, X_val, y_val = data.chronological_split(X, y, 12)

    assert len(X_train) == len(y_train) == len(X) - 12 and len(X_val) == len(y_val) == 12
    assert y_val.min() > y_train.max()
    np.testing.assert_array_equal(np.concatenate([y_train, y_val]), y)  # no shuffling
    np.testing.assert_array_equal(np.concatenate([X_train, X_val]), X)


@pytest.mark.parametrize("n_val", [0, 53, 100])
def test_chronological_split_needs_windows_on_both_sides(n_val):
    X, y = data.make_windows(np.arange(60.0), 7)  # 53 windows

    with pytest.raises(ValueError, match="n_val"):
        data.chronological_split(X, y, n_val)


def test_chronological_split_rejects_x_and_y_of_different_lengths():
    X, y = data.make_windows(np.arange(60.0), 7)

    with pytest.raises(ValueError, match="same number of windows"):
        data.chronological_split(X, y[:-1], 5)


# ---------------------------------------------------------------- forecasting sets


def test_sine_forecasting_defaults_match_the_book():
    d = data.sine_forecasting()

    assert d["x"].shape == d["series"].shape == (500,)
    assert d["x"][0] == 0.0 and d["x"][-1] == 50.0
    np.testing.assert_allclose(d["series"], np.sin(d["x"].astype(np.float64)), atol=1e-6)
    assert d["X_train"].shape == (392, 10, 1) and d["y_train"].shape == (392, 1)
    assert d["X_val"].shape == (98, 10, 1) and d["y_val"].shape == (98, 1)
    assert all(d[k].dtype == np.float32 for k in ("X_train", "y_train", "X_val", "y_val"))


def test_cosine_forecasting_defaults_match_the_book():
    d = data.cosine_forecasting()

    assert d["x"].shape == (3000,) and d["x"][0] == 1.0 and d["x"][-1] == 100.0
    np.testing.assert_allclose(d["series"], np.cos(d["x"].astype(np.float64)), atol=1e-6)
    assert d["X_train"].shape == (2000, 500, 1) and d["y_train"].shape == (2000, 1)
    assert d["X_val"].shape == (500, 500, 1) and d["y_val"].shape == (500, 1)


@pytest.mark.parametrize(
    "make",
    [data.sine_forecasting, lambda: data.cosine_forecasting(n_points=300, n_steps=20, n_val=40)],
)
def test_forecasting_windows_line_up_with_the_series_and_validation_comes_last(make):
    d = make()
    s, n_steps = d["series"], d["X_train"].shape[1]
    X = np.concatenate([d["X_train"], d["X_val"]])
    y = np.concatenate([d["y_train"], d["y_val"]])

    for i in range(len(y)):
        np.testing.assert_array_equal(X[i, :, 0], s[i : i + n_steps])
        assert y[i, 0] == s[i + n_steps]
    assert d["x_targets_val"].min() > d["x_targets_train"].max()
    np.testing.assert_array_equal(
        np.concatenate([d["x_targets_train"], d["x_targets_val"]]), d["x"][n_steps:]
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_steps": 500}, "less than n_points"),
        ({"val_fraction": 0.0}, "between 0 and 1"),
        ({"val_fraction": 1.5}, "between 0 and 1"),
        ({"n_points": 12, "n_steps": 10, "val_fraction": 0.1}, "at least one window"),
        ({"x_max": -1.0}, "greater than x_min"),
    ],
)
def test_sine_forecasting_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.sine_forecasting(**kwargs)


def test_cosine_forecasting_rejects_a_validation_set_that_leaves_nothing_to_train():
    with pytest.raises(ValueError, match="n_val"):
        data.cosine_forecasting(n_points=1000, n_steps=500, n_val=500)


def test_next_number_scales_into_the_unit_interval_and_queries_the_number_after_99():
    d = data.next_number()

    assert d["X"].shape == (90, 10, 1) and d["y"].shape == (90, 1) and d["scale"] == 100.0
    assert 0.0 <= d["X"].min() and d["X"].max() < 1.0
    np.testing.assert_allclose(d["X_query"][0, :, 0] * d["scale"], np.arange(90, 100), atol=1e-4)
    np.testing.assert_allclose(d["y_query"] * d["scale"], [[100.0]])
    np.testing.assert_allclose(d["y"][:, 0] * d["scale"], np.arange(10, 100), atol=1e-4)
    assert d["y_query"].item() > d["y"].max()  # the query needs extrapolation


def test_next_number_unscaled_keeps_the_raw_counts():
    d = data.next_number(scale=False)

    assert d["scale"] == 1.0
    np.testing.assert_array_equal(d["X"][0, :, 0], np.arange(10))
    np.testing.assert_array_equal(d["X_query"][0, :, 0], np.arange(90, 100))
    assert d["y_query"].item() == 100.0


def test_next_number_rejects_a_window_as_long_as_the_sequence():
    with pytest.raises(ValueError, match="less than n"):
        data.next_number(n=10, n_steps=10)


# ---------------------------------------------------------------- adding problem


@pytest.mark.parametrize("T", [2, 3, 50])
def test_adding_problem_has_two_distinct_markers_and_the_target_is_their_sum(T):
    X, y = data.adding_problem(500, T, seed=3)

    assert X.shape == (500, T, 2) and y.shape == (500, 1)
    assert X.dtype == y.dtype == np.float32
    assert set(np.unique(X[..., 1])) <= {0.0, 1.0}
    np.testing.assert_array_equal(X[..., 1].sum(axis=1), 2.0)
    assert -1.0 <= X[..., 0].min() and X[..., 0].max() <= 1.0
    np.testing.assert_allclose(y[:, 0], (X[..., 0] * X[..., 1]).sum(axis=1), atol=1e-6)


def test_adding_problem_is_deterministic_per_seed():
    X1, y1 = data.adding_problem(64, 20, seed=7)
    X2, y2 = data.adding_problem(64, 20, seed=7)
    X3, _ = data.adding_problem(64, 20, seed=8)

    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_adding_problem_predicting_the_mean_scores_two_thirds():
    _, y = data.adding_problem(200_000, 10, seed=0, dtype=np.float64)

    mse_of_mean = np.mean((y - y.mean()) ** 2)

    assert mse_of_mean == pytest.approx(2 / 3, abs=0.01)
    assert y.mean() == pytest.approx(0.0, abs=0.01)


def test_adding_problem_marks_every_step_about_equally_often():
    X, _ = data.adding_problem(20_000, 10, seed=1)

    share = X[..., 1].sum(axis=0) / X[..., 1].sum()

    np.testing.assert_allclose(share, 0.1, atol=0.01)


@pytest.mark.parametrize("n_samples, T", [(10, 1), (0, 10)])
def test_adding_problem_rejects_too_short_sequences_and_empty_sets(n_samples, T):
    with pytest.raises(ValueError, match="at least"):
        data.adding_problem(n_samples, T)


# ---------------------------------------------------------------- sequence classification


def _slope(X):
    """Least-squares slope of every feature over time: an order-aware hand feature."""
    s = np.linspace(-1.0, 1.0, X.shape[1])
    return np.einsum("ntf,t->nf", X, s - s.mean())


def _nearest_class_mean_accuracy(F_train, y_train, F_test, y_test):
    means = np.stack([F_train[y_train == k].mean(axis=0) for k in np.unique(y_train)])
    pred = ((F_test[:, None, :] - means) ** 2).sum(axis=-1).argmin(axis=1)
    return np.mean(pred == y_test)


def test_sequence_classification_shapes_dtypes_and_balanced_classes():
    X, y = data.sequence_classification(301, seed=0)

    assert X.shape == (301, 10, 8) and X.dtype == np.float32
    assert y.shape == (301,) and y.dtype == np.int64
    assert sorted(np.bincount(y).tolist()) == [100, 100, 101]


def test_sequence_classification_is_deterministic_per_seed():
    X1, y1 = data.sequence_classification(50, seed=4)
    X2, y2 = data.sequence_classification(50, seed=4)
    X3, y3 = data.sequence_classification(50, seed=5)

    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3) and not np.array_equal(y1, y3)


def test_sequence_classification_is_learnable_from_order_but_not_from_the_time_average():
    X_train, y_train = data.sequence_classification(3000, seed=0)
    X_test, y_test = data.sequence_classification(3000, seed=1)

    acc_order = _nearest_class_mean_accuracy(_slope(X_train), y_train, _slope(X_test), y_test)
    acc_average = _nearest_class_mean_accuracy(
        X_train.mean(axis=1), y_train, X_test.mean(axis=1), y_test
    )

    assert acc_order > 0.95
    assert acc_average < 1 / 3 + 0.05


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_steps": 1}, "n_steps must be at least 2"),
        ({"n_classes": 1}, "n_classes must be at least 2"),
        ({"n_features": 2, "n_classes": 3}, "one trend feature per class"),
    ],
)
def test_sequence_classification_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.sequence_classification(10, **kwargs)


def test_generators_reject_non_integer_sizes():
    with pytest.raises(TypeError, match="n_samples must be an int"):
        data.adding_problem(10.5, 10)

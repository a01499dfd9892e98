"""The student-facing check helpers reject near misses and explain them in a student's terms."""

import numpy as np
import pytest

from coursekit import checks
from coursekit.checks import (
    CheckFailed,
    call,
    check_array,
    check_arrays,
    check_float,
    check_int,
    check_returns,
    check_unchanged,
)

EXPECTED = np.array([[0.5, -0.25, 1.0], [0.0, 2.0, -1.5]])
TOL = dict(rtol=1e-6, atol=1e-8)


class AlwaysEqual:
    """Claims to equal everything: a naive ``==`` or ``!=`` test would let it pass."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class AlwaysEqualFloat(AlwaysEqual, float):
    pass


class AlwaysEqualNumpyFloat(AlwaysEqual, np.float64):
    pass


class NeverUnequalInt(AlwaysEqual, int):
    pass


class AlwaysEqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def failure(check, *args, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def test_check_array_accepts_the_expected_array_within_tolerance():
    check_array("h", EXPECTED + 1e-9, EXPECTED, **TOL)


def test_check_array_needs_a_stated_tolerance():
    with pytest.raises(TypeError):
        check_array("h", EXPECTED, EXPECTED)


@pytest.mark.parametrize(
    "actual, words",
    [
        (AlwaysEqual(), "AlwaysEqual"),
        (EXPECTED.view(AlwaysEqualArray), "subclass"),
        (EXPECTED.tolist(), "Python list"),
        (tuple(EXPECTED.tolist()), "Python tuple"),
        (None, "forget the `return`"),
        (np.float64(0.5), "single number"),
    ],
    ids=["always-equal", "always-equal-subclass", "list", "tuple", "none", "scalar"],
)
def test_check_array_rejects_anything_but_a_plain_ndarray(actual, words):
    message = failure(check_array, "h", actual, EXPECTED, **TOL)
    assert words in message and "(2, 3)" in message


@pytest.mark.parametrize(
    "actual_dtype, expected_dtype, words",
    [
        (np.int64, np.float64, "whole numbers"),
        (np.float64, np.float32, "default float64"),
        (np.float32, np.float64, "Precision was lost"),
        (np.complex128, np.float64, "complex"),
        (object, np.float64, "dtype object"),
    ],
)
def test_check_array_rejects_another_dtype_and_says_why(actual_dtype, expected_dtype, words):
    actual = np.ones((2, 3), dtype=actual_dtype)
    expected = np.ones((2, 3), dtype=expected_dtype)
    message = failure(check_array, "h", actual, expected, **TOL)
    assert f"dtype {np.dtype(actual_dtype)}, expected {np.dtype(expected_dtype)}" in message
    assert words in message


@pytest.mark.parametrize(
    "actual, words",
    [
        (EXPECTED.T.copy(), "reversed, as if transposed"),
        (np.zeros((2, 4, 3)).transpose(1, 0, 2), None),
        (EXPECTED[0], "One axis is missing"),
        (EXPECTED[None], "one axis too many"),
    ],
    ids=["transposed", "unrelated", "missing-axis", "extra-axis"],
)
def test_check_array_rejects_a_wrong_shape_and_shows_both_shapes(actual, words):
    message = failure(check_array, "h_t", actual, EXPECTED, axes="(batch, H)", **TOL)
    assert f"h_t has shape ({', '.join(map(str, actual.shape))}" in message
    assert "expected (2, 3) = (batch, H)" in message
    if words:
        assert words in message


def test_check_array_names_a_batch_time_swap():
    expected = np.zeros((2, 4, 3))
    message = failure(check_array, "h", expected.transpose(1, 0, 2), expected, **TOL)
    assert "(4, 2, 3)" in message and "batch first" in message


@pytest.mark.parametrize("bad, words", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_check_array_rejects_nan_and_infinity(bad, words):
    actual = EXPECTED.copy()
    actual[1, 2] = bad
    message = failure(check_array, "h", actual, EXPECTED, **TOL)
    assert words in message and "(1, 2)" in message


def test_check_array_reports_the_largest_difference_and_the_tolerance():
    actual = EXPECTED.copy()
    actual[0, 1] += 0.5
    message = failure(check_array, "h", actual, EXPECTED, rtol=1e-6, atol=1e-8)
    assert "1 of 6 values is wrong" in message
    assert "at index (0, 1): expected -0.25, got 0.25" in message
    assert "1e-08 + 1e-06 * |expected|" in message
    assert "Likely cause" not in message


def test_check_array_names_the_mistake_whose_result_matches():
    bias = np.array([0.1, -0.2, 0.3])
    no_bias = EXPECTED - bias
    mistakes = {"missing bias: b_h was never added": no_bias, "transposed weight": EXPECTED * 2}
    message = failure(check_array, "h", no_bias, EXPECTED, mistakes=mistakes, **TOL)
    assert "Likely cause: missing bias: b_h was never added" in message
    assert "transposed weight" not in message


def test_check_array_names_a_mistake_of_another_shape():
    states = np.arange(24.0).reshape(2, 4, 3)
    mistakes = {"final state only": states[:, -1]}
    message = failure(check_array, "h", states[:, -1].copy(), states, mistakes=mistakes, **TOL)
    assert "has shape (2, 3), expected (2, 4, 3)" in message
    assert "Likely cause: final state only" in message


def test_check_array_skips_a_mistake_that_equals_the_right_answer_and_names_ties():
    wrong = EXPECTED + 1
    mistakes = {"harmless here": EXPECTED.copy(), "first cause": wrong, "second cause": wrong}
    message = failure(check_array, "h", wrong, EXPECTED, mistakes=mistakes, **TOL)
    assert "harmless here" not in message
    assert "first cause\nor: second cause" in message
    assert checks.named_mistakes(message) == ["first cause", "second cause"]


def test_named_mistakes_reads_none_from_a_message_without_a_cause():
    message = failure(check_array, "h", EXPECTED + 3, EXPECTED, mistakes={"x": EXPECTED + 1}, **TOL)
    assert checks.named_mistakes(message) == []


def test_check_array_does_not_blame_a_mistake_for_another_wrong_result():
    message = failure(check_array, "h", EXPECTED + 3, EXPECTED, mistakes={"x": EXPECTED + 1}, **TOL)
    assert "Likely cause" not in message


GRADS = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}


def test_check_arrays_accepts_equal_dicts():
    check_arrays("grads", {k: v.copy() for k, v in GRADS.items()}, GRADS, **TOL)


@pytest.mark.parametrize(
    "actual, words",
    [
        ([GRADS["W"], GRADS["b"]], "expected a dict with the keys ['W', 'b']"),
        ({"W": GRADS["W"]}, "missing ['b']"),
        ({**GRADS, "c": GRADS["b"]}, "unexpected ['c']"),
        ({**GRADS, "b": GRADS["b"].tolist()}, "grads['b'] is a Python list"),
        ({**GRADS, "W": GRADS["W"].T.copy()}, "grads['W'] has the right type, dtype and shape"),
    ],
    ids=["list", "missing", "extra", "list-entry", "values"],
)
def test_check_arrays_rejects_wrong_keys_and_wrong_entries(actual, words):
    assert words in failure(check_arrays, "grads", actual, GRADS, **TOL)


def test_check_arrays_names_a_mistake_dict():
    not_summed = {**GRADS, "b": np.array([[0.25, -0.25], [0.25, -0.25]])}
    message = failure(
        check_arrays, "grads", not_summed, GRADS, mistakes={"db not summed": not_summed}, **TOL
    )
    assert "grads['b'] has shape (2, 2), expected (2,)" in message
    assert "Likely cause: db not summed" in message


@pytest.mark.parametrize("value", [0.5, np.float64(0.5), np.float32(0.5)])
def test_check_float_accepts_python_and_numpy_floats(value):
    check_float("rate", value, 0.5, rtol=1e-6, atol=0)


@pytest.mark.parametrize(
    "actual, words",
    [
        (np.array([0.5]), "shape (1,): take the number out with float(...)"),
        (np.array(0.5), "shape (): take the number out"),
        (1, "of type int, expected a float"),
        (None, "forget the `return`"),
        (AlwaysEqual(), "AlwaysEqual"),
        (AlwaysEqualFloat(42.0), "of type test_checks.AlwaysEqualFloat, expected a float"),
        (AlwaysEqualNumpyFloat(42.0), "AlwaysEqualNumpyFloat, expected a float"),
    ],
)
def test_check_float_rejects_anything_but_a_float(actual, words):
    assert words in failure(check_float, "rate", actual, 0.5, rtol=1e-6, atol=0)


def test_check_float_reports_nan_with_its_likely_cause():
    message = failure(
        check_float,
        "relative_error of two zero arrays",
        float("nan"),
        0.0,
        rtol=0,
        atol=0,
        mistakes={"division by zero: keep the floor": float("nan")},
    )
    assert "is NaN" in message and "Likely cause: division by zero: keep the floor" in message


def test_check_float_states_values_and_tolerance_and_names_the_mistake():
    message = failure(
        check_float, "rate", 2.0, 0.5, rtol=1e-6, atol=0, mistakes={"returned 1 / r": 2.0}
    )
    assert "rate is 2, expected 0.5" in message and "1e-06 * |expected|" in message
    assert "Likely cause: returned 1 / r" in message


@pytest.mark.parametrize("value", [42, np.int64(42), np.int32(42)])
def test_check_int_accepts_python_and_numpy_integers(value):
    check_int("count", value, 42)


@pytest.mark.parametrize(
    "actual, words",
    [
        (42.0, "42.0 of type float, expected an int"),
        (np.float64(42.0), "42.0 of type numpy.float64"),
        (True, "of type bool"),
        (AlwaysEqual(), "AlwaysEqual"),
        (NeverUnequalInt(0), "of type test_checks.NeverUnequalInt, expected an int"),
        (None, "forget the `return`"),
    ],
)
def test_check_int_rejects_floats_bools_and_impostors(actual, words):
    message = failure(check_int, "count", actual, 42, mistakes={"anything": 42})
    assert words in message and "Likely cause" not in message


def test_check_int_names_the_mistake():
    message = failure(check_int, "count", 36, 42, mistakes={"forgot the biases": 36, "other": 30})
    assert "count is 36, expected 42" in message
    assert "Likely cause: forgot the biases" in message and "other" not in message


@pytest.mark.parametrize(
    "result, words",
    [
        (np.zeros((2, 3)), "returned float64 array of shape (2, 3), expected a tuple (h, h_last)"),
        ([np.zeros(2), np.zeros(2)], "returned list of 2 items"),
        ((np.zeros(2),), "returned a tuple of 1 values, expected a tuple (h, h_last) of 2"),
    ],
)
def test_check_returns_rejects_a_result_that_is_not_the_promised_tuple(result, words):
    assert words in failure(check_returns, "masked_rnn_forward", result, ("h", "h_last"))


def test_check_returns_accepts_the_promised_tuple():
    check_returns("f", (np.zeros(2), np.zeros(2)), ("h", "h_last"))


def test_check_unchanged_detects_in_place_changes_of_arrays_and_dicts():
    saved = {k: v.copy() for k, v in GRADS.items()}
    check_unchanged("grads", GRADS, saved)
    changed = {**GRADS, "b": GRADS["b"] * 2}
    assert "changed its input grads (the entries ['b']) in place" in failure(
        check_unchanged, "grads", changed, saved
    )
    assert "changed its input x in place" in failure(check_unchanged, "x", EXPECTED + 1, EXPECTED)


def test_call_returns_the_result_of_a_working_function():
    assert call(lambda a, b: a + b, 1, b=2) == 3


def test_call_says_a_function_is_not_written_yet():
    def rnn_cell_forward(x_t):
        raise NotImplementedError()

    message = failure(call, rnn_cell_forward, EXPECTED)
    assert "rnn_cell_forward is not written yet" in message


def test_call_names_the_function_and_the_shapes_it_was_called_with():
    def rnn_output(h_t, params):
        return h_t @ params["W_hy"].T

    with pytest.raises(CheckFailed) as info:
        call(rnn_output, np.zeros((2, 3)), {"W_hy": np.zeros((3, 2))})
    message = str(info.value)
    assert message.startswith("rnn_output raised ValueError")
    assert "float64 array of shape (2, 3), {W_hy: float64 array of shape (3, 2)}" in message
    assert isinstance(info.value.__cause__, ValueError)


def test_check_array_with_max_mse_accepts_predictions_close_enough_on_average():
    predictions = EXPECTED + 0.01
    check_array("forecasts", predictions, EXPECTED, rtol=0, atol=0.05, max_mse=0.0002)


def test_check_array_with_max_mse_rejects_predictions_within_atol_but_too_far_on_average():
    message = failure(
        check_array, "forecasts", EXPECTED + 0.04, EXPECTED, rtol=0, atol=0.05, max_mse=0.001
    )
    assert "mean squared error is 0.0016, above the 0.001 asked for" in message

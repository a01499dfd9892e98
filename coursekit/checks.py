"""Checks that the exercise notebooks' tests call, with messages written for students.

Each check compares a student's result with the expected one in a fixed order, and stops
at the first difference:

1. the type, exactly (``type(x) is numpy.ndarray`` for arrays), so that a list, a numpy
   scalar, a subclass or an object whose ``==`` always says True cannot pass;
2. the dtype (float64 is not float32, an integer array is not a float array);
3. the shape, printed next to the shape that was expected and the meaning of its axes;
4. NaN and infinity;
5. the values, within a tolerance the test states:
   ``|actual - expected| <= atol + rtol |expected|``.

A failure raises :class:`CheckFailed` (an AssertionError) whose message says what was
expected, what came back and where they differ. A test may also pass ``mistakes``, a dict
mapping the description of a common mistake to the result that mistake would produce
(the test computes it from the reference); when the student's result matches one of them,
the message names it as the likely cause.
"""

import numpy as np

__all__ = [
    "CheckFailed",
    "call",
    "check_array",
    "check_arrays",
    "check_float",
    "check_int",
    "check_returns",
    "check_unchanged",
]


class CheckFailed(AssertionError):
    """A check found a difference; the message says what differs and, if known, why."""


def _shape(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _describe(value):
    """A short description of a value by its type and shape, never by its (long) contents."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {_shape(value.shape)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)} items"
    if callable(value):
        return f"function {getattr(value, '__name__', '?')}"
    if isinstance(value, (bool, int, float, str, np.generic)) or value is None:
        return repr(value)
    return type(value).__name__


def _type_name(value):
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _fail(lines, hint=None):
    if hint is not None:
        lines = [*lines, f"Likely cause: {hint}"]
    raise CheckFailed("\n".join(lines))


def call(fn, *args, **kwargs):
    """Call a student's function and return its result.

    A function that still raises NotImplementedError is reported as not written yet; any
    other exception is re-raised as CheckFailed naming the function and the shapes of
    the arguments it was called with (the original error stays attached above it).
    """
    __tracebackhide__ = True
    name = getattr(fn, "__name__", "the function")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not written yet: replace the line `raise NotImplementedError()` "
            "with your code."
        ) from None
    except Exception as err:
        shown = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
        raise CheckFailed(
            f"{name} raised {type(err).__name__}: {err}\n"
            f"It was called with: {', '.join(shown)}.\n"
            "Read the error above from the bottom up: the last line inside your function is "
            "where it went wrong. For matrix products check that the inner sizes agree: "
            "(B, D) @ (D, H) gives (B, H)."
        ) from err


def _type_problem(name, actual, expected_shape):
    """Why ``actual`` is not a plain ndarray, or None."""
    want = f"a numpy array (numpy.ndarray) of shape {_shape(expected_shape)}"
    if type(actual) is np.ndarray:
        return None
    if actual is None:
        return f"{name} is None, expected {want}. Did you forget the `return` statement?"
    if isinstance(actual, (list, tuple)):
        return (
            f"{name} is a Python {type(actual).__name__} ({len(actual)} items), expected {want}. "
            "Compute it with numpy operations, or convert it at the end with np.array(...)."
        )
    if isinstance(actual, (np.generic, int, float, complex)) and not isinstance(actual, bool):
        return (
            f"{name} is a single number ({_type_name(actual)}), expected {want}. "
            "Did a sum, max or index reduce away an axis?"
        )
    if isinstance(actual, np.ndarray):
        return (
            f"{name} is a {_type_name(actual)}, a subclass of numpy.ndarray that behaves "
            f"differently; expected {want}. Convert it with np.asarray(...)."
        )
    return f"{name} is of type {_type_name(actual)}, expected {want}."


def _dtype_problem(name, actual, expected):
    a, e = actual.dtype, expected.dtype
    if a == e:
        return None
    line = f"{name} has dtype {a}, expected {e}."
    if a.kind in "biu" and e.kind == "f":
        return (
            f"{line} It holds whole numbers: numpy makes an integer array when every value "
            "you type is a whole number (write 1.0, not 1) or when you start from "
            "np.zeros(..., dtype=int)."
        )
    if a.kind == "f" and e.kind == "f" and a.itemsize > e.itemsize:
        return (
            f"{line} The inputs were {e}, and somewhere a new array was made with numpy's "
            f"default float64 (np.zeros(shape) or np.empty(shape) without dtype=): "
            "create new arrays with dtype=x.dtype or np.zeros_like(...)."
        )
    if a.kind == "f" and e.kind == "f":
        return f"{line} Precision was lost: look for an .astype(...) that is not needed."
    if a.kind == "c":
        return (
            f"{line} The result is complex: eigenvalues (and square roots of negative numbers) "
            "can be complex; take their modulus with np.abs(...) where a size is meant."
        )
    if a.kind == "O":
        return (
            f"{line} dtype object means numpy could not build a numeric array, for example "
            "from a list of arrays of different shapes."
        )
    return line


def _shape_problem(name, actual, expected, axes):
    a, e = actual.shape, expected.shape
    if a == e:
        return None
    meaning = f" = {axes}" if axes else ""
    line = f"{name} has shape {_shape(a)}, expected {_shape(e)}{meaning}."
    if len(a) == len(e) and a != e and sorted(a) == sorted(e):
        if a == e[::-1]:
            return (
                f"{line} The axes are reversed, as if transposed: check the order of the "
                "factors in a matrix product (row vectors: x_t @ W, not W @ x_t) and any .T."
            )
        return (
            f"{line} The same sizes in another order: check the axis order "
            "(batch first: (batch, time, ...), not (time, batch, ...))."
        )
    if len(a) == len(e) - 1:
        return f"{line} One axis is missing: did a sum, mean or index remove it?"
    if len(a) == len(e) + 1:
        return f"{line} There is one axis too many."
    return line


def _finite_problem(name, actual, expected):
    for test, what, why in (
        (
            np.isnan,
            "NaN (not a number)",
            "NaN comes from 0/0, inf - inf, or from reading an np.empty array before "
            "every entry was filled.",
        ),
        (
            np.isinf,
            "infinity",
            "Infinity comes from an overflow: a value grew beyond the float range "
            "(exp of a large number, division by zero, a state that blows up).",
        ),
    ):
        bad = test(actual) & ~test(expected)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            return (
                f"{name} contains {what} in {int(bad.sum())} of {bad.size} entries "
                f"(the first at index {first}) where a finite number was expected. {why}"
            )
    return None


def _count(n, total):
    return f"{n} of {total} value{'s' if total != 1 else ''} {'is' if n == 1 else 'are'}"


def _value_problem(name, actual, expected, rtol, atol):
    close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    excess = np.where(close, -np.inf, diff - rtol * np.abs(expected.astype(np.float64)))
    worst = np.unravel_index(int(np.argmax(excess)), actual.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if actual.ndim else ""
    return "\n".join(
        [
            f"{name} has the right type, dtype and shape, but "
            f"{_count(int((~close).sum()), close.size)} wrong.",
            f"The largest difference is {float(diff[worst]):.3g}{where}: expected "
            f"{float(expected[worst]):.6g}, got {float(actual[worst]):.6g}.",
            f"(Values count as equal when |actual - expected| <= {atol:g} + {rtol:g} * "
            "|expected|.)",
        ]
    )


def _array_problem(name, actual, expected, rtol, atol, axes):
    return (
        _type_problem(name, actual, expected.shape)
        or _dtype_problem(name, actual, expected)
        or _shape_problem(name, actual, expected, axes)
        or _finite_problem(name, actual, expected)
        or _value_problem(name, actual, expected, rtol, atol)
    )


def _same(actual, value, rtol, atol):
    """Whether ``actual`` equals ``value`` (array, number or dict of arrays) within tolerance."""
    if isinstance(value, dict):
        return (
            type(actual) is dict
            and set(actual) == set(value)
            and all(_same(actual[k], value[k], rtol, atol) for k in value)
        )
    if isinstance(value, np.ndarray) and type(actual) is not np.ndarray:
        return False
    try:
        a = np.asarray(actual, dtype=np.float64)
        v = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == v.shape and bool(np.allclose(a, v, rtol=rtol, atol=atol, equal_nan=True))


def _matching_mistake(actual, expected, mistakes, rtol, atol):
    """The descriptions of the mistakes whose result ``actual`` reproduces, or None.

    A mistake whose result equals the right answer on this test's data cannot be told
    apart from it and is skipped; when several mistakes give the same result, all are named.
    """
    hints = [
        hint
        for hint, value in (mistakes or {}).items()
        if _same(actual, value, rtol, atol) and not _same(value, expected, rtol, atol)
    ]
    return "\nor: ".join(hints) if hints else None


def _resolve(expected, mistakes):
    """Evaluate lazily given values: ``expected`` or a mistake may be a zero-argument callable.

    Tests pass reference values as ``lambda: ...`` so that the reference is touched only
    when a comparison is made here (the secure grader compares outside the student's
    process and never calls them there).
    """

    def value(v):
        return v() if callable(v) else v

    return value(expected), {hint: value(v) for hint, v in (mistakes or {}).items()}


def check_array(name, actual, expected, *, rtol, atol, mistakes=None, axes=None):
    """Check a numpy array: exact type, dtype, shape, finiteness, then values.

    Parameters
    ----------
    name : str
        How the message calls the array, e.g. ``"h_t"``.
    actual : object
        What the student's code produced.
    expected : ndarray, or a callable returning one
        The right answer (a callable is evaluated only when the check runs).
    rtol, atol : float
        The tolerance, stated by every test: |actual - expected| <= atol + rtol |expected|.
    mistakes : dict of str to ndarray, optional
        Description of a common mistake -> the array that mistake produces.
    axes : str, optional
        The meaning of the axes, e.g. ``"(batch, H)"``, shown next to a wrong shape.

    Raises
    ------
    CheckFailed
        With a message that says what differs and, if a mistake matches, its likely cause.
    """
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    problem = _array_problem(name, actual, np.asarray(expected), rtol, atol, axes)
    if problem is not None:
        _fail([problem], _matching_mistake(actual, expected, mistakes, rtol, atol))


def check_arrays(name, actual, expected, *, rtol, atol, mistakes=None):
    """Check a dict of arrays (gradients, parameters): its keys, then every array.

    ``mistakes`` maps a description to the dict a mistake produces; it matches when
    every array of that dict matches.
    """
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    hint = _matching_mistake(actual, expected, mistakes, rtol, atol)
    if type(actual) is not dict:
        _fail(
            [
                f"{name} is of type {_type_name(actual)}, expected a dict with the keys "
                f"{sorted(expected)}."
            ],
            hint,
        )
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing or extra:
        _fail(
            [
                f"{name} has the keys {sorted(actual)}, expected {sorted(expected)} "
                f"(missing {missing}, unexpected {extra})."
            ],
            hint,
        )
    for key in expected:
        problem = _array_problem(f"{name}[{key!r}]", actual[key], expected[key], rtol, atol, None)
        if problem is not None:
            _fail([problem], hint)


def check_float(name, actual, expected, *, rtol, atol, mistakes=None):
    """Check a single float (a Python float or a numpy floating scalar), then its value."""
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    hint = _matching_mistake(actual, expected, mistakes, rtol, atol)
    if not isinstance(actual, (float, np.floating)):
        extra = ""
        if isinstance(actual, np.ndarray):
            extra = (
                f" It is an array of shape {_shape(actual.shape)}: take the number out "
                "with float(...)."
            )
        elif actual is None:
            extra = " Did you forget the `return` statement?"
        _fail([f"{name} is of type {_type_name(actual)}, expected a float.{extra}"], hint)
    if np.isnan(actual) and not np.isnan(expected):
        _fail([f"{name} is NaN (not a number), expected {expected:.6g}."], hint)
    if not np.isclose(actual, expected, rtol=rtol, atol=atol):
        _fail(
            [
                f"{name} is {float(actual):.6g}, expected {float(expected):.6g}.",
                f"(Values count as equal when |actual - expected| <= {atol:g} + {rtol:g} * "
                "|expected|.)",
            ],
            hint,
        )


def check_int(name, actual, expected, *, mistakes=None):
    """Check a whole number: a Python int or numpy integer (not a bool, not a float)."""
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    if isinstance(actual, bool) or not isinstance(actual, (int, np.integer)):
        extra = ""
        if isinstance(actual, (float, np.floating)):
            extra = " A count is a whole number: use integer arithmetic (// not /) or int(...)."
        elif actual is None:
            extra = " Did you forget the `return` statement?"
        if isinstance(actual, (float, np.floating)):
            shown = repr(float(actual))
        else:
            shown = "None" if actual is None else "a value"
        _fail([f"{name} is {shown} of type {_type_name(actual)}, expected an int.{extra}"])
    if actual != expected:
        hints = [t for t, v in (mistakes or {}).items() if v != expected and actual == v]
        hint = "\nor: ".join(hints) if hints else None
        _fail([f"{name} is {int(actual)}, expected {int(expected)}."], hint)


def check_returns(name, result, parts):
    """Check that a function returned a tuple with one value per name in ``parts``."""
    __tracebackhide__ = True
    want = f"a tuple ({', '.join(parts)}) of {len(parts)} values"
    if type(result) is not tuple:
        _fail([f"{name} returned {_describe(result)}, expected {want}."])
    if len(result) != len(parts):
        _fail([f"{name} returned a tuple of {len(result)} values, expected {want}."])


def check_unchanged(name, after, before):
    """Check that an input array (or dict of arrays) was not modified in place."""
    __tracebackhide__ = True
    if isinstance(before, dict):
        changed = [k for k in before if not np.array_equal(after[k], before[k])]
    else:
        changed = [] if np.array_equal(after, before) else [None]
    if changed:
        which = f" (the entries {changed})" if isinstance(before, dict) else ""
        _fail(
            [
                f"Your function changed its input {name}{which} in place. Leave inputs as "
                "they are: build new arrays (g * scale, np.clip(...)) or work on a "
                ".copy()."
            ]
        )

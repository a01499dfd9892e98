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
mapping the description of a common mistake to the result that mistake would produce;
when the student's result matches one of them, the message names it as the likely cause.

What a check compares with usually comes as one :class:`Expected` (the value, its
tolerance, the named mistakes and the meaning of the axes), made by the trusted
expectations of ``coursekit.expected``: a test then states only what it calls, with which
inputs, and which check applies::

    check_array("h_t", call(rnn_cell_forward, x, h, p), expected.cell_forward(x, h, p))

:func:`check_rule` is the check for answers that must agree with *other* values of the
student's (a stored result against the student's own functions, predictions against the
model's own weights): a trusted :class:`Rule` decides it from the student's values.

Record mode (for the class grader, ``coursekit grade``; see the book's page for
instructors): under the grader (a message channel is open, see :mod:`coursekit.protocol`)
a check compares nothing. It sends one record with its kind, the name and the student's
value, and returns; the grader has cut every check call to ``check_x(name, actual)``, so
the expected side never exists in the student's process. In the grader's trusted
reference run of the solutions it also records the resolved expected value, tolerances and
mistakes (or the rule and its data), and then checks as usual. Outside the sandbox the
grader decodes both (:func:`coursekit.protocol.decode_value`: plain data, no pickle, sizes
bounded) and decides with :func:`evaluate`, which makes exactly the comparison the check
makes in a student's notebook.
"""

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import protocol
from ._validate import format_shape

__all__ = [
    "CheckFailed",
    "call",
    "check_array",
    "check_arrays",
    "check_float",
    "check_int",
    "check_returns",
    "check_rule",
    "check_unchanged",
    "raised",
    "Expected",
    "Rule",
]


INT_TYPES = frozenset({int, *(np.dtype(code).type for code in "bBhHiIlLqQ")})
"""What check_int accepts, exactly: int and numpy's integer scalars, no subclass, no bool."""
FLOAT_TYPES = frozenset({float, *(np.dtype(code).type for code in "efdg")})
"""What check_float accepts, exactly: float and numpy's floating scalars, no subclass."""


class CheckFailed(AssertionError):
    """A check found a difference; the message says what differs and, if known, why."""


@dataclass(frozen=True)
class Expected:
    """What a check compares a student's value with: value, tolerance and named mistakes.

    Made by the trusted expectations (``coursekit.expected``), never typed into a test.

    Parameters
    ----------
    value : object
        The right answer: an array, a dict of arrays, a float or an int.
    rtol, atol : float, optional
        The tolerance, |actual - expected| <= atol + rtol |expected| (arrays and floats).
    mistakes : mapping of str to object, optional
        The description of a common mistake -> the value that mistake gives. The keys may
        be members of a ``StrEnum`` of hints; they are kept as plain strings.
    axes : str, optional
        The meaning of the axes, e.g. ``"(batch, H)"``, shown next to a wrong shape.
    max_mse : float, optional
        Also require mean((actual - expected)^2) <= max_mse (check_array only).
    """

    value: Any
    rtol: float | None = None
    atol: float | None = None
    mistakes: Mapping = field(default_factory=dict)
    axes: str | None = None
    max_mse: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "mistakes", {str(k): v for k, v in self.mistakes.items()})


@dataclass(frozen=True)
class Rule:
    """A check decided by trusted code from the student's values alone.

    ``function(name, actual, **data)`` raises :class:`CheckFailed` when ``actual`` breaks
    the rule. It must live in ``coursekit.expected``: a record names it by its module and
    qualified name, and the grader imports it from there, outside the sandbox. ``data``
    holds what the rule needs besides the student's values (arrays, numbers, strings).
    """

    function: Callable
    data: Mapping = field(default_factory=dict)

    @property
    def qualified_name(self):
        return f"{self.function.__module__}:{self.function.__qualname__}"

    @classmethod
    def named(cls, qualified_name, data):
        """The rule a record names; only functions of ``coursekit.expected`` are accepted."""
        module, _, name = str(qualified_name).partition(":")
        if not (module == "coursekit.expected" or module.startswith("coursekit.expected.")):
            raise ValueError(f"a rule must come from coursekit.expected, not {module!r}")
        function = importlib.import_module(module)
        for part in name.split("."):
            function = getattr(function, part)
        return cls(function, dict(data))


def _describe(value):
    """A short description of a value by its type and shape, never by its (long) contents."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {format_shape(value.shape)}"
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


LIKELY, OR = "Likely cause: ", "\nor: "


def _fail(lines, hint=None):
    if hint is not None:
        lines = [*lines, LIKELY + hint]
    raise CheckFailed("\n".join(lines))


def named_mistakes(message):
    """The mistakes a failed check's ``message`` names (the hints after "Likely cause:")."""
    _, found, hints = message.partition(LIKELY)
    return [hint.strip() for hint in hints.split(OR)] if found else []


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


def raised(error, fn, *args, **kwargs):
    """1 if ``fn(*args, **kwargs)`` raises ``error``, 0 if it returns; other errors pass on.

    For tests of a function that must refuse some input: check the result with check_int.
    """
    __tracebackhide__ = True
    try:
        fn(*args, **kwargs)
    except error:
        return 1
    return 0


def _type_problem(name, actual, expected_shape):
    """Why ``actual`` is not a plain ndarray, or None."""
    want = f"a numpy array (numpy.ndarray) of shape {format_shape(expected_shape)}"
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
    line = f"{name} has shape {format_shape(a)}, expected {format_shape(e)}{meaning}."
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


def check_type_and_shape(name, actual, like, axes=None):
    """Check that ``actual`` is an ndarray with the dtype and shape of ``like`` (not values).

    For trusted rules (:class:`Rule`), which compare the student's values with one another
    only after each has the promised form. Not recorded: a test calls the checks above.
    """
    __tracebackhide__ = True
    like = np.asarray(like)
    problem = (
        _type_problem(name, actual, like.shape)
        or _dtype_problem(name, actual, like)
        or _shape_problem(name, actual, like, axes)
    )
    if problem is not None:
        _fail([problem])


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
    return OR.join(hints) if hints else None


def _resolve(expected, mistakes):
    """Evaluate lazily given values: ``expected`` or a mistake may be a zero-argument callable.

    Tests pass reference values as ``lambda: ...`` so that the reference is touched only
    when a comparison is made here (the secure grader compares outside the student's
    process and never calls them there).
    """

    def value(v):
        return v() if callable(v) else v

    return value(expected), {hint: value(v) for hint, v in (mistakes or {}).items()}


def check_array(name, actual, expected, *, rtol, atol, mistakes=None, axes=None, max_mse=None):
    """Check a numpy array: exact type, dtype, shape, finiteness, values, then the MSE.

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
    max_mse : float, optional
        Also require mean((actual - expected)^2) <= max_mse, computed in float64: a
        target for a trained model's predictions, decided from the predictions themselves.

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
    if max_mse is not None:
        diff = actual.astype(np.float64) - np.asarray(expected, dtype=np.float64)
        mse = float(np.mean(diff**2)) if diff.size else 0.0
        if not mse <= max_mse:
            _fail(
                [
                    f"{name}: every value is within the tolerance, but their mean squared "
                    f"error is {mse:.3g}, above the {max_mse:g} asked for."
                ]
            )


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
    """Check a single float (a Python float or a numpy floating scalar), then its value.

    The type must be one of :data:`FLOAT_TYPES` exactly: a subclass of float, which could
    redefine ``==``, is refused. The value passes when |actual - expected| <= atol +
    rtol |expected|.
    """
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    if type(actual) not in FLOAT_TYPES:
        extra = ""
        if isinstance(actual, np.ndarray):
            extra = (
                f" It is an array of shape {format_shape(actual.shape)}: take the number out "
                "with float(...)."
            )
        elif actual is None:
            extra = " Did you forget the `return` statement?"
        _fail([f"{name} is of type {_type_name(actual)}, expected a float.{extra}"])
    hint = _matching_mistake(actual, expected, mistakes, rtol, atol)
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
    """Check a whole number: a Python int or numpy integer (not a bool, not a float).

    The type must be one of :data:`INT_TYPES` exactly: a subclass of int (bool is one),
    which could redefine ``==`` or ``!=``, is refused.
    """
    __tracebackhide__ = True
    expected, mistakes = _resolve(expected, mistakes)
    if type(actual) not in INT_TYPES:
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
    if int(actual) != int(expected):
        hints = [t for t, v in (mistakes or {}).items() if v != expected and int(actual) == v]
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


def _changed_parts(after, before, where=""):
    """Where ``after`` differs from ``before``: arrays, and dicts, tuples and lists of them."""
    if isinstance(before, dict):
        if type(after) is not dict or set(after) != set(before):
            return [where or "the dict"]
        return [p for k in before for p in _changed_parts(after[k], before[k], f"{where}[{k!r}]")]
    if isinstance(before, (tuple, list)):
        if type(after) is not type(before) or len(after) != len(before):
            return [where or "the sequence"]
        return [
            p
            for i, (a, b) in enumerate(zip(after, before, strict=True))
            for p in _changed_parts(a, b, f"{where}[{i}]")
        ]
    if isinstance(before, np.ndarray):
        same = type(after) is np.ndarray and after.shape == before.shape
        return [] if same and np.array_equal(after, before, equal_nan=True) else [where or ""]
    return [] if after == before else [where or ""]


def check_unchanged(name, after, before):
    """Check that an input (an array, or a dict, tuple or list of them) was not modified."""
    __tracebackhide__ = True
    changed = _changed_parts(after, before)
    if changed:
        which = f" (the entries {', '.join(changed)})" if any(changed) else ""
        _fail(
            [
                f"Your function changed its input {name}{which} in place. Leave inputs as "
                "they are: build new arrays (g * scale, np.clip(...)) or work on a "
                ".copy()."
            ]
        )


def check_rule(name, actual, rule):
    """Check the student's values ``actual`` against a trusted :class:`Rule`.

    For answers that must agree with other values of the student's own: a stored result
    with the student's functions run again, predictions with the model's own weights.
    ``rule.function(name, actual, **rule.data)`` raises CheckFailed when they disagree.
    """
    __tracebackhide__ = True
    if not isinstance(rule, Rule):
        raise TypeError(f"check_rule needs a Rule, got {type(rule).__name__}")
    rule.function(name, actual, **rule.data)


# --- Record mode: how the grader runs these checks (see the module docstring) ----------------

_KINDS = {}  # kind -> the check function that evaluates it
_depth = [0]  # checks running now: a check called inside another one records nothing


def _explicit(fn, arguments):
    """``arguments`` with an :class:`Expected` spelled out as the check's own keywords."""
    expected = arguments.get("expected")
    if not isinstance(expected, Expected):
        return arguments
    arguments = dict(arguments, expected=expected.value)
    for key in inspect.signature(fn).parameters:
        if key in ("name", "actual", "expected") or not hasattr(expected, key):
            continue
        if key in arguments:
            raise TypeError(f"{key} is given twice: in the Expected and beside it")
        value = getattr(expected, key)
        if value is not None and value != {}:
            arguments[key] = value
    return arguments


def _recorded_arguments(arguments, actual):
    """What the reference run records besides the name and the student's value."""
    if isinstance(arguments.get("rule"), Rule):
        rule = arguments["rule"]
        return {"rule": rule.qualified_name, "data": dict(rule.data)}
    if "expected" in arguments:
        arguments["expected"], arguments["mistakes"] = _resolve(
            arguments["expected"], arguments.get("mistakes")
        )
    return {k: v for k, v in arguments.items() if k not in ("name", actual)}


def _recorded(kind, fn, actual):
    """Wrap a check for record mode (see the module docstring); normal mode is unchanged."""
    signature = inspect.signature(fn)
    _KINDS[kind] = fn

    @functools.wraps(fn)
    def check(*args, **kwargs):
        __tracebackhide__ = True
        arguments = signature.bind_partial(*args, **kwargs).arguments
        recording = protocol.recording() and _depth[0] == 0
        if recording and not protocol.reference_run():
            # The student's run: the grader passes only (name, actual), see
            # coursekit.grader.integrity.without_expected.
            protocol.record(kind, arguments["name"], arguments[actual])
            return None
        arguments = _explicit(fn, arguments)
        if recording:
            rest = _recorded_arguments(arguments, actual)
            protocol.record(kind, arguments["name"], arguments[actual], rest)
        _depth[0] += 1
        try:
            return fn(**arguments)
        finally:
            _depth[0] -= 1

    check.kind = kind
    return check


def evaluate(kind, actual, record):
    """Decide one check outside the sandbox: ``(passed, message)``.

    ``actual`` is the student's decoded value; ``record`` is the decoded reference record
    (a dict with ``name`` and ``args``: expected, tolerances, mistakes). The comparison is
    exactly the one the check makes in a student's notebook.
    """
    fn = _KINDS.get(kind)
    if fn is None:
        return False, f"unknown check kind {kind!r}"
    args = dict(record.get("args", {}))
    try:
        if kind == "rule":
            args = {"rule": Rule.named(args["rule"], args.get("data") or {})}
        fn(record["name"], actual, **args)
    except CheckFailed as failure:
        return False, str(failure)
    except Exception as err:  # noqa: BLE001 - a value no check can compare is a failure
        return False, f"{record['name']} could not be compared: {type(err).__name__}: {err}"
    return True, ""


check_array = _recorded("array", check_array, "actual")
check_arrays = _recorded("arrays", check_arrays, "actual")
check_float = _recorded("float", check_float, "actual")
check_int = _recorded("int", check_int, "actual")
check_returns = _recorded("returns", check_returns, "result")
check_unchanged = _recorded("unchanged", check_unchanged, "after")
check_rule = _recorded("rule", check_rule, "actual")

"""Shape and type checks for the public functions of coursekit.

Every public function validates its arguments here, so that a student who passes an
array of the wrong shape reads which argument was wrong, the shape it had and the shape
that was expected, instead of meeting a silent broadcast three functions later.
"""

import numbers

import numpy as np


def format_shape(shape):
    """A shape as Python prints a tuple: (2, 3), (4,), ()."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name, array, expected, what=""):
    """Raise ValueError unless ``array`` is an ndarray of shape ``expected``.

    ``expected`` is a tuple whose entries are ints or None (any size). ``what`` names
    the axes, for example ``"(batch, time, features)"``, and is added to the message.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(array).__name__}")
    ok = array.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, array.shape, strict=False)
    )
    if not ok:
        shown = format_shape(["?" if e is None else e for e in expected])
        axes = f" = {what}" if what else ""
        raise ValueError(f"{name} has shape {format_shape(array.shape)}, expected {shown}{axes}")
    return array


def check_params(params, shapes):
    """Check that ``params`` has exactly the keys of ``shapes`` with those shapes."""
    missing = sorted(set(shapes) - set(params))
    extra = sorted(set(params) - set(shapes))
    if missing or extra:
        raise ValueError(
            f"params must have keys {sorted(shapes)}; missing {missing}, unexpected {extra}"
        )
    for key, shape in shapes.items():
        check_shape(f"params[{key!r}]", params[key], shape)
    return params


def check_truncate(truncate):
    """Raise unless ``truncate`` is None or a whole number of steps k >= 1.

    A bool is refused although Python counts it as an int: ``truncate=True`` would
    silently mean k = 1.
    """
    if truncate is None:
        return None
    if isinstance(truncate, bool | np.bool_) or not isinstance(truncate, int | np.integer):
        raise TypeError(
            "truncate must be a positive number of steps (an int k >= 1) or None, "
            f"got {truncate!r} of type {type(truncate).__name__}"
        )
    if truncate < 1:
        raise ValueError(f"truncate must be a positive number of steps or None, got {truncate}")
    return truncate


def check_int(name, value, minimum, maximum=None, what=""):
    """``value`` as an int, checked: ``minimum <= value`` (``<= maximum`` when given).

    Raises TypeError for a non-integer (a bool included) and ValueError out of range; the
    message names ``name`` and, when given, ``what`` the bound means.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        reason = f" ({what})" if what else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}{reason}, got {value}")
    return int(value)

"""Gradient clipping and numeric gradient checking.

Gradients are plain dicts of arrays keyed like the parameters they belong to.
"""

import numpy as np

from ._validate import format_shape


def _check_grads(grads):
    """Raise TypeError unless ``grads`` is a dict of numpy arrays."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of numpy arrays, got {type(grads).__name__}")
    for key, g in grads.items():
        if not isinstance(g, np.ndarray):
            raise TypeError(f"grads[{key!r}] must be a numpy array, got {type(g).__name__}")
    return grads


def global_norm(grads):
    """||g|| = sqrt(sum over every array g_k of sum(g_k^2)).

    Parameters
    ----------
    grads : dict of str to ndarray
        Arrays of any shapes, for example the gradients of every parameter.

    Returns
    -------
    norm : float
    """
    _check_grads(grads)
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_by_global_norm(grads, max_norm):
    """g <- g * max_norm / ||g|| when ||g|| > max_norm, else g unchanged.

    Every array is scaled by the same factor, so the update keeps its direction and
    only its length is bounded.

    Parameters
    ----------
    grads : dict of str to ndarray
        Arrays of any shapes.
    max_norm : float, > 0

    Returns
    -------
    clipped : dict of str to ndarray
        New arrays of the same shapes; the input is not modified.
    norm : float
        The global norm before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    _check_grads(grads)
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, norm


def clip_by_value(grads, clip_value):
    """g_i <- min(max(g_i, -clip_value), clip_value), element by element.

    Unlike clipping by norm this can turn the update's direction: a large component is
    cut while the small ones are kept.

    Parameters
    ----------
    grads : dict of str to ndarray
        Arrays of any shapes.
    clip_value : float, > 0

    Returns
    -------
    clipped : dict of str to ndarray
        New arrays of the same shapes; the input is not modified.
    """
    _check_grads(grads)
    if not clip_value > 0:
        raise ValueError(f"clip_value must be positive, got {clip_value}")
    return {k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()}


def numeric_gradient(f, x, eps=1e-6):
    """Centred differences: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    Parameters
    ----------
    f : callable
        Takes no argument and returns a scalar; it must read ``x``, which is
        perturbed in place and restored.
    x : ndarray
        Any shape, of a floating dtype: float64 for a meaningful check. An integer array
        raises TypeError, because x + eps would be rounded back to an integer in place.
    eps : float

    Returns
    -------
    grad : ndarray shaped like x
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a numpy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x has dtype {x.dtype}, but numeric_gradient perturbs x in place by eps, which "
            "a non-floating array cannot hold; use a float64 array, e.g. x.astype(np.float64)"
        )
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max|a - b| / max(1e-8, max(|a| + |b|)), 0 for two empty arrays.

    Parameters
    ----------
    a, b : array_like of the same shape
        For example an analytic gradient and its numeric estimate. Arrays of different
        shapes raise ValueError rather than being broadcast against each other.

    Returns
    -------
    error : float
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"b has shape {format_shape(b.shape)}, expected {format_shape(a.shape)}, "
            "the shape of a: relative_error compares two arrays entry by entry"
        )
    if a.size == 0 and b.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))

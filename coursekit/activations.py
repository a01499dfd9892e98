"""Elementwise nonlinearities and their derivatives, written in terms of their outputs.

Every function here acts element by element: it takes an ndarray of any shape and
returns one of the same shape. The derivatives take the activation's *output* because
that is what the forward pass caches: tanh'(a) = 1 - tanh(a)^2, σ'(a) = σ(a) (1 - σ(a)).
"""

import numpy as np


def sigmoid(a):
    """σ(a) = 1 / (1 + exp(-a)), elementwise.

    Parameters
    ----------
    a : ndarray of any shape

    Returns
    -------
    s : ndarray shaped like a, in (0, 1)
        For very negative a, exp(-a) overflows to inf and gives exactly 0 (no warning).
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def dsigmoid(s):
    """σ'(a) = s (1 - s), elementwise, where s = σ(a).

    Parameters
    ----------
    s : ndarray of any shape
        The sigmoid's output σ(a), as the forward pass cached it.

    Returns
    -------
    ds : ndarray shaped like s
    """
    return s * (1.0 - s)


def dtanh(t):
    """tanh'(a) = 1 - t^2, elementwise, where t = tanh(a).

    Parameters
    ----------
    t : ndarray of any shape
        The output tanh(a), as the forward pass cached it.

    Returns
    -------
    dt : ndarray shaped like t
    """
    return 1.0 - t * t


def relu(a):
    """relu(a) = max(a, 0), elementwise.

    Parameters
    ----------
    a : ndarray of any shape

    Returns
    -------
    r : ndarray shaped like a
    """
    return np.maximum(a, 0)


def drelu(r):
    """relu'(a) = 1 where a > 0, else 0, elementwise, where r = relu(a).

    Parameters
    ----------
    r : ndarray of any shape
        The output relu(a), as the forward pass cached it.

    Returns
    -------
    dr : ndarray shaped like r, of r's dtype, holding 0s and 1s
    """
    return (r > 0).astype(r.dtype)


# name -> (f, f' in terms of f's output), for coursekit.rnn's activation argument
ACTIVATIONS = {"tanh": (np.tanh, dtanh), "relu": (relu, drelu)}

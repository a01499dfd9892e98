"""Elementwise nonlinearities and their derivatives, written in terms of their outputs.

The derivatives take the activation's *output* because that is what the forward pass
caches: tanh'(a) = 1 - tanh(a)^2, sigma'(a) = sigma(a) (1 - sigma(a)).
"""

import numpy as np


def sigmoid(a):
    """sigma(a) = 1 / (1 + exp(-a)); for very negative a, exp(-a) overflows to inf and gives 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def dsigmoid(s):
    """sigma'(a) = s (1 - s), where s = sigma(a)."""
    return s * (1.0 - s)


def dtanh(t):
    """tanh'(a) = 1 - t^2, where t = tanh(a)."""
    return 1.0 - t * t


def relu(a):
    """relu(a) = max(a, 0)."""
    return np.maximum(a, 0)


def drelu(r):
    """relu'(a) = 1 where a > 0, else 0, where r = relu(a)."""
    return (r > 0).astype(r.dtype)


ACTIVATIONS = {"tanh": (np.tanh, dtanh), "relu": (relu, drelu)}

"""Inputs for the tests of 08_sampling_decoding: logits, target ids and a toy decoder."""

import numpy as np

from . import copied, normal, params

__all__ = ["Decoder", "copied", "decoder", "lm_batch", "logits", "overconfident"]


def logits(seed, shape, scale=1.0, shift=0.0, row_shift=0.0, dtype=np.float64):
    """Logits of ``shape`` (..., V): N(shift, scale^2), and r row_shift added to row r.

    Rows are numbered 0, 1, ... over the leading axes. A large ``shift`` (1000) makes exp
    overflow unless the maximum is subtracted first. A large ``row_shift`` (1000) puts
    rows far apart: exp overflows on the high ones unless each row's maximum is
    subtracted, and the low ones underflow to 0 if the maximum of the whole array is
    subtracted instead.
    """
    rng = np.random.default_rng(seed)
    z = normal(rng, shape, scale)
    rows = np.arange(int(np.prod(shape[:-1]))).reshape(shape[:-1] + (1,))
    return (z + shift + row_shift * rows).astype(dtype)


def lm_batch(seed, B, T, V, scale=2.0, row_shift=0.0, dtype=np.float64):
    """``(logits, targets)``: logits (B, T, V) drawn as :func:`logits` does, targets (B, T)."""
    z = logits(seed, (B, T, V), scale, row_shift=row_shift, dtype=dtype)
    targets = np.random.default_rng(seed + 1).integers(0, V, size=(B, T))
    return z, targets


def overconfident(seed, B, T, V, gap=800.0):
    """``(logits, targets)`` whose first target's logit lies ``gap`` below the largest of its row.

    A model sure of the wrong id: its probability for the target is exp(-gap), which is 0
    in floating point, while its log-probability, about -gap, is a finite number.
    """
    z, targets = lm_batch(seed, B, T, V)
    z[0, 0, targets[0, 0]] = z[0, 0].max() - gap
    return z, targets


class Decoder:
    """One step of a small tanh RNN language model: ``step(token, state) -> (logits, state)``.

    s_k = tanh(E[token] + s_{k-1} W_hh + b_h), logits = s_k W_hy + b_y, with the state s
    of shape (H,) and the logits of shape (V,). It is a pure function of its arguments.
    """

    def __init__(self, params):
        self.params = params

    def __repr__(self):
        V, H = self.params["E"].shape
        return f"Decoder(V={V}, H={H})"

    def __call__(self, token, state):
        p = self.params
        new = np.tanh(p["E"][token] + state @ p["W_hh"] + p["b_h"])
        return new @ p["W_hy"] + p["b_y"], new


def decoder(seed, V, H, dtype=np.float64):
    """``(step, state)``: a :class:`Decoder` with V ids and H hidden units, and a state (H,)."""
    rng = np.random.default_rng(seed)
    shapes = {"E": (V, H), "W_hh": (H, H), "b_h": (H,), "W_hy": (H, V), "b_y": (V,)}
    scale = {"E": 1.0, "W_hh": 1.2, "b_h": 0.3, "W_hy": 2.0, "b_y": 0.5}
    p = params(rng, shapes, scale, dtype)
    return Decoder(p), normal(rng, (H,), 0.5, dtype)

"""What the tests of 02_unrolling expect: the forward pass over a sequence, the many-to-one
and many-to-many heads, parameter counts (shared and untied), and the masked forward pass
over a padded batch."""

from enum import StrEnum

import numpy as np

from coursekit import heads, rnn
from coursekit.activations import ACTIVATIONS
from coursekit.checks import Expected

from . import tolerance
from .mistakes import Mistake as Shared

VISIBLE_T = 3
"""The length of the visible tests' sequences, the one a fixed-length loop hard-codes."""


class Mistake(StrEnum):
    FINAL_STATE_ONLY = (
        "final state only: you returned h_T, shape (B, H); return every state h_1..h_T, "
        "shape (B, T, H)"
    )
    TIME_MAJOR = (
        "time-major result (T, B, H): stack the states along axis 1 to get batch-first (B, T, H)"
    )
    OFF_BY_ONE = (
        "off by one step: h[:, t] holds the state before step t (h0 stored first); store each "
        "state after computing it"
    )
    STATE_NOT_CARRIED = (
        "state not carried: every step used h0 instead of the previous step's state h_{t-1}"
    )
    WRONG_ACTIVATION = "wrong activation: the activation argument was not followed"
    FIXED_LENGTH = (
        f"fixed length: only the first {VISIBLE_T} steps were computed, as many as the visible "
        "test has; loop over all T = x.shape[1] steps of the sequence you are given"
    )
    M2O_FIRST_STEP = (
        "first step read: a many-to-one head reads the last state h[:, -1], not h[:, 0]"
    )
    M2O_MEAN_OVER_TIME = (
        "mean over time: a many-to-one head reads the last state h[:, -1], not the average of "
        "all states"
    )
    M2O_EVERY_STEP = (
        "one output per step: many-to-one gives one output per sequence, shape (B, O), from "
        "h[:, -1]"
    )
    M2M_LAST_STEP_ONLY = (
        "last step only: many-to-many gives an output at every step, shape (B, T, O)"
    )
    M2M_TIME_MAJOR = "time-major result (T, B, O): keep batch first, (B, T, O)"
    COUNT_NO_BIASES = "biases not counted: every array counts, the 1-D bias too"
    COUNT_ROWS = (
        "rows counted instead of entries: an array of shape (D, H) holds D * H numbers (its .size)"
    )
    COUNT_SIZES_ADDED = (
        "sizes added instead of multiplied: an array of shape (D, H) holds D * H numbers, not D + H"
    )
    COUNT_ARRAYS = "arrays counted instead of their entries"
    UNTIED_NO_STEPS = (
        "the number of steps is missing: an untied network has its own W_xh, W_hh and b_h at "
        "each of the T steps"
    )
    UNTIED_ONLY_W_XH = (
        "only W_xh untied: in the untied network every step has its own W_hh and b_h as well"
    )
    UNTIED_T_MINUS_ONE = "T - 1 copies counted: every one of the T steps has its own weights"
    UNTIED_NO_BIASES = "forgot the biases: each step's b_h adds H parameters"
    MASK_IGNORED = (
        "mask ignored: padded steps were processed like real ones (their zero inputs still "
        "change the state)"
    )
    NOT_ZEROED = "padded outputs not zeroed: h must be 0 at padded steps (mask False)"
    FINAL_STATE_LOST = (
        "final state lost: h_last must be the state after each sequence's last real step; "
        "carry the state through padded steps instead of resetting it, and do not read it "
        "from h[:, -1]"
    )
    MASK_FROM_DATA = (
        "mask taken from the data: a real step whose features are all zero was treated as "
        "padding; use the mask you are given, not x == 0 (real data can be zero)"
    )


def forward(x, h0, params, activation="tanh"):
    """h_t = f(x_t W_xh + h_{t-1} W_hh + b_h) for t = 1..T, and what the common slips give."""
    f = ACTIVATIONS[activation][0]
    other = "relu" if activation == "tanh" else "tanh"
    W_xh, W_hh, b = params["W_xh"], params["W_hh"], params["b_h"]
    h = rnn.forward(x, h0, params, activation)[0]
    fixed = h.copy()
    fixed[:, VISIBLE_T:] = 0
    mistakes = {
        Mistake.FINAL_STATE_ONLY: h[:, -1],
        Mistake.TIME_MAJOR: h.transpose(1, 0, 2),
        Mistake.OFF_BY_ONE: np.concatenate([h0[:, None], h[:, :-1]], axis=1),
        Mistake.STATE_NOT_CARRIED: f(x @ W_xh + (h0 @ W_hh)[:, None] + b),
        Shared.MISSING_BIAS: rnn.forward(x, h0, {**params, "b_h": 0 * b}, activation)[0],
        Shared.TRANSPOSED_W_HH: rnn.forward(x, h0, {**params, "W_hh": W_hh.T}, activation)[0],
        Mistake.WRONG_ACTIVATION: rnn.forward(x, h0, params, other)[0],
        Mistake.FIXED_LENGTH: fixed,
    }
    rtol, atol = tolerance(x, h0, params)
    return Expected(h, rtol, atol, mistakes, axes="(batch, time, H)")


def many_to_one(h, params):
    """y = h_T W_hy + b_y from the last state, and what the common slips give instead."""
    W, b = params["W_hy"], params["b_y"]
    mistakes = {
        Mistake.M2O_FIRST_STEP: h[:, 0] @ W + b,
        Mistake.M2O_MEAN_OVER_TIME: h.mean(axis=1) @ W + b,
        Mistake.M2O_EVERY_STEP: heads.many_to_many_forward(h, params)[0],
        Shared.OUTPUT_MISSING_BIAS: h[:, -1] @ W,
    }
    rtol, atol = tolerance(h, params)
    y = heads.many_to_one_forward(h, params)[0]
    return Expected(y, rtol, atol, mistakes, axes="(batch, O)")


def many_to_many(h, params):
    """y_t = h_t W_hy + b_y at every step, and what the common slips give instead."""
    y = heads.many_to_many_forward(h, params)[0]
    mistakes = {
        Mistake.M2M_LAST_STEP_ONLY: heads.many_to_one_forward(h, params)[0],
        Shared.OUTPUT_MISSING_BIAS: y - params["b_y"],
        Shared.OUTPUT_ACTIVATION: np.tanh(y),
        Mistake.M2M_TIME_MAJOR: y.transpose(1, 0, 2),
    }
    rtol, atol = tolerance(h, params)
    return Expected(y, rtol, atol, mistakes, axes="(batch, time, O)")


def count_params(params):
    """The sum of a.size over the arrays of ``params``, and the counts of the slips."""
    arrays = list(params.values())
    mistakes = {
        Mistake.COUNT_NO_BIASES: sum(a.size for a in arrays if a.ndim > 1),
        Mistake.COUNT_ROWS: sum(len(a) for a in arrays),
        Mistake.COUNT_SIZES_ADDED: sum(sum(a.shape) for a in arrays),
        Mistake.COUNT_ARRAYS: len(arrays),
    }
    return Expected(int(sum(a.size for a in arrays)), mistakes=mistakes)


def untied_param_count(n_steps, n_inputs, n_hidden):
    """T (H D + H H + H): every step with its own W_xh, W_hh, b_h; and the slips' counts."""
    T, D, H = n_steps, n_inputs, n_hidden
    one = rnn.n_params(D, H)
    mistakes = {
        Mistake.UNTIED_NO_STEPS: one,
        Mistake.UNTIED_ONLY_W_XH: T * H * D + H * H + H,
        Mistake.UNTIED_T_MINUS_ONE: (T - 1) * one,
        Mistake.UNTIED_NO_BIASES: T * (one - H),
    }
    return Expected(T * one, mistakes=mistakes)


def _per_sequence(x, h0, params, mask, activation):
    """(h, h_last): the plain forward on each row without its padding, h = 0 at padding."""
    dtype = np.result_type(x, h0, *params.values())
    h = np.zeros(x.shape[:2] + h0.shape[1:], dtype=dtype)
    last = h0.astype(dtype)
    for b, L in enumerate(mask.sum(axis=1)):
        if L:
            h[b, :L] = rnn.forward(x[b : b + 1, :L], h0[b : b + 1], params, activation)[0][0]
            last[b] = h[b, L - 1]
    return h, last


def _masked_steps(x, h0, params, mask, activation):
    """(h, h_last) of s_t = m_t f(x_t W_xh + s_{t-1} W_hh + b_h) + (1 - m_t) s_{t-1}, any mask."""
    h, s = np.zeros(x.shape[:2] + h0.shape[1:], dtype=np.result_type(x, h0)), h0
    for t in range(x.shape[1]):
        m = mask[:, t, None]
        s = np.where(m, rnn.cell_forward(x[:, t], s, params, activation)[0], s)
        h[:, t] = np.where(m, s, 0)
    return h, s


def masked_forward(x, h0, params, mask, activation="tanh", part="h"):
    """``part`` ("h" or "h_last") of the masked forward pass, and what the slips give.

    h_t = m_t s_t, with s_t = m_t f(x_t W_xh + s_{t-1} W_hh + b_h) + (1 - m_t) s_{t-1},
    s_0 = h0, and h_last = s_T: computed as the plain forward on each sequence without
    its padding.
    """
    h, last = _per_sequence(x, h0, params, mask, activation)
    unmasked = rnn.forward(x, h0, params, activation)[0]
    from_data = _masked_steps(x, h0, params, np.any(x != 0, axis=-1), activation)
    rtol, atol = tolerance(x, h0, params)
    if part == "h":
        mistakes = {
            Mistake.MASK_IGNORED: unmasked,
            Mistake.NOT_ZEROED: np.where(mask[..., None], h, last[:, None]),
            Mistake.MASK_FROM_DATA: from_data[0],
        }
        return Expected(h, rtol, atol, mistakes, axes="(batch, time, H)")
    mistakes = {
        Mistake.MASK_IGNORED: unmasked[:, -1],
        Mistake.FINAL_STATE_LOST: h[:, -1],
        Mistake.MASK_FROM_DATA: from_data[1],
    }
    return Expected(last, rtol, atol, mistakes, axes="(batch, H)")

"""What the tests of 03_bptt expect: the backward pass of one step and of the unrolled
network, numeric gradients and the relative error, Task 5's gradient check, the norms of
the state gradients, the spectral radius, the decay rate, Task 9's experiment, clipping by
the global norm and truncated BPTT."""

from enum import StrEnum

import numpy as np

from coursekit import gradients, rnn
from coursekit.cases import bptt as cases
from coursekit.cases.bptt import KEYS, RADII
from coursekit.checks import (
    CheckFailed,
    Expected,
    Rule,
    check_array,
    check_float,
    check_type_and_shape,
)

from . import tolerance
from .mistakes import Mistake as Shared


class Mistake(StrEnum):
    FORGOT_DERIVATIVE = (
        "forgot the (1 - h^2) factor: the gradient passes through tanh, so "
        "da_t = dh_t * (1 - h_t^2)"
    )
    TANH_OF_H = (
        "tanh' applied to h_t: h_t is already tanh(a_t), so the derivative is 1 - h_t^2, "
        "not 1 - tanh(h_t)^2"
    )
    DERIVATIVE_AT_PREVIOUS = (
        "(1 - h^2) at the wrong step: the derivative of h_t = tanh(a_t) is 1 - h_t^2, taken at "
        "this step's output h_t, not h_{t-1}"
    )
    DERIVATIVE_AT_PRE_ACTIVATION = (
        "derivative at the pre-activation: tanh'(a_t) = 1 - tanh(a_t)^2 = 1 - h_t^2, written "
        "with the output h_t; 1 - a_t^2 is not the derivative of tanh"
    )
    DH_PREV_NOT_TRANSPOSED = (
        "transposed weight: dh_{t-1} = da_t W_hh^T (for Y = X W, dX = dY W^T), not da_t W_hh"
    )
    DW_HH_FROM_H_T = "dW_hh from h_t: W_hh multiplies h_{t-1}, so dW_hh = h_{t-1}^T da_t"
    DW_XH_TRANSPOSED = (
        "transposed gradient: a gradient has the shape of its parameter; dW_xh = x_t^T da_t has "
        "shape (D, H), not da_t^T x_t"
    )
    DW_HH_TRANSPOSED = (
        "transposed weight gradient: dW_hh = h_{t-1}^T da_t (for Y = X W, dW = X^T dY), not "
        "da_t^T h_{t-1}; W_hh is square, so the shape cannot tell the two apart"
    )
    DB_NOT_SUMMED = (
        "db_h not summed over the batch: the bias is shared by every example, so "
        "db_h = da_t.sum(axis=0), shape (H,)"
    )
    DB_WRONG_AXIS = (
        "bias gradient summed over the wrong axis: db_h = da_t.sum(axis=0) adds up the examples "
        "(the rows); da_t.sum(axis=1) adds up the units of each example"
    )
    NO_FUTURE = (
        "the gradient from later steps was not added: h_t also feeds step t+1, so the gradient "
        "reaching h_t is dh[:, t] plus dh_prev from step t+1"
    )
    NOT_SUMMED = (
        "weight gradients not summed over time: the weights are shared by every step, so their "
        "gradients add up (+=) over t; overwriting (=) keeps only the last step computed"
    )
    WRAPAROUND = (
        "h[:, t - 1] at t = 0 wraps around to the last state: the state before the first step is h0"
    )
    DH0_ZERO = "dh0 is zero: return the gradient left over after the first step, dL/dh0"
    ONE_SIDED = (
        "one-sided difference: use the centred difference (f(x + eps) - f(x - eps)) / (2 eps)"
    )
    DIVIDED_BY_EPS = "divided by eps instead of 2 eps: the two evaluations are 2 eps apart"
    ALL_AT_ONCE = (
        "all entries perturbed at once: perturb one entry x_i at a time and keep the others fixed"
    )
    WRONG_SIGN = "differences taken the wrong way round: (f(x + eps) - f(x - eps)) / (2 eps)"
    MEAN_DIFFERENCE = (
        "mean instead of max: the relative error uses the largest difference, max |a - b|"
    )
    SEPARATE_MAXIMA = (
        "denominator from separate maxima: use max(|a| + |b|) over entries, not max|a| + max|b|"
    )
    RELATIVE_TO_A = "relative to a only: the denominator is max(|a| + |b|), symmetric in a and b"
    NO_FLOOR = "division by zero for two zero arrays: keep the floor, max(1e-8, max(|a| + |b|))"
    TYPED_IN = (
        "typed in: the stored number is not what your rnn_backward, numeric_gradient "
        "(eps=1e-4) and relative_error give on this data (and a relative error between an "
        "analytic and a numeric gradient is small but never exactly 0); compute it with your "
        "functions"
    )
    EPS_NOT_1E4 = "eps not 1e-4: call numeric_gradient(f, w, eps=1e-4), as the task asks"
    ONE_SIDED_CHECK = (
        "one-sided differences: use your numeric_gradient, whose centred differences are far "
        "more accurate"
    )
    CHECK_IN_FLOAT32 = (
        "gradient check in float32: the rounding error of the two loss evaluations, divided by "
        "2 eps, swamps the result; check in float64, on the data as given"
    )
    OTHER_PARAMETER = (
        "compared with the gradient of another parameter: for each key compare grads[key] "
        "with the numeric gradient of params_check[key]"
    )
    NOT_TASK_4_FORMULA = (
        "not the relative error of Task 4, max|a - b| / max(1e-8, max(|a| + |b|)): compute it "
        "with a relative_error that passes Task 4's tests"
    )
    NORMS_REVERSED = (
        "reversed order: norms[t] is the norm of dL/dh_t, so norms[T] = ||dh_T|| comes last"
    )
    NORMS_MISSING_H0 = "T norms instead of T + 1: the norms run from t = 0 (h0) to t = T (h_T)"
    SINGULAR_VALUE = (
        "largest singular value used: the spectral radius is the largest |eigenvalue|, "
        "np.max(np.abs(np.linalg.eigvals(W)))"
    )
    MAX_ENTRY = (
        "largest entry used: the spectral radius is the largest |eigenvalue|, not the largest "
        "|entry|"
    )
    FROBENIUS = "Frobenius norm used: the spectral radius is the largest |eigenvalue|"
    RADIUS_INVERTED = "scaled the wrong way: multiply by rho / (current radius)"
    RATE_SLOPE = "returned the slope: the rate is r = exp(-s), the factor per step"
    RATE_INVERSE = (
        "returned 1 / r: the rate is the factor from one step to the step before it, r = exp(-s)"
    )
    RATE_LOG10 = "log10 with exp: fit the natural log, or undo log10 with 10 ** (...)"
    RATE_ENDPOINTS = (
        "only the first and last values used: fit a straight line through all T + 1 points "
        "(np.polyfit)"
    )
    CLIP_PER_ARRAY = "each array clipped by its own norm instead of the global norm over all arrays"
    SQUARED_NORM = "returned the squared norm: take the square root"
    CHUNKS_FROM_END = (
        "chunks counted from the end: the first chunk is steps 0..k-1, counted from the start"
    )
    NO_TRUNCATION = (
        "no truncation: no gradient may cross a chunk boundary (steps that are multiples of k)"
    )
    CUT_EVERY_STEP = "cut after every step: chunks are k steps long"
    CHUNKS_OFF_BY_ONE = "chunk boundaries one step off: the chunks are steps 0..k-1, k..2k-1, ..."
    LOSS_GRADIENT_DROPPED = (
        "the loss gradient dropped at a boundary: only the gradient flowing back from the next "
        "chunk is cut; the loss's own dh[:, t] stays"
    )


DERIVATIVE_SLIPS = (
    Mistake.FORGOT_DERIVATIVE,
    Mistake.TANH_OF_H,
    Mistake.DERIVATIVE_AT_PREVIOUS,
    Mistake.DERIVATIVE_AT_PRE_ACTIVATION,
)
"""Slips in tanh'(a_t): each gives a wrong da_t, and with it every gradient of the step."""
STEP_SLIPS = (
    *DERIVATIVE_SLIPS,
    Mistake.DH_PREV_NOT_TRANSPOSED,
    Mistake.DW_HH_FROM_H_T,
    Mistake.DW_XH_TRANSPOSED,
    Mistake.DW_HH_TRANSPOSED,
    Mistake.DB_NOT_SUMMED,
    Mistake.DB_WRONG_AXIS,
)
"""Slips of one step's backward, which rnn_backward inherits from rnn_cell_backward."""
BPTT_SLIPS = (Mistake.NO_FUTURE, Mistake.NOT_SUMMED, Mistake.WRAPAROUND, Mistake.DH0_ZERO)
"""Slips of the walk back through time."""
STEP_PARTS = {"dx_t": "(batch, D)", "dh_prev": "(batch, H)", "grads": None}
SEQUENCE_PARTS = {"dx": "(batch, time, D)", "dh0": "(batch, H)", "grads": None}


def _derivative(x_t, h_prev, h_t, p, slip):
    """tanh'(a_t) = 1 - h_t^2, or what ``slip`` takes for it."""
    if slip == Mistake.FORGOT_DERIVATIVE:
        return np.ones_like(h_t)
    if slip == Mistake.TANH_OF_H:
        return 1 - np.tanh(h_t) ** 2
    if slip == Mistake.DERIVATIVE_AT_PREVIOUS:
        return 1 - h_prev**2
    if slip == Mistake.DERIVATIVE_AT_PRE_ACTIVATION:
        return 1 - (x_t @ p["W_xh"] + h_prev @ p["W_hh"] + p["b_h"]) ** 2
    return 1 - h_t**2


def _step(dh_t, x_t, h_prev, h_t, p, slip=None):
    """(dx_t, dh_prev, grads) of one step with ``slip`` built in (None: no slip)."""
    da = dh_t * _derivative(x_t, h_prev, h_t, p, slip)
    grads = {"W_xh": x_t.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}
    if slip == Mistake.DW_XH_TRANSPOSED:
        grads["W_xh"] = da.T @ x_t
    elif slip == Mistake.DW_HH_FROM_H_T:
        grads["W_hh"] = h_t.T @ da
    elif slip == Mistake.DW_HH_TRANSPOSED:
        grads["W_hh"] = da.T @ h_prev
    elif slip == Mistake.DB_NOT_SUMMED:
        grads["b_h"] = da
    elif slip == Mistake.DB_WRONG_AXIS:
        grads["b_h"] = da.sum(axis=1)
    W_hh = p["W_hh"] if slip == Mistake.DH_PREV_NOT_TRANSPOSED else p["W_hh"].T
    return da @ p["W_xh"].T, da @ W_hh, grads


def _expected(value, mistakes, axes, *inputs):
    """Expected(value, mistakes, axes) with the tolerance of the lowest precision of ``inputs``."""
    rtol, atol = tolerance(*inputs)
    return Expected(value, rtol, atol, mistakes, axes=axes)


def cell_backward(dh_t, x_t, h_prev, h_t, params, part):
    """``part`` of one step's backward: with da_t = dh_t (1 - h_t^2), "dx_t" = da_t W_xh^T,
    "dh_prev" = da_t W_hh^T, "grads" = {x_t^T da_t, h_prev^T da_t, da_t summed over the batch}."""
    i = list(STEP_PARTS).index(part)
    right = rnn.cell_backward(dh_t, rnn.cell_forward(x_t, h_prev, params)[1])[i]
    mistakes = {s: _step(dh_t, x_t, h_prev, h_t, params, s)[i] for s in STEP_SLIPS}
    return _expected(right, mistakes, STEP_PARTS[part], dh_t, x_t, h_prev, params)


def _cut(t, T, k, slip):
    """Whether truncated BPTT (window k, None: full) stops the gradient from step t to t - 1."""
    if slip == Mistake.CHUNKS_FROM_END:
        return (T - t) % k == 0
    if slip == Mistake.CHUNKS_OFF_BY_ONE:
        return (t - 1) % k == 0
    return k is not None and t % k == 0


def _bptt(dh, x, h0, h, p, slip=None, k=None):
    """(dx, dh0, grads) of BPTT with ``slip`` built in, truncated with window k (None: full)."""
    T = x.shape[1]
    dx, grads, dh_next = [None] * T, None, np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev = h[:, t - 1] if t > 0 or slip == Mistake.WRAPAROUND else h0
        incoming = dh[:, t] if slip == Mistake.NO_FUTURE else dh[:, t] + dh_next
        if slip == Mistake.LOSS_GRADIENT_DROPPED and (t + 1) % k == 0 and t + 1 < T:
            incoming = incoming * 0
        step_slip = slip if slip in STEP_SLIPS else None
        dx[t], dh_next, g = _step(incoming, x[:, t], h_prev, h[:, t], p, step_slip)
        keep = grads is not None and slip != Mistake.NOT_SUMMED
        grads = {n: grads[n] + g[n] for n in g} if keep else g
        if t > 0 and _cut(t, T, k, slip):
            dh_next = dh_next * 0
    return np.stack(dx, axis=1), dh_next * (slip != Mistake.DH0_ZERO), grads


def backward(dh, x, h0, h, params, part):
    """``part`` ("dx", "dh0" or "grads") of BPTT: dL/dh_t = dh[:, t] + dh_prev of step t + 1,
    then the step's backward; the weights' gradients summed over t."""
    i = list(SEQUENCE_PARTS).index(part)
    _, cache = rnn.forward(x, h0, params)
    right = rnn.backward(dh, cache)[i]
    slips = (*BPTT_SLIPS, *STEP_SLIPS)
    mistakes = {s: _bptt(dh, x, h0, cache["h"], params, s)[i] for s in slips}
    return _expected(right, mistakes, SEQUENCE_PARTS[part], dh, x, h0, params)


def truncated(dh, x, h0, h, params, k, part):
    """``part`` ("dx", "dh0" or "grads") of BPTT in chunks of k steps from the start: no
    gradient flows from a step t > 0 with t % k == 0 back to step t - 1."""
    i = list(SEQUENCE_PARTS).index(part)
    _, cache = rnn.forward(x, h0, params)
    right, h = rnn.backward(dh, cache, truncate=k)[i], cache["h"]
    slips = (Mistake.CHUNKS_FROM_END, Mistake.CHUNKS_OFF_BY_ONE, Mistake.LOSS_GRADIENT_DROPPED)
    mistakes = {s: _bptt(dh, x, h0, h, params, s, k)[i] for s in slips}
    mistakes[Mistake.NO_TRUNCATION] = _bptt(dh, x, h0, h, params)[i]
    mistakes[Mistake.CUT_EVERY_STEP] = _bptt(dh, x, h0, h, params, k=1)[i]
    return _expected(right, mistakes, SEQUENCE_PARTS[part], dh, x, h0, params)


def _centred(f, w, eps):
    """The reference centred differences of f at w (on a copy of w)."""
    work = w.copy()
    return gradients.numeric_gradient(lambda: f(work), work, eps)


def _one_sided(f, w, eps):
    """(f(w + eps e_i) - f(w)) / eps for every entry i."""
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        shifted = w.copy()
        shifted[i] += eps
        grad[i] = (f(shifted) - f(w)) / eps
    return grad


def numeric_gradient(f, x, eps=1e-6):
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i, to 1e-6 + rounding / eps."""
    right = _centred(f, x, eps)
    mistakes = {
        Mistake.ONE_SIDED: _one_sided(f, x, eps),
        Mistake.DIVIDED_BY_EPS: 2 * right,
        Mistake.WRONG_SIGN: -right,
        Mistake.ALL_AT_ONCE: np.full_like(x, (f(x + eps) - f(x - eps)) / (2 * eps)),
    }
    return Expected(right, rtol=1e-6, atol=1e-12 / eps, mistakes=mistakes)


def _formula_slips(a, b):
    """What Task 4's slips give for the relative error of a and b: mean, maxima, a only."""
    d, s = np.abs(a - b), np.abs(a) + np.abs(b)
    return {
        Mistake.MEAN_DIFFERENCE: float(d.mean() / max(1e-8, s.max())),
        Mistake.SEPARATE_MAXIMA: float(d.max() / max(1e-8, np.abs(a).max() + np.abs(b).max())),
        Mistake.RELATIVE_TO_A: float(d.max() / max(1e-8, np.abs(a).max())),
    }


def relative_error(a, b):
    """max|a - b| / max(1e-8, max(|a| + |b|)), to 1e-9, and what the slips give."""
    mistakes = _formula_slips(a, b)
    peak = float(np.max(np.abs(a) + np.abs(b)))
    mistakes[Mistake.NO_FLOOR] = float(np.max(np.abs(a - b)) / peak) if peak else float("nan")
    return Expected(gradients.relative_error(a, b), rtol=1e-9, atol=0, mistakes=mistakes)


def _check_keys(name, value):
    """Raise CheckFailed unless ``value`` is a dict with exactly the keys W_xh, W_hh, b_h."""
    if type(value) is not dict or set(value) != set(KEYS):
        got = f"the keys {sorted(map(str, value))}" if isinstance(value, dict) else type(value)
        raise CheckFailed(
            f"{name} must be a dict with the keys 'W_xh', 'W_hh' and 'b_h', one relative error "
            f"(a float) each; got {got}."
        )


def _below_bound(name, actual):
    """Every grad_check[key] is a float between 0 and 1e-7."""
    _check_keys(name, actual)
    for key in KEYS:
        label, value = f"grad_check[{key!r}]", actual[key]
        check_float(label, value, 0.0, rtol=0, atol=1e300)  # a float, not NaN
        if not 0 <= value <= 1e-7:
            raise CheckFailed(
                f"{label} is {value:.3g}, but a correct rnn_backward gives a relative error "
                "between 0 and 1e-7 against numeric_gradient with eps=1e-4. A larger one means "
                "that rnn_backward (Task 2) or numeric_gradient (Task 3) has a bug: their tests "
                "say which."
            )


def grad_check_bound():
    """Rule: grad_check holds one float per parameter, each between 0 and 1e-7."""
    return Rule(_below_bound)


def _rel(a, b):
    """max|a - b| / max(1e-8, max(|a| + |b|)), broadcasting a against b (None if they cannot)."""
    try:
        return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))
    except ValueError:
        return None


def _near(value, other, factor):
    """Whether the positive numbers ``value`` and ``other`` differ by less than ``factor``."""
    try:
        return bool(value > 0 and other > 0 and abs(np.log(value / other)) < np.log(factor))
    except (TypeError, ValueError):
        return False


def _grad_check_slips(value, key, analytic, numeric, eps_1e6, one_sided, float32):
    """The hints whose number ``value`` is near (or TYPED_IN if none): slips of Task 5."""
    a, n = analytic[key], numeric[key]
    candidates = [
        (Mistake.EPS_NOT_1E4, [_rel(a, eps_1e6[key])], 3),
        (Mistake.ONE_SIDED_CHECK, [_rel(a, one_sided[key])], 1.01),
        (Mistake.CHECK_IN_FLOAT32, [float32[key]], 3),
        (Mistake.NOT_TASK_4_FORMULA, list(_formula_slips(a, n).values()), 1.01),
        (Mistake.OTHER_PARAMETER, [_rel(analytic[o], n) for o in KEYS if o != key], 1.01),
    ]
    hints = [h for h, values, f in candidates if any(_near(value, v, f) for v in values)]
    return hints or [Mistake.TYPED_IN]


def _grad_check_agrees(name, actual, eps_1e6, one_sided, float32):
    """grad_check[key] = relative_error(grads[key], numeric[key]) of the student's own
    rnn_backward and numeric_gradient (eps=1e-4) to rtol 1e-3, and at most 1e-7."""
    if type(actual) is not tuple or len(actual) != 3:
        raise CheckFailed(f"{name}: expected the tuple (grad_check, grads, numeric)")
    stored, analytic, numeric = actual
    _check_keys("grad_check", stored)
    if type(analytic) is not dict or set(analytic) != set(KEYS):
        raise CheckFailed("rnn_backward must return grads as a dict keyed 'W_xh', 'W_hh', 'b_h'")
    for key in KEYS:
        check_type_and_shape(f"rnn_backward's grads[{key!r}]", analytic[key], eps_1e6[key])
        check_type_and_shape(f"numeric_gradient for {key}", numeric[key], eps_1e6[key])
    for key in KEYS:
        value = stored[key]
        hints = _grad_check_slips(value, key, analytic, numeric, eps_1e6, one_sided, float32)
        check_float(
            f"grad_check[{key!r}], compared with the relative error recomputed from your "
            f"rnn_backward and numeric_gradient (eps=1e-4) on the same data",
            value,
            gradients.relative_error(analytic[key], numeric[key]),
            rtol=1e-3,
            atol=0,
            mistakes={hint: value for hint in hints},
        )
    _below_bound("grad_check", stored)


def _loss(key, x, h0, params, G):
    """w -> L = sum(G * h) with params[key] = w, by the reference forward pass."""
    return lambda w: float(np.sum(G * rnn.forward(x, h0, {**params, key: w})[0]))


def grad_check(x, h0, params, G):
    """Rule: grad_check[key] is the relative error between the student's rnn_backward and
    numeric_gradient (eps=1e-4) on Task 5's problem, and at most 1e-7.

    Its data, to name the slips: the reference numeric gradients with eps=1e-6 and
    one-sided, and the relative errors of the whole check run in float32.
    """
    as32 = [a.astype(np.float32) for a in (x, h0, G)]
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    analytic32 = rnn.backward(as32[2], rnn.forward(as32[0], as32[1], p32)[1])[2]
    data = {"eps_1e6": {}, "one_sided": {}, "float32": {}}
    for key in KEYS:
        f = _loss(key, x, h0, params, G)
        data["eps_1e6"][key] = _centred(f, params[key], 1e-6)
        data["one_sided"][key] = _one_sided(f, params[key], 1e-4)
        n32 = _centred(_loss(key, as32[0], as32[1], p32, as32[2]), p32[key], 1e-4)
        data["float32"][key] = gradients.relative_error(analytic32[key], n32)
    return Rule(_grad_check_agrees, data)


def _norms(x, h0, p, dh_T, slip=None):
    """||dL/dh_t||, t = 0..T, going back by Task 1's dh_prev with ``slip`` built in."""
    h = rnn.forward(x, h0, p)[0]
    states = [h0, *(h[:, t] for t in range(x.shape[1]))]
    g, norms = dh_T, [np.linalg.norm(dh_T)]
    for t in range(x.shape[1], 0, -1):
        g = _step(g, x[:, t - 1], states[t - 1], states[t], p, slip)[1]
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


def state_norms(x, h0, params, dh_T, atol=1e-12):
    """||dL/dh_t|| for t = 0..T when the loss reads only h_T (dL/dh_T = dh_T), each from the
    reference BPTT of the steps after t, and what the slips give."""
    h, _ = rnn.forward(x, h0, params)
    T, norms = x.shape[1], []
    for t in range(T):
        _, cache = rnn.forward(x[:, t:], h0 if t == 0 else h[:, t - 1], params)
        dh = np.zeros_like(cache["h"])
        dh[:, -1] = dh_T
        norms.append(np.linalg.norm(rnn.backward(dh, cache)[1]))
    right = np.array([*norms, np.linalg.norm(dh_T)])
    slips = (*DERIVATIVE_SLIPS, Mistake.DH_PREV_NOT_TRANSPOSED)
    mistakes = {s: _norms(x, h0, params, dh_T, s) for s in slips}
    mistakes |= {Mistake.NORMS_REVERSED: right[::-1], Mistake.NORMS_MISSING_H0: right[1:]}
    return Expected(right, rtol=1e-6, atol=atol, mistakes=mistakes, axes="(T + 1,)")


def spectral(W, rho):
    """W rho / max|eigenvalue of W|, and what other sizes of W give in its place."""
    radius = np.max(np.abs(np.linalg.eigvals(W)))
    mistakes = {
        Mistake.SINGULAR_VALUE: W * (rho / np.linalg.norm(W, 2)),
        Mistake.MAX_ENTRY: W * (rho / np.max(np.abs(W))),
        Mistake.FROBENIUS: W * (rho / np.linalg.norm(W)),
        Mistake.RADIUS_INVERTED: W * (radius / rho),
    }
    return _expected(W * (rho / radius), mistakes, "(H, H)", W)


def decay_rate(norms):
    """r = e^(-s), s the least-squares slope of log(norms[t]) against t = 0..T, to 1e-6."""
    t = np.arange(len(norms))
    slope = np.polyfit(t, np.log(norms), 1)[0]
    mistakes = {
        Mistake.RATE_SLOPE: float(slope),
        Mistake.RATE_INVERSE: float(np.exp(slope)),
        Mistake.RATE_LOG10: float(np.exp(-np.polyfit(t, np.log10(norms), 1)[0])),
        Mistake.RATE_ENDPOINTS: float((norms[0] / norms[-1]) ** (1 / (len(norms) - 1))),
    }
    return Expected(float(np.exp(-slope)), rtol=1e-6, atol=0, mistakes=mistakes)


def experiment(rho, W_base, x, h0, params, dh_T, part):
    """Task 9 at spectral radius rho: "norms", Task 6's norms with W_hh = W_base scaled to
    radius rho, or "rate", their decay rate."""
    p = {**params, "W_hh": spectral(W_base, rho).value}
    norms = state_norms(x, h0, p, dh_T, atol=1e-300)
    return norms if part == "norms" else decay_rate(norms.value)


def _experiment_agrees(name, actual, radii):
    """norms_by_radius and rates equal the student's functions run again; rates[0.5] < 1."""
    norms_by_radius, rates, scaled, norms_again, rates_again = actual
    for label, value in (("norms_by_radius", norms_by_radius), ("rates", rates)):
        if type(value) is not dict or set(value) != set(radii):
            got = f"the keys {list(value)}" if isinstance(value, dict) else type(value)
            raise CheckFailed(f"{label} must be a dict keyed by the radii {radii}; got {got}.")
    W_base = cases.experiment()[0]
    for rho, W, norms, rate in zip(radii, scaled, norms_again, rates_again, strict=True):
        check_type_and_shape(f"scale_to_spectral_radius(W_base, {rho})", W, W_base, "(H, H)")
        label = f"norms_by_radius[{rho}], compared with your state_gradient_norms"
        check_array(label, norms_by_radius[rho], norms, rtol=1e-9, atol=1e-300, axes="(T_exp + 1,)")
        label = f"rates[{rho}], compared with your decay_rate of those norms"
        check_float(label, rates[rho], rate, rtol=1e-9, atol=0)
    if not 0 < rates[0.5] < 1:
        raise CheckFailed(
            f"rates[0.5] is {rates[0.5]:.3g}: with spectral radius 0.5 the gradient vanishes, so "
            "the rate must lie between 0 and 1."
        )


def experiment_consistent():
    """Rule: norms_by_radius and rates, keyed by Task 9's radii, are what the student's own
    functions give (rtol 1e-9) with W_base scaled to a real matrix of its shape, and the rate
    at radius 0.5 lies between 0 and 1."""
    return Rule(_experiment_agrees, {"radii": list(RADII)})


def clip(grads, max_norm, part):
    """``part`` of clipping by the global norm ||g|| = sqrt(sum_k sum_i g_ki^2): "clipped",
    g max_norm / ||g|| if ||g|| > max_norm else g, or "norm", ||g|| before clipping."""
    clipped, norm = gradients.clip_by_global_norm(grads, max_norm)
    rtol, atol = tolerance(grads)
    if part == "norm":
        mistakes = {Shared.NORM_AFTER_CLIPPING: min(norm, max_norm), Mistake.SQUARED_NORM: norm**2}
        return Expected(norm, rtol, atol, mistakes)
    own = {k: np.linalg.norm(g) for k, g in grads.items()}
    mistakes = {
        Shared.CLIP_BY_VALUE: gradients.clip_by_value(grads, max_norm),
        Mistake.CLIP_PER_ARRAY: {
            k: g * (max_norm / own[k]) if own[k] > max_norm else g for k, g in grads.items()
        },
    }
    if norm > 0:
        mistakes[Shared.CLIP_SCALED_UP] = {k: g * (max_norm / norm) for k, g in grads.items()}
    return Expected(clipped, rtol, atol, mistakes)

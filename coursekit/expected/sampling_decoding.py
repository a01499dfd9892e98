"""What the tests of 08_sampling_decoding expect: softmax with a temperature, one id drawn
with a seeded generator, perplexity from logits, and greedy decoding with a given step."""

from enum import StrEnum

import numpy as np

from coursekit import decoding
from coursekit.checks import Expected

from . import tolerance


class Mistake(StrEnum):
    SOFTMAX_T_MULTIPLIED = (
        "temperature multiplied: the logits are divided by the temperature, "
        "softmax(z / temperature), not multiplied by it"
    )
    SOFTMAX_T_IGNORED = (
        "temperature ignored: the result is softmax(z / temperature) with the temperature given"
    )
    SOFTMAX_NO_MAX = (
        "no maximum subtracted: exp of a large logit overflows to inf and inf / inf is NaN; "
        "subtract each row's maximum before the exp"
    )
    SOFTMAX_GLOBAL_MAX = (
        "the maximum of the whole array subtracted: subtract each row's own maximum "
        "(max over axis=-1, keepdims=True), or a row far below it underflows to 0 / 0"
    )
    SOFTMAX_AXIS_0 = (
        "normalised over axis 0: the softmax runs over the last axis, the V scores of one "
        "position (axis=-1, keepdims=True)"
    )
    SOFTMAX_AXIS_1 = (
        "normalised over axis 1: with logits of shape (B, T, V) the V scores of one position "
        "lie along the last axis; axis=-1 works for every shape"
    )
    SOFTMAX_WHOLE_ARRAY = (
        "normalised over the whole array: every row (the V scores of one position) sums to 1 "
        "on its own; sum over axis=-1 with keepdims=True"
    )
    TEMPERATURE_ACCEPTED = (
        "temperature <= 0 accepted: the temperature must be > 0; raise ValueError for 0 and for "
        "a negative temperature"
    )
    SAMPLE_ARGMAX = (
        "argmax instead of a draw: sample the id with rng.choice(V, p=probs), which picks each "
        "id with its probability"
    )
    SAMPLE_T_IGNORED = (
        "temperature ignored when sampling: draw from softmax(z / temperature), not softmax(z)"
    )
    SAMPLE_T_MULTIPLIED = (
        "temperature multiplied when sampling: draw from softmax(z / temperature), not from "
        "softmax(z * temperature)"
    )
    SAMPLE_UNIFORM = (
        "uniform draw: rng.integers(V) gives every id the same chance; draw with "
        "rng.choice(V, p=probs)"
    )
    PPL_SUM = (
        "perplexity of the sum: exp of the mean cross-entropy over the B * T positions, not "
        "of their sum"
    )
    PPL_TIME_SUMMED = (
        "summed over time: the mean runs over all B * T positions, not over the batch alone"
    )
    PPL_NO_EXP = "cross-entropy returned: the perplexity is exp of the mean cross-entropy"
    PPL_LOG2 = (
        "log base 2 with exp: a cross-entropy in bits (np.log2) goes with 2 ** H, one in nats "
        "(np.log) with exp"
    )
    PPL_INVERTED = (
        "sign flipped: the cross-entropy is -log p of the target id, so the perplexity is "
        "exp(+mean) and at least 1"
    )
    PPL_NO_SOFTMAX = (
        "logits used as log-probabilities: take the log-softmax of the logits first, "
        "z - max - log(sum(exp(z - max)))"
    )
    PPL_WRONG_AXIS = (
        "log-softmax over axis 1: the V scores of one position lie along the last axis "
        "(axis=-1), not along time"
    )
    PPL_NO_MAX = (
        "no maximum subtracted in the log-softmax: exp of large logits overflows; use "
        "z - max - log(sum(exp(z - max))) over the last axis"
    )
    PPL_LOG_OF_SOFTMAX = (
        "log of the softmax: a probability that underflows to 0 gives log 0 = -inf; compute "
        "the log-softmax directly, z - max - log(sum(exp(z - max)))"
    )
    GREEDY_NO_STOP = "no stop at the end id: stop as soon as the chosen id is end_id"
    GREEDY_END_KEPT = "end id kept: stop at end_id without appending it to the output"
    GREEDY_START_KEPT = (
        "start id in the output: the result begins with the first id chosen, not with start_id"
    )
    GREEDY_ONE_MORE = "one id too many: return at most max_len ids"
    GREEDY_ONE_FEWER = "one id too few: decode up to max_len ids, not max_len - 1"
    GREEDY_STATE_NOT_FED = (
        "state not fed back: pass the state that step returned into the next call of step"
    )
    GREEDY_TOKEN_NOT_FED = (
        "chosen id not fed back: the input of the next step is the id just chosen, not start_id"
    )


def _naive(z, axis=-1, shift_axis=-1):
    """exp(z - max) / sum exp(z - max): max over ``shift_axis``, sum over ``axis`` (None:
    the whole array; shift_axis None with axis -1: the global maximum; False: no maximum)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        shifted = z if shift_axis is False else z - z.max(axis=shift_axis, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=axis, keepdims=axis is not None)


def softmax(logits, temperature=1.0):
    """p = softmax(z / T) over the last axis, and what the common slips give instead."""
    z, T = logits, float(temperature)
    mistakes = {
        Mistake.SOFTMAX_T_MULTIPLIED: _naive(z * T),
        Mistake.SOFTMAX_T_IGNORED: _naive(z),
        Mistake.SOFTMAX_NO_MAX: _naive(z / T, shift_axis=False),
        Mistake.SOFTMAX_GLOBAL_MAX: _naive(z / T, shift_axis=None),
        Mistake.SOFTMAX_WHOLE_ARRAY: _naive(z / T, axis=None, shift_axis=None),
    }
    if z.ndim >= 2:
        mistakes[Mistake.SOFTMAX_AXIS_0] = _naive(z / T, axis=0, shift_axis=0)
    if z.ndim >= 3:
        mistakes[Mistake.SOFTMAX_AXIS_1] = _naive(z / T, axis=1, shift_axis=1)
    rtol, atol = tolerance(logits)
    value = decoding.softmax_temperature(logits, temperature)
    return Expected(value, rtol, atol, mistakes, axes="(..., V), like the logits")


def temperature_raises():
    """1: a temperature <= 0 raises ValueError (0 if it does not)."""
    return Expected(1, mistakes={Mistake.TEMPERATURE_ACCEPTED: 0})


def _draws(probs, seed, n):
    """n ids, each ``rng.choice(V, p=probs)`` with one generator seeded ``seed``."""
    rng = np.random.default_rng(seed)
    return np.array([rng.choice(probs.shape[0], p=probs) for _ in range(n)], dtype=np.int64)


def samples(logits, temperature, seed, n):
    """The n ids that n calls of sample_next draw with one ``default_rng(seed)``, and slips'.

    A draw is ``rng.choice(V, p=softmax(z / T))``, one uniform number per call.
    """
    z, T = logits.astype(np.float64), float(temperature)
    rng = np.random.default_rng(seed)
    value = np.array([decoding.sample_next(z, T, rng) for _ in range(n)], dtype=np.int64)
    uniform = np.random.default_rng(seed)
    mistakes = {
        Mistake.SAMPLE_ARGMAX: np.full(n, np.argmax(z), dtype=np.int64),
        Mistake.SAMPLE_T_IGNORED: _draws(_naive(z), seed, n),
        Mistake.SAMPLE_T_MULTIPLIED: _draws(_naive(z * T), seed, n),
        Mistake.SAMPLE_UNIFORM: np.array([uniform.integers(z.shape[0]) for _ in range(n)]),
    }
    return Expected(value, mistakes=mistakes, axes="(n,), one id per call", rtol=0, atol=0)


def sample(logits, temperature, seed):
    """The id that one call of sample_next draws with ``default_rng(seed)``, and slips'."""
    draws = samples(logits, temperature, seed, 1)
    return Expected(int(draws.value[0]), mistakes={k: int(v[0]) for k, v in draws.mistakes.items()})


def _log_softmax(z, axis=-1, shift=True):
    """z - max - log(sum(exp(z - max))) over ``axis``; without the maximum if not ``shift``."""
    shifted = z - z.max(axis=axis, keepdims=True) if shift else z
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _picked(log_p, targets):
    """log_p[b, t, targets[b, t]] for every position, shape (B, T)."""
    return np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]


def perplexity(logits, targets):
    """PPL = exp(mean over the B T positions of -log softmax(z)[target]), and slips' values."""
    z = logits.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        nll = -_picked(_log_softmax(z), targets)
        H = float(nll.mean())
        mistakes = {
            Mistake.PPL_SUM: float(np.exp(nll.sum())),
            Mistake.PPL_TIME_SUMMED: float(np.exp(nll.sum(axis=1).mean())),
            Mistake.PPL_NO_EXP: H,
            Mistake.PPL_LOG2: float(np.exp(H / np.log(2))),
            Mistake.PPL_INVERTED: float(np.exp(-H)),
            Mistake.PPL_NO_SOFTMAX: float(np.exp(-_picked(z, targets).mean())),
            Mistake.PPL_WRONG_AXIS: float(np.exp(-_picked(_log_softmax(z, 1), targets).mean())),
            Mistake.PPL_NO_MAX: float(
                np.exp(-_picked(_log_softmax(z, shift=False), targets).mean())
            ),
            Mistake.PPL_LOG_OF_SOFTMAX: float(np.exp(-np.log(_picked(_naive(z), targets)).mean())),
        }
    rtol, atol = tolerance(logits)
    return Expected(decoding.perplexity(logits, targets), rtol, atol, mistakes)


def _decode(step, state, start_id, end_id, max_len, slip=None):
    """Greedy decoding as written, or as ``slip`` (a GREEDY_* mistake) writes it."""
    ids, token, first = [], start_id, state
    stop = slip is not Mistake.GREEDY_NO_STOP
    while len(ids) < max_len:
        logits, new = step(start_id if slip is Mistake.GREEDY_TOKEN_NOT_FED else token, state)
        state = first if slip is Mistake.GREEDY_STATE_NOT_FED else new
        token = int(np.argmax(logits))
        if token == end_id and stop:
            ids += [token] if slip is Mistake.GREEDY_END_KEPT else []
            break
        ids.append(token)
    return ids


def greedy(step, state, start_id, end_id, max_len):
    """The ids greedy decoding gives (int64, without start and end id), and the slips' ids."""
    value = decoding.greedy_decode(step, state, start_id, end_id, max_len)
    slips = (
        Mistake.GREEDY_NO_STOP,
        Mistake.GREEDY_END_KEPT,
        Mistake.GREEDY_STATE_NOT_FED,
        Mistake.GREEDY_TOKEN_NOT_FED,
    )
    mistakes = {slip: _decode(step, state, start_id, end_id, max_len, slip) for slip in slips}
    mistakes[Mistake.GREEDY_START_KEPT] = [start_id, *value.tolist()]
    mistakes[Mistake.GREEDY_ONE_MORE] = _decode(step, state, start_id, end_id, max_len + 1)
    if max_len >= 1:
        mistakes[Mistake.GREEDY_ONE_FEWER] = _decode(step, state, start_id, end_id, max_len - 1)
    mistakes = {k: np.array(v, dtype=np.int64) for k, v in mistakes.items()}
    return Expected(value, rtol=0, atol=0, mistakes=mistakes, axes="(L,) with L <= max_len")

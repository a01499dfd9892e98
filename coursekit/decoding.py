r"""Turning a language model's logits into text: temperature, sampling, perplexity, greedy.

A language model gives, at every position, logits z (one score per id of a vocabulary of
V ids). Everything here works on them:

- :func:`softmax_temperature`, p = softmax(z / T): T < 1 sharpens the distribution
  towards the most likely id, T > 1 flattens it towards the uniform one;
- :func:`sample_next`, one id drawn from p with a given ``numpy.random.Generator``;
- :func:`perplexity`, exp of the mean cross-entropy of the ids that came next: V for a
  model that knows nothing, 1 for one that is always sure and right;
- :func:`greedy_decode`, the most likely id at every step, fed back as the next input,
  until an end id or a maximum length.
"""

import numpy as np

from .heads import softmax, softmax_cross_entropy

__all__ = ["greedy_decode", "perplexity", "sample_next", "softmax_temperature"]


def _check_temperature(temperature):
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")


def softmax_temperature(logits, temperature=1.0):
    r"""p_k = exp(z_k / T) / sum_j exp(z_j / T), along the last axis, computed stably.

    The maximum of z / T is subtracted before the exponential (which changes nothing
    mathematically), so large logits do not overflow.

    Parameters
    ----------
    logits : ndarray of shape (..., V)
        Scores z for V ids.
    temperature : float
        T > 0. T = 1 is the plain softmax; T -> 0 puts all the mass on the largest
        score, T -> infinity spreads it evenly.

    Returns
    -------
    p : ndarray of shape (..., V), the dtype of ``logits``
        Non-negative, summing to 1 along the last axis.

    Raises
    ------
    ValueError
        If ``temperature`` is not > 0.
    """
    _check_temperature(temperature)
    return softmax(logits / float(temperature))


def sample_next(logits, temperature, rng):
    r"""One id drawn from p = softmax(z / T): ``rng.choice(V, p=p)``.

    The draw is the inverse of the cumulative distribution at one uniform number:
    with u = ``rng.random()``, the id is the first i with u < p_0 + ... + p_i. It uses
    ``rng`` once and nothing else, so a generator seeded the same gives the same ids.

    Parameters
    ----------
    logits : ndarray of shape (V,)
        Scores for the next id.
    temperature : float
        T > 0.
    rng : numpy.random.Generator

    Returns
    -------
    int
        The id, in 0..V-1.
    """
    if logits.ndim != 1:
        raise ValueError(f"logits has shape {logits.shape}, expected (V,): one position")
    p = softmax_temperature(logits.astype(np.float64), temperature)
    return int(rng.choice(logits.shape[0], p=p))


def perplexity(logits, targets):
    r"""PPL = exp(-(1/N) sum_n log softmax(z_n)[y_n]), the exp of the mean cross-entropy.

    n runs over the N = B T positions. The log-softmax is computed as
    z - max z - log sum exp(z - max z), so neither large nor very negative logits
    overflow or give log 0.

    Parameters
    ----------
    logits : ndarray of shape (B, T, V)
        The model's scores for the id at every position.
    targets : integer ndarray of shape (B, T)
        The ids that came next, in 0..V-1.

    Returns
    -------
    float
        The perplexity, between 1 and infinity (V for uniform logits).
    """
    if logits.ndim != 3:
        raise ValueError(f"logits has shape {logits.shape}, expected (B, T, V)")
    return float(np.exp(softmax_cross_entropy(logits, targets)[0]))


def greedy_decode(step, state, start_id, end_id, max_len):
    r"""y_k = argmax step(y_{k-1}, s_{k-1}).logits, y_0 = start_id, until end_id or max_len.

    At every step the chosen id and the new state are fed back into ``step``. The end id
    stops the decoding and is not part of the result; the start id is not part of it
    either. At most ``max_len`` ids come back.

    Parameters
    ----------
    step : callable
        ``step(token, state) -> (logits, state)``, with logits of shape (V,).
    state : ndarray
        The state before the first step (not modified).
    start_id, end_id : int
        The id fed in first, and the id that ends the output.
    max_len : int
        The largest number of ids to return, >= 0.

    Returns
    -------
    ndarray of dtype int64, shape (L,) with L <= max_len
        The decoded ids y_1 .. y_L.
    """
    if max_len < 0:
        raise ValueError(f"max_len must be >= 0, got {max_len}")
    ids, token = [], start_id
    while len(ids) < max_len:
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids, dtype=np.int64)

r"""Deterministic toy data sets for the course, in plain numpy.

Nothing here downloads anything or imports a framework: every data set is computed from
a formula, and the random ones from a seed, so the book, the exercises and the tests see
the same arrays on every machine. Arrays are batch-first, like the rest of coursekit:
inputs X of shape (N, T, D) for N sequences of T steps with D features.

Forecasting windows. From a series s_0, s_1, ..., s_{L-1} and a window length n,

    X[i] = (s_i, s_{i+1}, ..., s_{i+n-1}),    y[i] = s_{i+n},    i = 0 .. L-n-1,

so each window of n consecutive values predicts the value that follows it
(:func:`make_windows`); :func:`chronological_split` keeps the last windows for validation.

Text for the language-model chapter, from :mod:`coursekit.text`: :func:`load_text` (a
public-domain book shipped in the package), the character :class:`Vocabulary` (encode,
decode), :func:`train_validation_split` and :func:`bptt_windows` ((batch, time) windows
for truncated BPTT, each row continuing the same row of the window before).
"""

import numpy as np

from coursekit._validate import check_int
from coursekit.text import (
    DEFAULT_TEXT,
    Vocabulary,
    bptt_windows,
    load_text,
    train_validation_split,
)

__all__ = [
    "DEFAULT_TEXT",
    "Vocabulary",
    "adding_problem",
    "bptt_windows",
    "chronological_split",
    "cosine_forecasting",
    "load_text",
    "make_windows",
    "next_number",
    "sequence_classification",
    "sine_forecasting",
    "train_validation_split",
]


def _check_windows(X, y):
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError("X and y must be numpy arrays, as returned by make_windows")
    if X.ndim < 2:
        raise ValueError(f"X has shape {X.shape}, expected (N, n_steps, features)")
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(
            f"X and y must hold the same number of windows, got {X.shape[0]} and {y.shape[0]}"
        )


def make_windows(series, n_steps):
    """Cut a series into windows of n_steps values, each predicting the value after it.

    X[i] = (s_i, ..., s_{i+n_steps-1}) and y[i] = s_{i+n_steps}, for i = 0 .. N-1 with
    N = L - n_steps windows from a series of length L. The windows overlap: window i+1
    is window i shifted by one step, and the target of window i is the last input of
    window i+1. They are returned in time order. (The exercises ask students to write
    this function themselves under the name ``create_dataset(sequence, n_steps)``.)

    Parameters
    ----------
    series : array_like of shape (L,)
        The values s_0 .. s_{L-1}, in time order.
    n_steps : int
        The window length n_steps, at least 1 and less than L.

    Returns
    -------
    X : ndarray of shape (N, n_steps, 1)
        The input windows, with one feature per step (Keras and PyTorch want the trailing
        feature axis). A copy: writing into it does not change ``series``.
    y : ndarray of shape (N, 1)
        The value that follows each window, y[i] = series[i + n_steps].
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"series has shape {series.shape}, expected a 1-D series of shape (L,)")
    n_steps = check_int("n_steps", n_steps, 1)
    if n_steps >= len(series):
        raise ValueError(
            f"n_steps = {n_steps} leaves no window with a target in a series of length "
            f"{len(series)}; n_steps must be less than the series length"
        )
    windows = np.lib.stride_tricks.sliding_window_view(series[:-1], n_steps)
    X = np.ascontiguousarray(windows)[:, :, None]
    y = series[n_steps:, None].copy()
    return X, y


def chronological_split(X, y, n_val):
    """Keep the last n_val windows for validation, without shuffling.

    With N windows in time order, windows 0 .. N-n_val-1 train and windows
    N-n_val .. N-1 validate, so every validation target comes after every training
    target: y_val[j] = s_{N-n_val+j+n_steps} and the last training target is
    s_{N-n_val-1+n_steps}. Shuffling before splitting would instead put validation
    targets between training targets, and a model that has learnt the neighbours of a
    point would be scored on the point itself.

    Leakage caveat: the windows overlap, so the first validation windows *read* values
    that were training targets (every input of the first validation window was the
    target of one of the last n_steps training windows). That is honest for one-step
    forecasting, since when a forecast is made the past is observed; what must not
    happen, and cannot happen here, is a validation *target* that the model was trained
    to predict. To score forecasts whose inputs the model has never seen either, drop
    n_steps windows between the two sets.
    On a periodic series (the sine and cosine examples) validation is still easy, since
    the future repeats the past; say so when reporting a validation error.

    Parameters
    ----------
    X : ndarray of shape (N, n_steps, features)
        Windows in time order, as returned by :func:`make_windows`.
    y : ndarray of shape (N, ...)
        Their targets.
    n_val : int
        How many windows to hold out, 1 <= n_val < N.

    Returns
    -------
    X_train : ndarray of shape (N - n_val, n_steps, features)
    y_train : ndarray of shape (N - n_val, ...)
    X_val : ndarray of shape (n_val, n_steps, features)
    y_val : ndarray of shape (n_val, ...)
    """
    _check_windows(X, y)
    n_val = check_int("n_val", n_val, 1, what="at least one validation window")
    N = X.shape[0]
    if n_val >= N:
        raise ValueError(
            f"n_val = {n_val} leaves no training windows out of {N}; n_val must be less than {N}"
        )
    cut = N - n_val
    return X[:cut], y[:cut], X[cut:], y[cut:]


def _forecasting(x, series, n_steps, n_val, dtype):
    X, y = make_windows(series, n_steps)
    X_train, y_train, X_val, y_val = chronological_split(X, y, n_val)
    x_targets = x[n_steps:]
    n_train = len(y_train)
    return {
        "x": x,
        "series": series,
        "X_train": X_train.astype(dtype),
        "y_train": y_train.astype(dtype),
        "X_val": X_val.astype(dtype),
        "y_val": y_val.astype(dtype),
        "x_targets_train": x_targets[:n_train],
        "x_targets_val": x_targets[n_train:],
    }


def sine_forecasting(n_points=500, x_max=50.0, n_steps=10, val_fraction=0.2, dtype=np.float32):
    """Windows of sin(x) on [0, x_max], the end of the series held out for validation.

    s_k = sin(x_k) with x_k = k x_max / (n_points - 1), k = 0 .. n_points-1 (evenly
    spaced, both ends included); windows of n_steps values predict the next value
    (:func:`make_windows`), and the last round(val_fraction * N) of the
    N = n_points - n_steps windows are validation (:func:`chronological_split`). The
    defaults are the book's: 500 points on [0, 50], windows of 10, so 490 windows,
    392 for training and 98 for validation.

    Parameters
    ----------
    n_points : int
        L, the length of the series.
    x_max : float
        The series covers x in [0, x_max].
    n_steps : int
        The window length, less than n_points.
    val_fraction : float
        The share of windows held out, in (0, 1); at least one window on each side.
    dtype : numpy dtype
        Of every returned array (float32 suits Keras and PyTorch).

    Returns
    -------
    data : dict of str to ndarray
        ``x`` (L,) and ``series`` (L,) the whole curve; ``X_train`` (N_train, n_steps, 1),
        ``y_train`` (N_train, 1), ``X_val`` (N_val, n_steps, 1), ``y_val`` (N_val, 1);
        ``x_targets_train`` (N_train,) and ``x_targets_val`` (N_val,), the x at which
        each target lies, for plotting predictions against the curve.
    """
    return _periodic("sin", n_points, 0.0, x_max, n_steps, val_fraction, None, dtype)


def cosine_forecasting(
    n_points=3000, x_min=1.0, x_max=100.0, n_steps=500, n_val=500, dtype=np.float32
):
    """Long windows of cos(x) on [x_min, x_max], the last n_val windows for validation.

    s_k = cos(x_k) with x_k = x_min + k (x_max - x_min) / (n_points - 1), k = 0 ..
    n_points-1; windows of n_steps values predict the next value (:func:`make_windows`)
    and the last n_val of the N = n_points - n_steps windows are validation
    (:func:`chronological_split`). The defaults are the book's: 3000 points on [1, 100],
    windows of 500, so 2500 windows, 2000 for training and 500 for validation.

    Parameters
    ----------
    n_points : int
        L, the length of the series.
    x_min, x_max : float
        The series covers x in [x_min, x_max].
    n_steps : int
        The window length, less than n_points.
    n_val : int
        How many windows to hold out, 1 <= n_val < N.
    dtype : numpy dtype
        Of every returned array.

    Returns
    -------
    data : dict of str to ndarray
        The same keys as :func:`sine_forecasting`: ``x`` (L,), ``series`` (L,),
        ``X_train`` (N - n_val, n_steps, 1), ``y_train`` (N - n_val, 1),
        ``X_val`` (n_val, n_steps, 1), ``y_val`` (n_val, 1), ``x_targets_train``,
        ``x_targets_val``.
    """
    return _periodic("cos", n_points, x_min, x_max, n_steps, None, n_val, dtype)


def _periodic(name, n_points, x_min, x_max, n_steps, val_fraction, n_val, dtype):
    n_points = check_int("n_points", n_points, 2)
    n_steps = check_int("n_steps", n_steps, 1)
    if not x_max > x_min:
        raise ValueError(f"x_max must be greater than x_min = {x_min}, got {x_max}")
    if n_steps >= n_points:
        raise ValueError(
            f"n_steps = {n_steps} must be less than n_points = {n_points}, "
            "or no window has a value after it to predict"
        )
    N = n_points - n_steps
    if n_val is None:
        if not 0.0 < val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
        n_val = round(val_fraction * N)
        if not 1 <= n_val < N:
            raise ValueError(
                f"val_fraction = {val_fraction} of {N} windows gives {n_val} validation "
                "windows; choose it so that both sets hold at least one window"
            )
    x = np.linspace(x_min, x_max, n_points).astype(dtype)
    series = getattr(np, name)(x.astype(np.float64)).astype(dtype)
    return _forecasting(x, series, n_steps, n_val, dtype)


def next_number(n=100, n_steps=10, scale=True, dtype=np.float32):
    """Windows of the counting sequence 0, 1, ..., n-1, each predicting the next number.

    s_k = k / c for k = 0 .. n-1 with c = n when ``scale`` (so the inputs lie in
    [0, 1), where tanh units are not saturated) and c = 1 otherwise; X[i] = (s_i, ...,
    s_{i+n_steps-1}) and y[i] = s_{i+n_steps} (:func:`make_windows`). Multiply a
    prediction by ``data["scale"]`` to read it as a number again. The query window
    (n - n_steps, ..., n - 1) / c asks for n / c, the number after the series: a target
    above every training target (the largest is (n - 1) / c), so the model has to
    extrapolate, which networks with saturating units do poorly.

    Parameters
    ----------
    n : int
        The length of the sequence 0 .. n-1; the book uses 100.
    n_steps : int
        The window length, less than n.
    scale : bool
        Divide by c = n (True) or leave the raw counts (False, to show why scaling matters).
    dtype : numpy dtype
        Of every returned array.

    Returns
    -------
    data : dict
        ``sequence`` (n,) the scaled sequence s; ``X`` (n - n_steps, n_steps, 1) and
        ``y`` (n - n_steps, 1) every window and its target; ``X_query`` (1, n_steps, 1)
        the last n_steps numbers; ``y_query`` (1, 1) the true next number n / c;
        ``scale`` the float c.
    """
    n = check_int("n", n, 2)
    n_steps = check_int("n_steps", n_steps, 1)
    if n_steps >= n:
        raise ValueError(f"n_steps = {n_steps} must be less than n = {n}")
    c = float(n) if scale else 1.0
    sequence = (np.arange(n, dtype=np.float64) / c).astype(dtype)
    X, y = make_windows(sequence, n_steps)
    return {
        "sequence": sequence,
        "X": X,
        "y": y,
        "X_query": sequence[None, n - n_steps :, None].copy(),
        "y_query": np.array([[n / c]], dtype=dtype),
        "scale": c,
    }


def adding_problem(n_samples, T, seed=0, dtype=np.float32):
    """The adding problem (Hochreiter and Schmidhuber, 1997): add the two marked values.

    Each sequence has T steps of two channels: a value v_t ~ U(-1, 1) and a marker m_t,
    which is 1 at exactly two distinct steps p < q (drawn uniformly among all pairs) and
    0 elsewhere. The target is

        y = sum_t m_t v_t = v_p + v_q.

    The network has to remember v_p for up to T - 1 steps. Since E[y] = 0 and
    Var(y) = 2 Var(v) = 2/3, always predicting the mean scores MSE = 2/3: that is the
    baseline to beat. A sequence counts as solved when |prediction - y| < 0.04.

    Parameters
    ----------
    n_samples : int
        N, the number of sequences.
    T : int
        The sequence length, at least 2 (room for two markers).
    seed : int or numpy.random.Generator
        Same seed, same arrays.
    dtype : numpy dtype

    Returns
    -------
    X : ndarray of shape (N, T, 2)
        X[..., 0] the values v_t, X[..., 1] the markers m_t.
    y : ndarray of shape (N, 1)
        The sum of the two marked values.
    """
    n_samples = check_int("n_samples", n_samples, 1)
    T = check_int("T", T, 2, what="two steps must be marked")
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.0, 1.0, size=(n_samples, T))
    first = rng.integers(0, T, size=n_samples)
    second = rng.integers(0, T - 1, size=n_samples)
    second += second >= first  # a uniform draw among the T - 1 other steps
    markers = np.zeros((n_samples, T))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1).astype(dtype)
    y = (X[..., 0].astype(np.float64) * X[..., 1]).sum(axis=1, keepdims=True).astype(dtype)
    return X, y


def sequence_classification(
    n_samples, n_steps=10, n_features=8, n_classes=3, seed=0, trend=1.0, noise=0.5
):
    """Classify sequences by which feature rises over time; the time average shows nothing.

    For sample n with class k = y_n, feature f at step t is

        X[n, t, f] = b_{n,f} + trend * s_t * [f = k] + noise * e_{n,t,f},
        s_t = -1 + 2 t / (n_steps - 1),   b_{n,f} ~ N(0, 1),   e_{n,t,f} ~ N(0, 1),

    so the class decides which of the first n_classes features carries a ramp from
    -trend to +trend, hidden under a random per-sample offset b and step noise. The
    ramp averages to zero over time and the offset is the same for every class, so the
    mean over time has the same distribution in every class: a model that averages the
    steps is at chance, 1 / n_classes, and one that reads the last step only reaches
    about 60% with the defaults. Comparing early steps with late ones solves it: the
    least-squares slope of each feature, argmax over the first n_classes features, is
    right 99.6% of the time with the defaults, and a 32-unit RNN, LSTM or GRU trained
    on 2000 sequences (Adam 1e-3, batch 32) passes 85% within 5 epochs and 95% within
    10. Classes are balanced: their counts differ by at most one.

    Parameters
    ----------
    n_samples : int
        N, the number of sequences.
    n_steps : int
        T, the sequence length, at least 2.
    n_features : int
        D, the number of features per step, at least n_classes.
    n_classes : int
        At least 2.
    seed : int or numpy.random.Generator
        Same seed, same arrays.
    trend : float
        The ramp's half-height; smaller is harder.
    noise : float
        The standard deviation of the step noise; larger is harder.

    Returns
    -------
    X : ndarray of shape (N, n_steps, n_features), float32
    y : ndarray of shape (N,), int64
        The class of each sequence, in 0 .. n_classes-1.
    """
    n_samples = check_int("n_samples", n_samples, 1)
    n_steps = check_int("n_steps", n_steps, 2, what="a trend needs two steps")
    n_classes = check_int("n_classes", n_classes, 2)
    n_features = check_int("n_features", n_features, n_classes, what="one trend feature per class")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)
    offset = rng.standard_normal((n_samples, 1, n_features))
    X = offset + noise * rng.standard_normal((n_samples, n_steps, n_features))
    ramp = np.linspace(-1.0, 1.0, n_steps)
    X[np.arange(n_samples), :, y] += trend * ramp
    return X.astype(np.float32), y

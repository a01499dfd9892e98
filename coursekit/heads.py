r"""Output heads and losses: what turns hidden states into predictions and a number to minimise.

A dense (affine) head reads a hidden state and gives an output, y_t = h_t W_hy + b_y,
with W_hy of shape (H, O) and b_y of shape (O,) in row-vector batched code. The
topologies differ only in which states it reads:

- many-to-one: only the last state, y = h_T W_hy + b_y, shape (B, O);
- many-to-many: every state, y_t = h_t W_hy + b_y, shape (B, T, O).

The losses are means (over every element for the squared error, over every label for
the cross-entropy) and return the loss together with its gradient with respect to the
prediction, so a training step reads loss, dy = mse_loss(y, y_true) and then walks the
backward functions down.
"""

import numpy as np

from ._init import uniform_params
from ._validate import check_params, check_shape


def param_shapes(n_hidden, n_outputs):
    """Shapes of the parameters of the dense head y_t = h_t W_hy + b_y.

    W_hy (H, O), b_y (O,) for H = n_hidden and O = n_outputs.
    """
    return {"W_hy": (n_hidden, n_outputs), "b_y": (n_outputs,)}


def init_dense(n_hidden, n_outputs, seed=0, dtype=np.float64):
    """Draw W_hy and b_y from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's nn.Linear does.

    Parameters
    ----------
    n_hidden : int
        H, the size of the hidden state the head reads.
    n_outputs : int
        O, the number of outputs.
    seed : int or numpy.random.Generator
    dtype : numpy dtype

    Returns
    -------
    params : dict of str to ndarray
        ``W_hy`` (H, O), ``b_y`` (O,).
    """
    return uniform_params(param_shapes(n_hidden, n_outputs), n_hidden, seed, dtype)


def _check_dense_params(params):
    check_shape("params['W_hy']", params.get("W_hy", np.empty(0)), (None, None), "(H, O)")
    H, O = params["W_hy"].shape
    check_params(params, param_shapes(H, O))
    return H, O


def _check_states(h, H, time_axis):
    """h of shape (B, T, H) when time_axis, else (B, H) or (B, T, H)."""
    if not isinstance(h, np.ndarray):
        raise TypeError(f"h must be a numpy array, got {type(h).__name__}")
    if time_axis or h.ndim == 3:
        check_shape("h", h, (None, None, H), f"(batch, time, H) with H = {H}")
    elif h.ndim == 2:
        check_shape("h", h, (None, H), f"(batch, H) with H = {H}")
    else:
        raise ValueError(
            f"h has shape {h.shape}, expected (?, {H}) = (batch, H) "
            f"or (?, ?, {H}) = (batch, time, H) with H = {H}"
        )


def dense_forward(h, params):
    """y = h W_hy + b_y, on one state per example or on every step of a sequence.

    Parameters
    ----------
    h : ndarray of shape (B, H) or (B, T, H)
    params : dict with ``W_hy`` (H, O), ``b_y`` (O,)

    Returns
    -------
    y : ndarray of shape (B, O) or (B, T, O), like h with H replaced by O
    cache : tuple
        (h, params), what dense_backward needs.
    """
    H, _ = _check_dense_params(params)
    _check_states(h, H, time_axis=False)
    return h @ params["W_hy"] + params["b_y"], (h, params)


def dense_backward(dy, cache):
    """Chain rule through y = h W_hy + b_y: dh = dy W_hy^T, dW_hy = h^T dy, db_y = sum dy.

    The head is shared by every example (and every step), so its gradients sum over the
    batch (and over time).

    Parameters
    ----------
    dy : ndarray of shape (B, O) or (B, T, O), like the forward's y
        dL/dy.
    cache : tuple from dense_forward

    Returns
    -------
    dh : ndarray shaped like the forward's h
    grads : dict with ``W_hy`` (H, O), ``b_y`` (O,)
    """
    h, params = cache
    H, O = params["W_hy"].shape
    check_shape("dy", dy, h.shape[:-1] + (O,), "like the forward's y")
    h2, dy2 = h.reshape(-1, H), dy.reshape(-1, O)
    grads = {"W_hy": h2.T @ dy2, "b_y": dy2.sum(axis=0)}
    return dy @ params["W_hy"].T, grads


def many_to_one_forward(h, params):
    """y = h_T W_hy + b_y: read only the last hidden state of the sequence.

    Parameters
    ----------
    h : ndarray of shape (B, T, H)
        Every hidden state, as a cell's forward returns them.
    params : dict with ``W_hy`` (H, O), ``b_y`` (O,)

    Returns
    -------
    y : ndarray of shape (B, O)
    cache : tuple
        (shape of h, the dense cache), what many_to_one_backward needs.
    """
    H, _ = _check_dense_params(params)
    _check_states(h, H, time_axis=True)
    y, dense_cache = dense_forward(h[:, -1], params)
    return y, (h.shape, dense_cache)


def many_to_one_backward(dy, cache):
    """dL/dh_T = dy W_hy^T, and dL/dh_t = 0 for t < T (the head reads no other step).

    Parameters
    ----------
    dy : ndarray of shape (B, O)
    cache : tuple from many_to_one_forward

    Returns
    -------
    dh : ndarray of shape (B, T, H)
        Zero except at the last step; pass it to the cell's backward.
    grads : dict with ``W_hy`` (H, O), ``b_y`` (O,)
    """
    h_shape, dense_cache = cache
    dh_last, grads = dense_backward(dy, dense_cache)
    dh = np.zeros(h_shape, dtype=dh_last.dtype)
    dh[:, -1] = dh_last
    return dh, grads


def many_to_many_forward(h, params):
    """y_t = h_t W_hy + b_y for every t = 1..T, with the same W_hy and b_y at each step.

    Parameters
    ----------
    h : ndarray of shape (B, T, H)
    params : dict with ``W_hy`` (H, O), ``b_y`` (O,)

    Returns
    -------
    y : ndarray of shape (B, T, O)
    cache : tuple
        The dense cache (h, params), what many_to_many_backward needs.
    """
    H, _ = _check_dense_params(params)
    _check_states(h, H, time_axis=True)
    return dense_forward(h, params)


def many_to_many_backward(dy, cache):
    """dL/dh_t = dy_t W_hy^T at every step; dW_hy = sum_t h_t^T dy_t, db_y = sum_t sum_batch dy_t.

    Parameters
    ----------
    dy : ndarray of shape (B, T, O)
    cache : tuple from many_to_many_forward

    Returns
    -------
    dh : ndarray of shape (B, T, H)
    grads : dict with ``W_hy`` (H, O), ``b_y`` (O,)
    """
    return dense_backward(dy, cache)


def mse_loss(y_pred, y_true):
    """L = mean((y_pred - y_true)^2) over every element, dL/dy_pred = 2 (y_pred - y_true) / N.

    Parameters
    ----------
    y_pred : ndarray of any shape
    y_true : ndarray of the same shape

    Returns
    -------
    loss : float
    dy : ndarray shaped like y_pred
    """
    if not isinstance(y_pred, np.ndarray):
        raise TypeError(f"y_pred must be a numpy array, got {type(y_pred).__name__}")
    check_shape("y_true", y_true, y_pred.shape, "the shape of y_pred")
    diff = y_pred - y_true
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def softmax(logits):
    """p_k = exp(z_k - max_j z_j) / sum_j exp(z_j - max_j z_j), along the last axis.

    Subtracting the maximum changes nothing mathematically and keeps exp from
    overflowing for large logits.

    Parameters
    ----------
    logits : ndarray of shape (..., C)
        Scores for C classes, for example the O = C outputs of a dense head.

    Returns
    -------
    p : ndarray of shape (..., C)
        Non-negative, summing to 1 along the last axis.
    """
    if not isinstance(logits, np.ndarray):
        raise TypeError(f"logits must be a numpy array, got {type(logits).__name__}")
    if logits.ndim == 0:
        raise ValueError("logits has shape (), expected (..., C) = at least one axis of classes")
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """L = -mean_n log softmax(z_n)[y_n], dL/dz_n = (softmax(z_n) - onehot(y_n)) / N.

    n runs over every labelled position: the B examples for logits (B, C), the B*T steps
    for logits (B, T, C); N is their number.

    Parameters
    ----------
    logits : ndarray of shape (B, C) or (B, T, C)
        Unnormalised scores z for C classes, for example the output y of a dense head
        with O = C outputs.
    labels : integer ndarray of shape (B,) or (B, T)
        Class indices y in 0..C-1, shaped like logits without its last axis.

    Returns
    -------
    loss : float
    dlogits : ndarray shaped like logits
    """
    if not isinstance(logits, np.ndarray):
        raise TypeError(f"logits must be a numpy array, got {type(logits).__name__}")
    if logits.ndim not in (2, 3):
        raise ValueError(
            f"logits has shape {logits.shape}, expected (batch, classes) or (batch, time, classes)"
        )
    C = logits.shape[-1]
    what = "(batch,)" if logits.ndim == 2 else "(batch, time)"
    check_shape("labels", labels, logits.shape[:-1], f"{what}, like logits without its last axis")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must hold integer class indices, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(
            f"labels must lie in 0..{C - 1} (C = {C} classes), "
            f"got values from {labels.min()} to {labels.max()}"
        )
    z = logits.reshape(-1, C)
    y = labels.reshape(-1)
    rows = np.arange(y.size)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dz = np.exp(log_p)
    dz[rows, y] -= 1.0
    dz /= y.size
    return float(-log_p[rows, y].mean()), dz.reshape(logits.shape)

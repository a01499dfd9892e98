r"""The plain (Elman) recurrent cell, forward and backward, in numpy.

Column-vector maths in the book, row-vector batched code here: with a batch of B rows,
x_t has shape (B, D), h_t shape (B, H), and

    a_t = x_t W_xh + h_{t-1} W_hh + b_h,      h_t = f(a_t),

with W_xh of shape (D, H), W_hh of shape (H, H), b_h of shape (H,) and f = tanh or relu.
Sequences are batch-first: x of shape (B, T, D), hidden states h of shape (B, T, H).
"""

import numpy as np

from ._init import uniform_params
from ._validate import check_params, check_shape, check_truncate
from .activations import ACTIVATIONS


def param_shapes(n_inputs, n_hidden):
    """Shapes of the parameters of h_t = phi(x_t W_xh + h_{t-1} W_hh + b_h).

    W_xh (D, H), W_hh (H, H), b_h (H,) for D = n_inputs and H = n_hidden.
    """
    D, H = n_inputs, n_hidden
    return {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}


def n_params(n_inputs, n_hidden):
    """Number of parameters: H*D + H*H + H, whatever the sequence length."""
    return n_hidden * n_inputs + n_hidden * n_hidden + n_hidden


def init_params(n_inputs, n_hidden, seed=0, dtype=np.float64):
    """Draw every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch does.

    Parameters
    ----------
    n_inputs : int
        D, the number of input features.
    n_hidden : int
        H, the size of the hidden state.
    seed : int or numpy.random.Generator
    dtype : numpy dtype

    Returns
    -------
    params : dict of str to ndarray
        ``W_xh`` (D, H), ``W_hh`` (H, H), ``b_h`` (H,).
    """
    return uniform_params(param_shapes(n_inputs, n_hidden), n_hidden, seed, dtype)


def _check(x, h_prev, params, activation, time_axis):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if "W_xh" not in params:
        check_params(params, param_shapes(1, 1))  # raises, naming the missing keys
    D, H = check_shape("params['W_xh']", params["W_xh"], (None, None), "(D, H)").shape
    W_hh = params.get("W_hh")
    if isinstance(W_hh, np.ndarray) and W_hh.shape == (D, D) and D != H:
        if isinstance(x, np.ndarray) and x.shape[-1:] == (H,):
            raise ValueError(
                f"params['W_xh'] has shape {(D, H)}, expected (D, H) = ({H}, {D}) for inputs "
                f"with {H} features and W_hh of shape {(D, D)}: it looks transposed"
            )
    check_params(params, param_shapes(D, H))
    if time_axis:
        check_shape("x", x, (None, None, D), f"(batch, time, features) with features = D = {D}")
    else:
        check_shape("x_t", x, (None, D), f"(batch, features) with features = D = {D}")
    name = "h0" if time_axis else "h_prev"
    check_shape(name, h_prev, (x.shape[0], H), f"(batch, H) with H = {H}")


def cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_{t-1} W_hh + b_h).

    Parameters
    ----------
    x_t : ndarray of shape (B, D)
    h_prev : ndarray of shape (B, H)
        h_{t-1}.
    params : dict with ``W_xh`` (D, H), ``W_hh`` (H, H), ``b_h`` (H,)
    activation : {"tanh", "relu"}

    Returns
    -------
    h_t : ndarray of shape (B, H)
    cache : tuple
        (x_t, h_prev, h_t, params, activation), what cell_backward needs.
    """
    _check(x_t, h_prev, params, activation, time_axis=False)
    f = ACTIVATIONS[activation][0]
    h_t = f(x_t @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"])
    return h_t, (x_t, h_prev, h_t, params, activation)


def cell_backward(dh_t, cache):
    """Chain rule through one step: da = dh_t * f'(a_t), then each factor of a_t.

    da_t = dh_t * f'(a_t);  dW_xh = x_t^T da_t;  dW_hh = h_{t-1}^T da_t;
    db_h = sum_batch da_t;  dx_t = da_t W_xh^T;  dh_{t-1} = da_t W_hh^T.

    Parameters
    ----------
    dh_t : ndarray of shape (B, H)
        dL/dh_t.
    cache : tuple from cell_forward

    Returns
    -------
    dx_t : ndarray of shape (B, D)
    dh_prev : ndarray of shape (B, H)
    grads : dict with ``W_xh``, ``W_hh``, ``b_h``, shaped like the parameters
    """
    x_t, h_prev, h_t, params, activation = cache
    check_shape("dh_t", dh_t, h_t.shape, "(batch, H)")
    da = dh_t * ACTIVATIONS[activation][1](h_t)
    grads = {"W_xh": x_t.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}
    return da @ params["W_xh"].T, da @ params["W_hh"].T, grads


def forward(x, h0, params, activation="tanh"):
    """Run the cell over a whole sequence: h_t = f(x_t W_xh + h_{t-1} W_hh + b_h), t = 1..T.

    The input projections x_t W_xh + b_h of all steps are computed with one matrix
    product before the time loop; only h_{t-1} W_hh has to wait for the previous step.

    Parameters
    ----------
    x : ndarray of shape (B, T, D)
    h0 : ndarray of shape (B, H)
        The initial state, often zeros.
    params : dict with ``W_xh`` (D, H), ``W_hh`` (H, H), ``b_h`` (H,)
    activation : {"tanh", "relu"}

    Returns
    -------
    h : ndarray of shape (B, T, H)
        Every hidden state h_1..h_T; h[:, -1] is the final state. Its dtype is that of
        x, h0 and the parameters together (np.result_type).
    cache : dict
        x, h0, h, params and activation, what backward needs.
    """
    _check(x, h0, params, activation, time_axis=True)
    f = ACTIVATIONS[activation][0]
    B, T, _ = x.shape
    dtype = np.result_type(x, h0, *params.values())  # every product runs in this dtype
    W_xh, W_hh, b_h = (params[k].astype(dtype, copy=False) for k in ("W_xh", "W_hh", "b_h"))
    xw = x.astype(dtype, copy=False) @ W_xh + b_h
    h = np.empty((B, T, h0.shape[1]), dtype=dtype)
    h_t = h0.astype(dtype, copy=False)
    for t in range(T):
        h_t = f(xw[:, t] + h_t @ W_hh)
        h[:, t] = h_t
    return h, {"x": x, "h0": h0, "h": h, "params": params, "activation": activation}


def backward(dh, cache, truncate=None):
    """Backpropagation through time over the unrolled sequence.

    Walking t = T..1 the gradient reaching h_t is the loss's own dL/dh_t plus what
    flows back from step t+1; then da_t = that * f'(a_t) and dh_{t-1} = da_t W_hh^T.
    The weights are shared, so their gradients sum over time:

        dW_xh = sum_t x_t^T da_t,  dW_hh = sum_t h_{t-1}^T da_t,  db_h = sum_t sum_batch da_t.

    Parameters
    ----------
    dh : ndarray of shape (B, T, H)
        dL/dh_t for every step from the layers above (zeros where no loss reads h_t).
    cache : dict from forward
    truncate : int >= 1 or None
        Truncated BPTT with k = truncate: the sequence is cut into chunks of k steps and
        no gradient crosses a chunk boundary, as if h were detached every k steps.
        None, or any k >= T, gives full BPTT.

    Returns
    -------
    dx : ndarray of shape (B, T, D)
    dh0 : ndarray of shape (B, H)
    grads : dict with ``W_xh``, ``W_hh``, ``b_h``, shaped like the parameters
    """
    x, h0, h, params = cache["x"], cache["h0"], cache["h"], cache["params"]
    check_shape("dh", dh, h.shape, "(batch, time, H), like the forward's h")
    check_truncate(truncate)
    df = ACTIVATIONS[cache["activation"]][1]
    B, T, D = x.shape
    H = h.shape[2]
    da = np.empty_like(h, dtype=np.result_type(dh, h))
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_next) * df(h[:, t])
        dh_next = da[:, t] @ params["W_hh"].T
        if truncate is not None and t % truncate == 0 and t > 0:
            dh_next = np.zeros_like(dh_next)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da2 = da.reshape(B * T, H)
    grads = {
        "W_xh": x.reshape(B * T, D).T @ da2,
        "W_hh": h_prev.reshape(B * T, H).T @ da2,
        "b_h": da2.sum(axis=0),
    }
    return da @ params["W_xh"].T, dh_next, grads

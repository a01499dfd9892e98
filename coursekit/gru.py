r"""The gated recurrent unit (GRU), forward and backward, in numpy.

Row-vector batched code, as in :mod:`coursekit.rnn`: x_t has shape (B, D), h_t shape
(B, H), and, in PyTorch's form (Keras calls it ``reset_after=True``),

    z_t = σ(x_t W_zx + h_{t-1} W_zh + b_z)                          update gate
    r_t = σ(x_t W_rx + h_{t-1} W_rh + b_r)                          reset gate
    n_t = tanh(x_t W_nx + b_nx + r_t * (h_{t-1} W_nh + b_nh))       candidate
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

with every W_?x of shape (D, H), W_?h of shape (H, H) and the biases of shape (H,).
The reset gate acts after the product h_{t-1} W_nh, so the candidate keeps a bias of its
own inside the product, b_nh, on top of b_nx.

The three blocks read the same x_t and h_{t-1}, so the code stacks their weights side by
side, W_x = [W_zx W_rx W_nx] of shape (D, 3H) and W_h = [W_zh W_rh W_nh] of shape (H, 3H):
one matrix product per step gives all three blocks. The parameters stay a dict keyed by
the book's names; stacking happens inside.
"""

import numpy as np

from ._init import uniform_params
from ._validate import check_params, check_shape, check_truncate
from .activations import dsigmoid, dtanh, sigmoid

GATES = "zrn"


def param_shapes(n_inputs, n_hidden):
    """Shapes of the parameters, gate by gate (z, r, n), in the reset-after form.

    W_kx (D, H), W_kh (H, H) for k in z, r, n; b_z, b_r (H,); and the candidate's two
    biases b_nx, b_nh (H,), for D = n_inputs and H = n_hidden.
    """
    D, H = n_inputs, n_hidden
    return {
        "W_zx": (D, H), "W_zh": (H, H), "b_z": (H,),
        "W_rx": (D, H), "W_rh": (H, H), "b_r": (H,),
        "W_nx": (D, H), "W_nh": (H, H), "b_nx": (H,), "b_nh": (H,),
    }  # fmt: skip


def n_params(n_inputs, n_hidden):
    """Number of parameters: 3 (H*D + H*H + H) + H, the last H for the extra bias b_nh."""
    return 3 * (n_hidden * n_inputs + n_hidden * n_hidden + n_hidden) + n_hidden


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
        ``W_?x`` (D, H), ``W_?h`` (H, H) for ? in z, r, n; ``b_z``, ``b_r``, ``b_nx``,
        ``b_nh`` (H,).
    """
    return uniform_params(param_shapes(n_inputs, n_hidden), n_hidden, seed, dtype)


def _stack(params):
    """W_x (D, 3H), W_h (H, 3H), b_x = [b_z b_r b_nx] (3H,), b_nh (H,): order z r n."""
    W_x = np.concatenate([params[f"W_{k}x"] for k in GATES], axis=1)
    W_h = np.concatenate([params[f"W_{k}h"] for k in GATES], axis=1)
    b_x = np.concatenate([params["b_z"], params["b_r"], params["b_nx"]])
    return W_x, W_h, b_x, params["b_nh"]


def _unstack(a):
    """Split the last axis, 3H, into the three blocks z, r, n (views)."""
    H = a.shape[-1] // 3
    return [a[..., n * H : (n + 1) * H] for n in range(3)]


def _grads(dW_x, dW_h, db_x, db_nh):
    """The stacked gradients back under the parameters' names."""
    (dW_zx, dW_rx, dW_nx), (dW_zh, dW_rh, dW_nh) = _unstack(dW_x), _unstack(dW_h)
    db_z, db_r, db_nx = _unstack(db_x)
    return {
        "W_zx": dW_zx, "W_zh": dW_zh, "b_z": db_z,
        "W_rx": dW_rx, "W_rh": dW_rh, "b_r": db_r,
        "W_nx": dW_nx, "W_nh": dW_nh, "b_nx": db_nx, "b_nh": db_nh,
    }  # fmt: skip


def _check(x, h_prev, params, time_axis):
    if "W_zx" not in params:
        check_params(params, param_shapes(1, 1))  # raises, naming the missing keys
    check_shape("params['W_zx']", params["W_zx"], (None, None), "(D, H)")
    D, H = params["W_zx"].shape
    check_params(params, param_shapes(D, H))
    if time_axis:
        check_shape("x", x, (None, None, D), f"(batch, time, features) with features = D = {D}")
    else:
        check_shape("x_t", x, (None, D), f"(batch, features) with features = D = {D}")
    check_shape(
        "h0" if time_axis else "h_prev", h_prev, (x.shape[0], H), f"(batch, H) with H = {H}"
    )


def _step(xw_t, h_prev, W_h, b_nh):
    """z, r = σ(xw_zr + hw_zr);  n = tanh(xw_n + r * (hw_n + b_nh));  h_t = (1 - z) n + z h_{t-1}.

    ``xw_t`` (B, 3H) is the input projection x_t W_x + b_x and hw = h_{t-1} W_h.
    Returns the gates [z r n] (B, 3H), hn = h_{t-1} W_nh + b_nh (B, H) and h_t (B, H).
    """
    H = h_prev.shape[1]
    hw = h_prev @ W_h
    hn = hw[:, 2 * H :] + b_nh
    zr = sigmoid(xw_t[:, : 2 * H] + hw[:, : 2 * H])
    z, r = zr[:, :H], zr[:, H:]
    n = np.tanh(xw_t[:, 2 * H :] + r * hn)
    return np.concatenate([zr, n], axis=1), hn, (1 - z) * n + z * h_prev


def _step_backward(dh_t, gates, hn, h_prev, W_h):
    """_step in reverse: from dL/dh_t to the pre-activations and to dL/dh_{t-1}.

    dn = dh (1-z);  dz = dh (h_{t-1} - n);  da_n = dn tanh'(n);  dr = da_n * hn;
    da_z, da_r = dz σ'(z), dr σ'(r);  dhn = da_n * r;
    dh_{t-1} = dh * z + [da_z da_r dhn] W_h^T.

    Returns dxw = [da_z da_r da_n] (the gradient of x_t W_x + b_x), dhw = [da_z da_r dhn]
    (that of h_{t-1} W_h, plus b_nh in the n block), both (B, 3H), and dL/dh_{t-1}.
    """
    H = h_prev.shape[1]
    z, r, n = _unstack(gates)
    dn = dh_t * (1 - z)
    dz = dh_t * (h_prev - n)
    da_n = dn * dtanh(n)
    dr = da_n * hn
    da_zr = np.concatenate([dz, dr], axis=1) * dsigmoid(gates[:, : 2 * H])
    dxw = np.concatenate([da_zr, da_n], axis=1)
    dhw = np.concatenate([da_zr, da_n * r], axis=1)
    return dxw, dhw, dh_t * z + dhw @ W_h.T


def cell_forward(x_t, h_prev, params):
    """One step: h_t = (1 - z_t) * n_t + z_t * h_{t-1}, with z_t, r_t, n_t as in the module.

    Parameters
    ----------
    x_t : ndarray of shape (B, D)
    h_prev : ndarray of shape (B, H)
        h_{t-1}.
    params : dict with ``W_?x`` (D, H), ``W_?h`` (H, H) for ? in z, r, n and ``b_z``,
        ``b_r``, ``b_nx``, ``b_nh`` (H,)

    Returns
    -------
    h_t : ndarray of shape (B, H)
    cache : tuple
        (x_t, h_prev, gates [z r n] (B, 3H), hn = h_{t-1} W_nh + b_nh, params), what
        cell_backward needs.
    """
    _check(x_t, h_prev, params, time_axis=False)
    W_x, W_h, b_x, b_nh = _stack(params)
    gates, hn, h_t = _step(x_t @ W_x + b_x, h_prev, W_h, b_nh)
    return h_t, (x_t, h_prev, gates, hn, params)


def cell_backward(dh_t, cache):
    """Chain rule through one step, from h_t back to the gates' pre-activations.

    dxw = [da_z da_r da_n], dhw = [da_z da_r da_n*r] (see ``_step_backward``);
    dW_x = x_t^T dxw;  dW_h = h_{t-1}^T dhw;  db_x = sum_batch dxw;  db_nh = sum_batch da_n*r;
    dx_t = dxw W_x^T;  dh_{t-1} = dh_t * z + dhw W_h^T.

    Parameters
    ----------
    dh_t : ndarray of shape (B, H)
        dL/dh_t.
    cache : tuple from cell_forward

    Returns
    -------
    dx_t : ndarray of shape (B, D)
    dh_prev : ndarray of shape (B, H)
    grads : dict shaped like the parameters
    """
    x_t, h_prev, gates, hn, params = cache
    check_shape("dh_t", dh_t, h_prev.shape, "(batch, H)")
    W_x, W_h, _, _ = _stack(params)
    dxw, dhw, dh_prev = _step_backward(dh_t, gates, hn, h_prev, W_h)
    grads = _grads(x_t.T @ dxw, h_prev.T @ dhw, dxw.sum(axis=0), _unstack(dhw)[2].sum(axis=0))
    return dxw @ W_x.T, dh_prev, grads


def forward(x, h0, params):
    """Run the cell over a whole sequence: h_t = (1 - z_t) * n_t + z_t * h_{t-1}, t = 1..T.

    The input projections x_t W_x + b_x of all steps and all three blocks are computed
    with one matrix product before the time loop; each step then needs one product
    h_{t-1} W_h.

    Parameters
    ----------
    x : ndarray of shape (B, T, D)
    h0 : ndarray of shape (B, H)
        The initial state, often zeros.
    params : dict with ``W_?x`` (D, H), ``W_?h`` (H, H) for ? in z, r, n and ``b_z``,
        ``b_r``, ``b_nx``, ``b_nh`` (H,)

    Returns
    -------
    h : ndarray of shape (B, T, H)
        Every hidden state h_1..h_T; h[:, -1] is the final state. Its dtype is that of
        x, h0 and the parameters together (np.result_type).
    cache : dict
        x, h0, h, the gates ``z``, ``r`` and the candidate ``n`` (each (B, T, H), views
        of ``gates`` (B, T, 3H)), ``hn`` = h_{t-1} W_nh + b_nh and params: what backward
        needs.
    """
    _check(x, h0, params, time_axis=True)
    B, T, _ = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, *params.values())  # every product runs in this dtype
    W_x, W_h, b_x, b_nh = (a.astype(dtype, copy=False) for a in _stack(params))
    xw = x.astype(dtype, copy=False) @ W_x + b_x
    gates = np.empty((B, T, 3 * H), dtype=dtype)
    h, hn = np.empty((B, T, H), dtype=dtype), np.empty((B, T, H), dtype=dtype)
    h_t = h0.astype(dtype, copy=False)
    for t in range(T):
        gates[:, t], hn[:, t], h_t = _step(xw[:, t], h_t, W_h, b_nh)
        h[:, t] = h_t
    z, r, n = _unstack(gates)
    cache = {"x": x, "h0": h0, "h": h, "gates": gates, "z": z, "r": r, "n": n, "hn": hn}
    cache["params"] = params
    return h, cache


def backward(dh, cache, truncate=None):
    """Backpropagation through time over the unrolled sequence.

    Walking t = T..1, the gradient reaching h_t is the loss's dL/dh_t plus dh_t from
    step t+1; each step gives dxw_t and dhw_t (B, 3H), and the shared weights' gradients
    are summed over time with one matrix product each:

        dW_x = sum_t x_t^T dxw_t,  dW_h = sum_t h_{t-1}^T dhw_t,
        db_x = sum_t sum_batch dxw_t,  db_nh = sum_t sum_batch (da_n * r)_t.

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
    grads : dict shaped like the parameters
    """
    x, h0, h, gates, hn = (cache[k] for k in ("x", "h0", "h", "gates", "hn"))
    check_shape("dh", dh, h.shape, "(batch, time, H), like the forward's h")
    check_truncate(truncate)
    W_x, W_h, _, _ = _stack(cache["params"])
    B, T, D = x.shape
    H = h.shape[2]
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dtype = np.result_type(dh, gates)
    dxw, dhw = np.empty_like(gates, dtype=dtype), np.empty_like(gates, dtype=dtype)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dxw[:, t], dhw[:, t], dh_next = _step_backward(
            dh[:, t] + dh_next, gates[:, t], hn[:, t], h_prev[:, t], W_h
        )
        if truncate is not None and t % truncate == 0 and t > 0:
            dh_next = np.zeros_like(dh_next)
    dxw2, dhw2 = dxw.reshape(B * T, 3 * H), dhw.reshape(B * T, 3 * H)
    grads = _grads(
        x.reshape(B * T, D).T @ dxw2,
        h_prev.reshape(B * T, H).T @ dhw2,
        dxw2.sum(axis=0),
        dhw2[:, 2 * H :].sum(axis=0),
    )
    return dxw @ W_x.T, dh_next, grads

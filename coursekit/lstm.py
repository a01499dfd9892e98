r"""The long short-term memory (LSTM) cell, forward and backward, in numpy.

Row-vector batched code, as in :mod:`coursekit.rnn`: x_t has shape (B, D), the hidden
state h_t and the cell state c_t shape (B, H), and

    i_t = σ(x_t W_ix + h_{t-1} W_ih + b_i)        input gate
    f_t = σ(x_t W_fx + h_{t-1} W_fh + b_f)        forget gate
    o_t = σ(x_t W_ox + h_{t-1} W_oh + b_o)        output gate
    g_t = tanh(x_t W_gx + h_{t-1} W_gh + b_g)     candidate
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

with every W_?x of shape (D, H), W_?h of shape (H, H) and b_? of shape (H,).

The four gates read the same x_t and h_{t-1}, so the code stacks their weights on a
leading gate axis, W_x[k] = W_kx of shape (4, D, H) and W_h[k] = W_kh of shape (4, H, H)
for k = i, f, o, g: one (batched) matrix product gives all four pre-activations
a_t = [a_i, a_f, a_o, a_g] of shape (4, B, H), and ``i, f, o, g = a_t`` unpacks them.
The parameters stay a dict keyed by the book's names; stacking happens inside.

The sequence functions loop over time-major arrays, (T, B, H) and (4, T, B, H), so that
every step reads and writes whole contiguous blocks; the batch-first (B, T, H) arrays
they return and cache are transposed views of them.
"""

import numpy as np

from ._init import uniform_params
from ._validate import check_params, check_shape, check_truncate
from .activations import dsigmoid, dtanh, sigmoid

GATES = "ifog"


def param_shapes(n_inputs, n_hidden):
    """Shapes of the parameters, gate by gate (i, f, o, g): a_k = x_t W_kx + h_{t-1} W_kh + b_k.

    W_kx (D, H), W_kh (H, H), b_k (H,) for each k, with D = n_inputs and H = n_hidden.
    """
    D, H = n_inputs, n_hidden
    shapes = {}
    for k in GATES:
        shapes.update({f"W_{k}x": (D, H), f"W_{k}h": (H, H), f"b_{k}": (H,)})
    return shapes


def n_params(n_inputs, n_hidden):
    """Number of parameters: 4 (H*D + H*H + H), four times a plain RNN's."""
    return 4 * (n_hidden * n_inputs + n_hidden * n_hidden + n_hidden)


def init_params(n_inputs, n_hidden, seed=0, dtype=np.float64):
    """Draw every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch does.

    Parameters
    ----------
    n_inputs : int
        D, the number of input features.
    n_hidden : int
        H, the size of the hidden and cell states.
    seed : int or numpy.random.Generator
    dtype : numpy dtype

    Returns
    -------
    params : dict of str to ndarray
        ``W_?x`` (D, H), ``W_?h`` (H, H), ``b_?`` (H,) for each gate ? in i, f, o, g.
    """
    return uniform_params(param_shapes(n_inputs, n_hidden), n_hidden, seed, dtype)


def _stack(params):
    """W_x (4, D, H), W_h (4, H, H), b (4, 1, H): gate k's parameters at index k, order i f o g."""
    W_x, W_h, b = (
        np.stack([params[name.format(k)] for k in GATES]) for name in ("W_{}x", "W_{}h", "b_{}")
    )
    return W_x, W_h, b[:, None, :]


def _grads(dW_x, dW_h, db):
    """The stacked gradients (4, D, H), (4, H, H), (4, H) back under the parameters' names."""
    grads = {}
    for k, gx, gh, gb in zip(GATES, dW_x, dW_h, db, strict=True):
        grads.update({f"W_{k}x": gx, f"W_{k}h": gh, f"b_{k}": gb})
    return grads


def _transpose(W):
    """W^T for each gate of a stack (4, m, n) -> (4, n, m), a view."""
    return W.transpose(0, 2, 1)


def _check(x, state, params, time_axis):
    if "W_ix" not in params:
        check_params(params, param_shapes(1, 1))  # raises, naming the missing keys
    check_shape("params['W_ix']", params["W_ix"], (None, None), "(D, H)")
    D, H = params["W_ix"].shape
    check_params(params, param_shapes(D, H))
    names = ("h0", "c0") if time_axis else ("h_prev", "c_prev")
    if not (isinstance(state, tuple | list) and len(state) == 2):
        raise ValueError(f"the LSTM state must be a tuple ({names[0]}, {names[1]}) of two arrays")
    if time_axis:
        check_shape("x", x, (None, None, D), f"(batch, time, features) with features = D = {D}")
    else:
        check_shape("x_t", x, (None, D), f"(batch, features) with features = D = {D}")
    for name, s in zip(names, state, strict=True):
        check_shape(name, s, (x.shape[0], H), f"(batch, H) with H = {H}")


def _step(a, h_prev, c_prev, W_h):
    """a += h_{t-1} W_h; i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g); c, h as in the module.

    ``a`` (4, B, H) holds the input projection x_t W_x + b on entry and is turned into
    the gates [i f o g] in place (in forward, a block of the gate buffer). Returns the
    gates (4, B, H), c_t and h_t (B, H).
    """
    a += h_prev @ W_h  # (B, H) @ (4, H, H): one batched product for all four gates
    a[:3] = sigmoid(a[:3])
    a[3] = np.tanh(a[3])
    i, f, o, g = a
    c_t = f * c_prev + i * g
    return a, c_t, o * np.tanh(c_t)


def _step_backward(dh_t, dc_t, gates, c_prev, c_t, W_hT, da):
    """_step in reverse: from dL/dh_t and dL/dc_t to da_t, dL/dc_{t-1} and dL/dh_{t-1}.

    dc += dh * o * tanh'(c);  di = dc * g;  df = dc * c_{t-1};  do = dh * tanh(c);
    dg = dc * i;  da = [di df do dg] * [σ' σ' σ' tanh'];  dc_{t-1} = dc * f;
    dh_{t-1} = sum_k da_k W_kh^T.

    ``W_hT`` (4, H, H) holds the W_kh^T; ``da`` (4, B, H) receives da_t (a block of the
    backward's buffer). Returns da, dL/dc_{t-1} and dL/dh_{t-1}.
    """
    i, f, o, g = gates
    tanh_c = np.tanh(c_t)
    dc_t = dc_t + dh_t * o * dtanh(tanh_c)
    da[0], da[1], da[2], da[3] = dc_t * g, dc_t * c_prev, dh_t * tanh_c, dc_t * i
    da[:3] *= dsigmoid(gates[:3])
    da[3] *= dtanh(g)
    return da, dc_t * f, (da @ W_hT).sum(axis=0)


def cell_forward(x_t, state_prev, params):
    """One step: gates i, f, o, g from x_t and h_{t-1}; c_t = f*c_{t-1} + i*g; h_t = o*tanh(c_t).

    Parameters
    ----------
    x_t : ndarray of shape (B, D)
    state_prev : tuple (h_prev, c_prev) of ndarrays of shape (B, H)
        h_{t-1} and c_{t-1}.
    params : dict with ``W_?x`` (D, H), ``W_?h`` (H, H), ``b_?`` (H,) for ? in i, f, o, g

    Returns
    -------
    state : tuple (h_t, c_t) of ndarrays of shape (B, H)
    cache : tuple
        (x_t, h_prev, c_prev, gates (4, B, H), c_t, params), what cell_backward needs.
    """
    _check(x_t, state_prev, params, time_axis=False)
    h_prev, c_prev = state_prev
    W_x, W_h, b = _stack(params)
    dtype = np.result_type(x_t, h_prev, c_prev, *params.values())
    gates, c_t, h_t = _step((x_t @ W_x + b).astype(dtype, copy=False), h_prev, c_prev, W_h)
    return (h_t, c_t), (x_t, h_prev, c_prev, gates, c_t, params)


def cell_backward(dstate, cache):
    """Chain rule through one step, h_t = o*tanh(c_t) back to the gates' pre-activations a_t.

    dc_t += dh_t * o * tanh'(c_t);
    da_t = [dc*g, dc*c_{t-1}, dh*tanh(c_t), dc*i] * [σ' σ' σ' tanh'] of the gates;
    dW_kx = x_t^T da_k;  dW_kh = h_{t-1}^T da_k;  db_k = sum_batch da_k  for each gate k;
    dx_t = sum_k da_k W_kx^T;  dh_{t-1} = sum_k da_k W_kh^T;  dc_{t-1} = dc_t * f_t.

    Parameters
    ----------
    dstate : tuple (dh_t, dc_t) of ndarrays of shape (B, H)
        dL/dh_t and dL/dc_t from outside the step (dc_t is zeros if nothing reads c_t).
    cache : tuple from cell_forward

    Returns
    -------
    dx_t : ndarray of shape (B, D)
    dstate_prev : tuple (dh_prev, dc_prev) of ndarrays of shape (B, H)
    grads : dict shaped like the parameters
    """
    x_t, h_prev, c_prev, gates, c_t, params = cache
    if not (isinstance(dstate, tuple | list) and len(dstate) == 2):
        raise ValueError("dstate must be a tuple (dh_t, dc_t) of two arrays")
    dh_t, dc_t = dstate
    check_shape("dh_t", dh_t, h_prev.shape, "(batch, H)")
    check_shape("dc_t", dc_t, h_prev.shape, "(batch, H)")
    W_x, W_h, _ = _stack(params)
    da = np.empty_like(gates, dtype=np.result_type(dh_t, dc_t, gates))
    da, dc_prev, dh_prev = _step_backward(dh_t, dc_t, gates, c_prev, c_t, _transpose(W_h), da)
    grads = _grads(x_t.T @ da, h_prev.T @ da, da.sum(axis=1))
    return (da @ _transpose(W_x)).sum(axis=0), (dh_prev, dc_prev), grads


def forward(x, state0, params):
    """Run the cell over a whole sequence, t = 1..T, from the state (h_0, c_0).

    The input projections x_t W_x + b of all steps and all four gates are computed with
    one matrix product before the time loop; each step then needs one product h_{t-1} W_h.

    Parameters
    ----------
    x : ndarray of shape (B, T, D)
    state0 : tuple (h0, c0) of ndarrays of shape (B, H)
        The initial hidden and cell states, often zeros.
    params : dict with ``W_?x`` (D, H), ``W_?h`` (H, H), ``b_?`` (H,) for ? in i, f, o, g

    Returns
    -------
    h : ndarray of shape (B, T, H)
        Every hidden state h_1..h_T; h[:, -1] is the final one. Its dtype is that of
        x, the states and the parameters together (np.result_type).
    cache : dict
        x, h0, c0, h, the cell states ``c``, the gates ``i``, ``f``, ``o``, ``g`` (each
        (B, T, H)), the time-major ``gates`` (4, T, B, H) they are views of, and params:
        what backward needs.
    """
    _check(x, state0, params, time_axis=True)
    h0, c0 = state0
    B, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, c0, *params.values())  # every product runs in this dtype
    W_x, W_h, b = (a.astype(dtype, copy=False) for a in _stack(params))
    # Time-major rows (step 1's batch first), so each step's block is contiguous.
    x_tm = x.astype(dtype, copy=False).transpose(1, 0, 2).reshape(T * B, D)
    gates = (x_tm @ W_x).reshape(4, T, B, H)
    gates += b[:, None]  # now x_t W_x + b for every step; _step turns it into the gates
    h, c = np.empty((T, B, H), dtype=dtype), np.empty((T, B, H), dtype=dtype)
    h_t, c_t = h0.astype(dtype, copy=False), c0.astype(dtype, copy=False)
    for t in range(T):
        _, c_t, h_t = _step(gates[:, t], h_t, c_t, W_h)
        h[t], c[t] = h_t, c_t
    h, c, i, f, o, g = (a.transpose(1, 0, 2) for a in (h, c, *gates))  # back to (B, T, H)
    cache = {"x": x, "h0": h0, "c0": c0, "h": h, "c": c, "gates": gates}
    cache.update({"i": i, "f": f, "o": o, "g": g, "params": params})
    return h, cache


def backward(dh, cache, truncate=None):
    """Backpropagation through time over the unrolled sequence.

    Walking t = T..1, the gradient reaching h_t is the loss's dL/dh_t plus dh_t from step
    t+1, and the gradient reaching c_t is dc_t from step t+1 (dc_{t-1} = dc_t * f_t, the
    cell's additive path). Each step gives da_t (4, B, H) for the four gates; the shared
    weights' gradients are then summed over time with one matrix product each:

        dW_x = sum_t x_t^T da_t,  dW_h = sum_t h_{t-1}^T da_t,  db = sum_t sum_batch da_t.

    Parameters
    ----------
    dh : ndarray of shape (B, T, H)
        dL/dh_t for every step from the layers above (zeros where no loss reads h_t).
    cache : dict from forward
    truncate : int >= 1 or None
        Truncated BPTT with k = truncate: the sequence is cut into chunks of k steps and
        no gradient crosses a chunk boundary, as if h and c were detached every k steps.
        None, or any k >= T, gives full BPTT.

    Returns
    -------
    dx : ndarray of shape (B, T, D)
    dstate0 : tuple (dh0, dc0) of ndarrays of shape (B, H)
    grads : dict shaped like the parameters
    """
    x, h0, c0, h, c = (cache[k] for k in ("x", "h0", "c0", "h", "c"))
    check_shape("dh", dh, h.shape, "(batch, time, H), like the forward's h")
    check_truncate(truncate)
    W_x, W_h, _ = _stack(cache["params"])
    W_hT = np.ascontiguousarray(_transpose(W_h))  # contiguous: faster products in the loop
    gates = cache["gates"]
    B, T, D = x.shape
    H = h.shape[2]
    h_tm, c_tm, dh_tm = (a.transpose(1, 0, 2) for a in (h, c, dh))  # (T, B, H)
    da = np.empty_like(gates, dtype=np.result_type(dh, gates))
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(T)):
        c_prev = c_tm[t - 1] if t > 0 else c0
        _, dc_next, dh_next = _step_backward(
            dh_tm[t] + dh_next, dc_next, gates[:, t], c_prev, c_tm[t], W_hT, da[:, t]
        )
        if truncate is not None and t % truncate == 0 and t > 0:
            dh_next, dc_next = np.zeros_like(dh_next), np.zeros_like(dc_next)
    x_tm = x.transpose(1, 0, 2).reshape(T * B, D)
    h_prev = np.concatenate([h0[None], h_tm[:-1]]).reshape(T * B, H)
    da = da.reshape(4, T * B, H)
    grads = _grads(x_tm.T @ da, h_prev.T @ da, da.sum(axis=1))
    dx = (da @ _transpose(W_x)).sum(axis=0).reshape(T, B, D).transpose(1, 0, 2)
    return dx, (dh_next, dc_next), grads

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

The four gates read the same x_t and h_{t-1}, so the code stacks their weights side by
side, W_x = [W_ix W_fx W_ox W_gx] of shape (D, 4H) and W_h likewise (H, 4H): one matrix
product gives all four pre-activations a_t = [a_i a_f a_o a_g] of shape (B, 4H). The
parameters stay a dict keyed by the book's names; stacking happens inside.
"""

import numpy as np

from ._init import uniform_params
from ._validate import check_params, check_shape
from .activations import dsigmoid, dtanh, sigmoid

GATES = "ifog"


def param_shapes(n_inputs, n_hidden):
    """Shapes of the parameters, keyed by the book's names, gate by gate (i, f, o, g)."""
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
    """W_x (D, 4H), W_h (H, 4H), b (4H,): the gates' parameters side by side, in order i f o g."""
    return tuple(
        np.concatenate([params[name.format(k)] for k in GATES], axis=-1)
        for name in ("W_{}x", "W_{}h", "b_{}")
    )


def _unstack(a):
    """Split the last axis, 4H, into the four gates' blocks i, f, o, g (views)."""
    H = a.shape[-1] // 4
    return [a[..., n * H : (n + 1) * H] for n in range(4)]


def _grads(dW_x, dW_h, db):
    """The stacked gradients (D, 4H), (H, 4H), (4H,) back under the parameters' names."""
    grads = {}
    for k, gx, gh, gb in zip(GATES, _unstack(dW_x), _unstack(dW_h), _unstack(db), strict=True):
        grads.update({f"W_{k}x": gx, f"W_{k}h": gh, f"b_{k}": gb})
    return grads


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


def _step(xw_t, h_prev, c_prev, W_h):
    """a = xw_t + h_{t-1} W_h; i, f, o = σ(a_i, a_f, a_o), g = tanh(a_g); c, h as in the module.

    ``xw_t`` (B, 4H) is the input projection x_t W_x + b. Returns the gates (B, 4H),
    c_t, tanh(c_t) and h_t, each (B, H).
    """
    H = h_prev.shape[1]
    gates = xw_t + h_prev @ W_h
    gates[:, : 3 * H] = sigmoid(gates[:, : 3 * H])
    gates[:, 3 * H :] = np.tanh(gates[:, 3 * H :])
    i, f, o, g = _unstack(gates)
    c_t = f * c_prev + i * g
    tanh_c = np.tanh(c_t)
    return gates, c_t, tanh_c, o * tanh_c


def _step_backward(dh_t, dc_t, gates, c_prev, tanh_c, W_h):
    """_step in reverse: from dL/dh_t and dL/dc_t to da_t (B, 4H), dL/dc_{t-1}, dL/dh_{t-1}.

    do = dh * tanh(c);  dc += dh * o * tanh'(c);  di = dc * g;  df = dc * c_{t-1};
    dg = dc * i;  da = [di df do dg] * [σ' σ' σ' tanh'];  dc_{t-1} = dc * f;  dh_{t-1} = da W_h^T.
    """
    H = c_prev.shape[1]
    i, f, o, g = _unstack(gates)
    do = dh_t * tanh_c
    dc_t = dc_t + dh_t * o * dtanh(tanh_c)
    da = np.concatenate([dc_t * g, dc_t * c_prev, do, dc_t * i], axis=1)
    da[:, : 3 * H] *= dsigmoid(gates[:, : 3 * H])
    da[:, 3 * H :] *= dtanh(g)
    return da, dc_t * f, da @ W_h.T


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
        (x_t, h_prev, c_prev, gates (B, 4H), tanh(c_t), params), what cell_backward needs.
    """
    _check(x_t, state_prev, params, time_axis=False)
    h_prev, c_prev = state_prev
    W_x, W_h, b = _stack(params)
    gates, c_t, tanh_c, h_t = _step(x_t @ W_x + b, h_prev, c_prev, W_h)
    return (h_t, c_t), (x_t, h_prev, c_prev, gates, tanh_c, params)


def cell_backward(dstate, cache):
    """Chain rule through one step, h_t = o*tanh(c_t) back to the gates' pre-activations a_t.

    dc_t += dh_t * o * tanh'(c_t);
    da_t = [dc*g, dc*c_{t-1}, dh*tanh(c_t), dc*i] * [σ' σ' σ' tanh'] of the gates;
    dW_x = x_t^T da_t;  dW_h = h_{t-1}^T da_t;  db = sum_batch da_t;
    dx_t = da_t W_x^T;  dh_{t-1} = da_t W_h^T;  dc_{t-1} = dc_t * f_t.

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
    x_t, h_prev, c_prev, gates, tanh_c, params = cache
    if not (isinstance(dstate, tuple | list) and len(dstate) == 2):
        raise ValueError("dstate must be a tuple (dh_t, dc_t) of two arrays")
    dh_t, dc_t = dstate
    check_shape("dh_t", dh_t, h_prev.shape, "(batch, H)")
    check_shape("dc_t", dc_t, h_prev.shape, "(batch, H)")
    W_x, W_h, _ = _stack(params)
    da, dc_prev, dh_prev = _step_backward(dh_t, dc_t, gates, c_prev, tanh_c, W_h)
    grads = _grads(x_t.T @ da, h_prev.T @ da, da.sum(axis=0))
    return da @ W_x.T, (dh_prev, dc_prev), grads


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
        Every hidden state h_1..h_T; h[:, -1] is the final one.
    cache : dict
        x, h0, c0, h, the cell states ``c``, the gates ``i``, ``f``, ``o``, ``g`` (each
        (B, T, H), views of ``gates`` (B, T, 4H)), tanh(c) and params: what backward needs.
    """
    _check(x, state0, params, time_axis=True)
    h0, c0 = state0
    W_x, W_h, b = _stack(params)
    B, T, _ = x.shape
    H = h0.shape[1]
    xw = x @ W_x + b
    dtype = np.result_type(xw, h0, c0)
    gates = np.empty((B, T, 4 * H), dtype=dtype)
    h, c, tanh_c = (np.empty((B, T, H), dtype=dtype) for _ in range(3))
    h_t, c_t = h0, c0
    for t in range(T):
        gates[:, t], c_t, tanh_c[:, t], h_t = _step(xw[:, t], h_t, c_t, W_h)
        h[:, t], c[:, t] = h_t, c_t
    i, f, o, g = _unstack(gates)
    cache = {"x": x, "h0": h0, "c0": c0, "h": h, "c": c, "tanh_c": tanh_c, "gates": gates}
    cache.update({"i": i, "f": f, "o": o, "g": g, "params": params})
    return h, cache


def backward(dh, cache, truncate=None):
    """Backpropagation through time over the unrolled sequence.

    Walking t = T..1, the gradient reaching h_t is the loss's dL/dh_t plus dh_t from step
    t+1, and the gradient reaching c_t is dc_t from step t+1 (dc_{t-1} = dc_t * f_t, the
    cell's additive path). Each step gives da_t (B, 4H) for the four gates; the shared
    weights' gradients are then summed over time with one matrix product each:

        dW_x = sum_t x_t^T da_t,  dW_h = sum_t h_{t-1}^T da_t,  db = sum_t sum_batch da_t.

    Parameters
    ----------
    dh : ndarray of shape (B, T, H)
        dL/dh_t for every step from the layers above (zeros where no loss reads h_t).
    cache : dict from forward
    truncate : int or None
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
    if truncate is not None and truncate < 1:
        raise ValueError(f"truncate must be a positive number of steps or None, got {truncate}")
    W_x, W_h, _ = _stack(cache["params"])
    gates, tanh_c = cache["gates"], cache["tanh_c"]
    B, T, D = x.shape
    H = h.shape[2]
    c_prev = np.concatenate([c0[:, None], c[:, :-1]], axis=1)
    da = np.empty_like(gates)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(T)):
        da[:, t], dc_next, dh_next = _step_backward(
            dh[:, t] + dh_next, dc_next, gates[:, t], c_prev[:, t], tanh_c[:, t], W_h
        )
        if truncate is not None and t % truncate == 0 and t > 0:
            dh_next, dc_next = np.zeros_like(dh_next), np.zeros_like(dc_next)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da2 = da.reshape(B * T, 4 * H)
    grads = _grads(x.reshape(B * T, D).T @ da2, h_prev.reshape(B * T, H).T @ da2, da2.sum(axis=0))
    return da @ W_x.T, (dh_next, dc_next), grads

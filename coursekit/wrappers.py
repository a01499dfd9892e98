r"""Bidirectional and stacked recurrent layers, built from any cell module.

A *cell module* is ``coursekit.rnn``, ``coursekit.lstm`` or ``coursekit.gru``: anything with

    forward(x, state0, params, **kw) -> (h, cache)          h of shape (B, T, H)
    backward(dh, cache, truncate=None) -> (dx, dstate0, grads)

where the state is an array h_0 of shape (B, H), or the pair (h_0, c_0) for the LSTM.
The wrappers only route sequences between calls of that module, so they work for all
three cells unchanged.

Bidirectional: one cell reads x_1..x_T, a second (own weights) reads x_T..x_1, and the
two states at each step are concatenated, h_t = [h_t^fwd, h_t^bwd], as PyTorch
(bidirectional=True) and Keras (Bidirectional, merge_mode="concat") do.

Stacked: layer l reads the hidden-state sequence of layer l-1, h^(0) = x, as PyTorch's
num_layers and Keras's return_sequences=True stacks do.
"""

import numpy as np

from ._validate import check_shape


def _check_cell(cell):
    if not (callable(getattr(cell, "forward", None)) and callable(getattr(cell, "backward", None))):
        raise TypeError(
            "cell must be a cell module with forward and backward, such as coursekit.rnn, "
            f"coursekit.lstm or coursekit.gru; got {cell!r}"
        )


def _check_pair(name, value, what):
    if not (isinstance(value, tuple | list) and len(value) == 2):
        got = f"{len(value)} entries" if isinstance(value, tuple | list) else type(value).__name__
        raise ValueError(f"{name} must be a pair ({what}), one per direction; got {got}")


def _reverse_time(a):
    """a_t -> a_{T+1-t} along the time axis (axis 1) of (B, T, ...)."""
    return a[:, ::-1]


def bidirectional_forward(cell, x, state0, params, **kw):
    """h_t = [h_t^fwd, h_t^bwd]: h^fwd = cell over x_1..x_T, h^bwd = cell over x_T..x_1.

    The backward direction's outputs are reversed back into forward time before the
    concatenation, so h_t^bwd at position t has read x_T..x_t: position t sees both its
    past (through h^fwd) and its future (through h^bwd).

    Parameters
    ----------
    cell : module
        coursekit.rnn, coursekit.lstm or coursekit.gru.
    x : ndarray of shape (B, T, D)
    state0 : pair (s_fwd, s_bwd)
        Each direction's initial state: (B, H) arrays, or (h_0, c_0) pairs for the LSTM.
    params : pair (p_fwd, p_bwd)
        Each direction's own parameter dict, as the cell's init_params returns it.
    **kw
        Passed to both cell.forward calls, for example activation="relu" for the rnn.

    Returns
    -------
    h : ndarray of shape (B, T, 2H)
        h[..., :H] is the forward direction, h[..., H:] the backward direction.
    cache : dict
        The cell module and each direction's cache, what bidirectional_backward needs.
    """
    _check_cell(cell)
    _check_pair("state0", state0, "s_fwd, s_bwd")
    _check_pair("params", params, "p_fwd, p_bwd")
    h_fwd, cache_fwd = cell.forward(x, state0[0], params[0], **kw)
    h_bwd_rev, cache_bwd = cell.forward(_reverse_time(x), state0[1], params[1], **kw)
    h = np.concatenate([h_fwd, _reverse_time(h_bwd_rev)], axis=-1)
    cache = {"cell": cell, "fwd": cache_fwd, "bwd": cache_bwd, "H_fwd": h_fwd.shape[-1]}
    cache["shape"] = h.shape
    return h, cache


def bidirectional_backward(dh, cache, truncate=None):
    """Split dh = [dh^fwd, dh^bwd], backpropagate each direction, add their dx.

    The backward direction ran on reversed time, so its share of dh is reversed before
    its backward pass and its dx is reversed back: dx_t = dx_t^fwd + dx_t^bwd.

    Parameters
    ----------
    dh : ndarray of shape (B, T, 2H)
        dL/dh_t for every step, like the forward's h.
    cache : dict from bidirectional_forward
    truncate : int >= 1 or None
        Passed to each direction's cell.backward (truncated BPTT, counted in that
        direction's own time order).

    Returns
    -------
    dx : ndarray of shape (B, T, D)
    dstate0 : pair (ds_fwd, ds_bwd)
        Gradients of each direction's initial state, shaped like state0.
    grads : pair (g_fwd, g_bwd)
        Each direction's parameter gradients, keyed like its parameters.
    """
    cell, H = cache["cell"], cache["H_fwd"]
    check_shape("dh", dh, cache["shape"], "(batch, time, 2H), like the forward's h")
    dx_fwd, ds_fwd, g_fwd = cell.backward(dh[..., :H], cache["fwd"], truncate=truncate)
    dx_bwd_rev, ds_bwd, g_bwd = cell.backward(
        _reverse_time(dh[..., H:]), cache["bwd"], truncate=truncate
    )
    return dx_fwd + _reverse_time(dx_bwd_rev), (ds_fwd, ds_bwd), (g_fwd, g_bwd)


def stacked_forward(cell, x, states0, layers, **kw):
    """h^(l) = cell(h^(l-1), s_0^(l), params^(l)) for l = 1..L, with h^(0) = x.

    Parameters
    ----------
    cell : module
        coursekit.rnn, coursekit.lstm or coursekit.gru, the same for every layer.
    x : ndarray of shape (B, T, D)
    states0 : list of L initial states
        One per layer: (B, H_l) arrays, or (h_0, c_0) pairs for the LSTM.
    layers : list of L parameter dicts
        layers[0] maps the D features of x to H_1, each later layer maps the H_{l-1}
        features of the layer below to its own H_l. A layer given as a pair
        (p_fwd, p_bwd), with its state a pair (s_fwd, s_bwd), runs bidirectionally and
        passes 2 H_l features up, as PyTorch's bidirectional=True with num_layers > 1.
    **kw
        Passed to every cell.forward call, for example activation="relu" for the rnn.

    Returns
    -------
    h : ndarray of shape (B, T, H_L)
        The top layer's hidden states (2 H_L features when the top layer is bidirectional).
    cache : dict
        The cell module, every layer's cache and every layer's output ``h`` (a list, top
        last), what stacked_backward needs.
    """
    _check_cell(cell)
    if not isinstance(layers, list | tuple) or len(layers) == 0:
        got = "an empty list" if isinstance(layers, list | tuple) else type(layers).__name__
        raise ValueError(f"layers must be a non-empty list of parameter dicts, got {got}")
    if not isinstance(states0, list | tuple) or len(states0) != len(layers):
        n = len(states0) if isinstance(states0, list | tuple) else type(states0).__name__
        raise ValueError(
            f"states0 must be a list with one initial state per layer = {len(layers)}, got {n}"
        )
    h, caches, hs = x, [], []
    for l, (state0, params) in enumerate(zip(states0, layers, strict=True)):
        bidirectional = not isinstance(params, dict)
        try:
            if bidirectional:
                h, layer_cache = bidirectional_forward(cell, h, state0, params, **kw)
            else:
                h, layer_cache = cell.forward(h, state0, params, **kw)
        except ValueError as err:
            below = "x" if l == 0 else f"the output of layers[{l - 1}]"
            raise ValueError(f"layers[{l}] (its input is {below}): {err}") from err
        caches.append((bidirectional, layer_cache))
        hs.append(h)
    return h, {"cell": cell, "caches": caches, "h": hs}


def stacked_backward(dh, cache, truncate=None):
    """Walk the layers top-down: layer l's dx is dL/dh^(l-1), the dh of the layer below.

    Parameters
    ----------
    dh : ndarray of shape (B, T, H_L)
        dL/dh_t of the top layer, like stacked_forward's h.
    cache : dict from stacked_forward
    truncate : int >= 1 or None
        Passed to every layer's backward (truncated BPTT).

    Returns
    -------
    dx : ndarray of shape (B, T, D)
    dstates0 : list of L initial-state gradients
        Shaped like states0, layer order (bottom first).
    grads : list of L parameter gradients
        Keyed like each layer's parameters (pairs for bidirectional layers), bottom first.
    """
    cell = cache["cell"]
    check_shape("dh", dh, cache["h"][-1].shape, "(batch, time, H), like the top layer's h")
    dstates0, grads = [], []
    for bidirectional, layer_cache in reversed(cache["caches"]):
        backward = bidirectional_backward if bidirectional else cell.backward
        dh, dstate0, layer_grads = backward(dh, layer_cache, truncate=truncate)
        dstates0.append(dstate0)
        grads.append(layer_grads)
    return dh, dstates0[::-1], grads[::-1]

r"""Moving weights between coursekit's dicts and PyTorch modules or Keras layers.

coursekit keeps one matrix per gate, keyed by the book's names, with inputs on the
left (x_t W, W of shape (D, H)). The frameworks stack the gates side by side in one
matrix, each in its own order, and PyTorch keeps two biases per gate:

=================  ==================================  ===============================
                   PyTorch (nn.RNN, LSTM, GRU, Cells)  Keras (SimpleRNN, LSTM, GRU)
=================  ==================================  ===============================
input weights      ``weight_ih`` (nG*H, D) = W^T       ``kernel`` (D, nG*H) = W
recurrent weights  ``weight_hh`` (nG*H, H) = W^T       ``recurrent_kernel`` (H, nG*H)
biases             ``bias_ih`` + ``bias_hh``           ``bias`` (nG*H,); GRU (2, 3H)
LSTM gate order    i, f, g, o                          i, f, c, o   (c is the book's g)
GRU gate order     r, z, n                             z, r, h      (h is the book's n)
=================  ==================================  ===============================

with nG = 1 (RNN), 4 (LSTM) or 3 (GRU). Two biases of one gate only ever appear as a
sum, so coursekit merges them: b = b_ih + b_hh. The exception is the GRU candidate,

    n_t = tanh(x_t W_nx + b_nx + r_t * (h_{t-1} W_nh + b_nh)),

where the recurrent bias sits inside the reset gate's product: b_nx = PyTorch's b_in
(Keras: bias[0] of the h block) and b_nh = PyTorch's b_hn (Keras: bias[1]). Both
frameworks' GRU (PyTorch's, Keras' with ``reset_after=True``) compute exactly the book's
equations, so the weights map one to one and outputs agree to rounding.

Layouts: a single layer is a dict; a bidirectional layer is a tuple ``(p_fwd, p_bwd)``
(PyTorch's ``*_reverse`` weights, Keras' ``backward_layer``); several layers are a list
of those, bottom layer first, as ``coursekit.wrappers`` expects.

torch and keras are imported inside the functions, so importing coursekit never
imports a framework.
"""

import numpy as np

from . import gru, lstm, rnn
from ._validate import check_params, check_shape

_CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru}
# The book's gate letters, in the order each framework stacks them.
_TORCH_GATES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
_KERAS_GATES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "n")}
# The key that holds the input weights of the first gate, to read D and H from.
_FIRST_KEY = {"rnn": "W_xh", "lstm": "W_ix", "gru": "W_zx"}


def _gate_keys(kind, gate):
    """(input weights, recurrent weights, bias) keys of one gate."""
    if kind == "rnn":
        return "W_xh", "W_hh", "b_h"
    return f"W_{gate}x", f"W_{gate}h", f"b_{gate}"


def _unstack(kind, gates, w_x, w_h, b_x, b_h):
    """Split side-by-side gate blocks into the book's dict.

    w_x (D, nG*H), w_h (H, nG*H), b_x (nG*H,) or None, b_h (nG*H,) or None (no
    second bias). Merged biases are b_x + b_h; the GRU candidate keeps them apart.
    """
    D, H = w_x.shape[0], w_h.shape[0]
    zeros = np.zeros(w_x.shape[1], dtype=w_x.dtype)
    b_x = zeros if b_x is None else b_x
    params = {}
    for k, gate in enumerate(gates):
        s = slice(k * H, (k + 1) * H)
        key_x, key_h, key_b = _gate_keys(kind, gate)
        params[key_x] = w_x[:, s].copy()
        params[key_h] = w_h[:, s].copy()
        if kind == "gru" and gate == "n":
            params["b_nx"] = b_x[s].copy()
            params["b_nh"] = (zeros if b_h is None else b_h)[s].copy()
        else:
            params[key_b] = b_x[s].copy() if b_h is None else b_x[s] + b_h[s]
    return {key: params[key] for key in _CELLS[kind].param_shapes(D, H)}


def _stack(kind, gates, params):
    """Inverse of _unstack: (w_x, w_h, b_x, b_h) with b_h zero except GRU's b_nh."""
    w_x = np.concatenate([params[_gate_keys(kind, g)[0]] for g in gates], axis=1)
    w_h = np.concatenate([params[_gate_keys(kind, g)[1]] for g in gates], axis=1)
    b_x = np.concatenate([params["b_nx" if g == "n" else _gate_keys(kind, g)[2]] for g in gates])
    b_h = np.zeros_like(b_x)
    if kind == "gru":
        H = w_h.shape[0]
        k = gates.index("n")
        b_h[k * H : (k + 1) * H] = params["b_nh"]
    return w_x, w_h, b_x, b_h


def _kind_of(params):
    """'rnn', 'lstm' or 'gru' from the keys of one layer's dict, checking all shapes."""
    if not isinstance(params, dict):
        raise TypeError(f"a layer's params must be a dict of arrays, got {type(params).__name__}")
    for kind, cell in _CELLS.items():
        key = _FIRST_KEY[kind]
        if key in params:
            D, H = check_shape(f"params[{key!r}]", params[key], (None, None), "(D, H)").shape
            check_params(params, cell.param_shapes(D, H))
            return kind
    raise ValueError(
        "params must be an RNN (W_xh, ...), LSTM (W_ix, ...) or GRU (W_zx, ...) dict; "
        f"got keys {sorted(params)}"
    )


def _layers_of(params):
    """(layers, bidirectional, kind, D, H) of a dict, tuple or list; checks that layers chain."""
    layers = params if isinstance(params, list) else [params]
    if not layers:
        raise ValueError("params is an empty list; give at least one layer")
    bidirectional = isinstance(layers[0], tuple)
    for l, layer in enumerate(layers):
        if isinstance(layer, tuple) != bidirectional or (bidirectional and len(layer) != 2):
            raise ValueError(
                f"layer {l}: every layer must be a dict, or every layer a tuple (p_fwd, p_bwd)"
            )
    directions = [d for layer in layers for d in (layer if bidirectional else (layer,))]
    kinds = {_kind_of(d) for d in directions}
    if len(kinds) > 1:
        raise ValueError(f"all layers must be the same kind of cell, got {sorted(kinds)}")
    kind = kinds.pop()
    D, H = directions[0][_FIRST_KEY[kind]].shape
    for l, layer in enumerate(layers):
        D_l = D if l == 0 else H * (2 if bidirectional else 1)
        for d in layer if bidirectional else (layer,):
            if d[_FIRST_KEY[kind]].shape != (D_l, H):
                raise ValueError(
                    f"layer {l}: {_FIRST_KEY[kind]} has shape {d[_FIRST_KEY[kind]].shape}, "
                    f"expected ({D_l}, {H}): layer {l} reads the {D_l} features below it "
                    f"and every layer has the same H = {H}"
                )
    return layers, bidirectional, kind, D, H


# ---------------------------------------------------------------------------- PyTorch


def _torch_kind(module):
    from torch import nn

    for kind, classes in {
        "rnn": (nn.RNN, nn.RNNCell),
        "lstm": (nn.LSTM, nn.LSTMCell),
        "gru": (nn.GRU, nn.GRUCell),
    }.items():
        if isinstance(module, classes):
            return kind
    raise TypeError(
        "module must be a torch.nn RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell, "
        f"got {type(module).__name__}"
    )


def _torch_arrays(module, suffix, dtype):
    """(weight_ih^T, weight_hh^T, bias_ih, bias_hh) of one layer and direction, as numpy."""

    def get(name):
        tensor = getattr(module, name + suffix, None)
        return None if tensor is None else tensor.detach().cpu().numpy().astype(dtype)

    return get("weight_ih").T, get("weight_hh").T, get("bias_ih"), get("bias_hh")


def from_torch(module, dtype=np.float64):
    """The book's params of a PyTorch recurrent module or cell.

    W_?x = weight_ih[gate rows]^T, W_?h = weight_hh[gate rows]^T and b_? = bias_ih[gate]
    + bias_hh[gate], with gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n); the
    GRU candidate keeps b_nx = b_in and b_nh = b_hn apart. ``batch_first`` does not
    change the weights. A module built with ``bias=False`` gives zero biases.

    Parameters
    ----------
    module : torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell
        An RNN's ``nonlinearity`` ("tanh" or "relu") is not a parameter: pass it to
        ``coursekit.rnn.forward`` as ``activation``. LSTMs with ``proj_size`` are not
        supported.
    dtype : numpy dtype
        Of the returned arrays; biases are summed after the conversion.

    Returns
    -------
    params : dict, tuple or list
        One layer: a dict as ``coursekit.rnn`` / ``lstm`` / ``gru`` take it, with
        W_?x (D, H), W_?h (H, H), biases (H,). Bidirectional: a tuple (p_fwd, p_bwd)
        from the ``*_reverse`` weights. ``num_layers`` > 1: a list of those, bottom
        layer first; layer l > 0 reads H (or 2H, bidirectional) features.
    """
    from torch import nn

    kind = _torch_kind(module)
    gates = _TORCH_GATES[kind]
    if isinstance(module, nn.RNNCellBase):
        return _unstack(kind, gates, *_torch_arrays(module, "", dtype))
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 have no coursekit counterpart")
    layers = []
    for l in range(module.num_layers):
        layer = _unstack(kind, gates, *_torch_arrays(module, f"_l{l}", dtype))
        if module.bidirectional:
            layer = (layer, _unstack(kind, gates, *_torch_arrays(module, f"_l{l}_reverse", dtype)))
        layers.append(layer)
    return layers[0] if module.num_layers == 1 else layers


def to_torch(params, nonlinearity="tanh", cell=False):
    """A PyTorch module that computes what coursekit computes with ``params``.

    weight_ih = [W_?x for the gates in PyTorch's order]^T, weight_hh likewise from W_?h;
    the merged biases go into ``bias_ih`` and ``bias_hh`` is zero, except the GRU
    candidate: b_nx into bias_ih's n block, b_nh into bias_hh's n block. So
    ``from_torch(to_torch(p))`` gives back ``p`` exactly.

    Parameters
    ----------
    params : dict, tuple (p_fwd, p_bwd) or list of either
        As ``from_torch`` returns them: a dict of RNN (W_xh (D, H), W_hh (H, H),
        b_h (H,)), LSTM or GRU weights; a tuple for a bidirectional layer; a list for
        ``num_layers`` = len(list) layers (all dicts, or all tuples).
    nonlinearity : {"tanh", "relu"}
        Of a plain RNN; LSTMs and GRUs only take "tanh".
    cell : bool
        If True, build an ``RNNCell`` / ``LSTMCell`` / ``GRUCell`` (one step) from a
        single dict instead of a sequence module.

    Returns
    -------
    module : torch.nn.RNN, LSTM, GRU (``batch_first=True``) or the matching Cell
        In float64 (``.double()``) when the params are float64, else in float32. Input
        x (B, T, D), output (B, T, H), or (B, T, 2H) when bidirectional.
    """
    import torch
    from torch import nn

    layers, bidirectional, kind, D, H = _layers_of(params)
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    if kind != "rnn" and nonlinearity != "tanh":
        raise ValueError(f"nonlinearity={nonlinearity!r} applies to a plain RNN, not a {kind}")
    options = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    if cell:
        if len(layers) > 1 or bidirectional:
            raise ValueError("cell=True builds one step of one layer: pass a single dict")
        classes = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
        module = classes[kind](D, H, **options)
        directions = {"": layers[0]}
    else:
        classes = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
        module = classes[kind](
            D, H, num_layers=len(layers), bidirectional=bidirectional, batch_first=True, **options
        )
        directions = {}
        for l, layer in enumerate(layers):
            directions[f"_l{l}"] = layer[0] if bidirectional else layer
            if bidirectional:
                directions[f"_l{l}_reverse"] = layer[1]
    if directions[next(iter(directions))][_FIRST_KEY[kind]].dtype == np.float64:
        module = module.double()
    with torch.no_grad():
        for suffix, p in directions.items():
            w_x, w_h, b_x, b_h = _stack(kind, _TORCH_GATES[kind], p)
            for name, value in [("weight_ih", w_x.T), ("weight_hh", w_h.T)]:
                getattr(module, name + suffix).copy_(torch.from_numpy(np.ascontiguousarray(value)))
            getattr(module, "bias_ih" + suffix).copy_(torch.from_numpy(b_x))
            getattr(module, "bias_hh" + suffix).copy_(torch.from_numpy(b_h))
    return module


# ------------------------------------------------------------------------------ Keras


def _keras_kind(layer):
    import keras

    for kind, cls in {
        "rnn": keras.layers.SimpleRNN,
        "lstm": keras.layers.LSTM,
        "gru": keras.layers.GRU,
    }.items():
        if isinstance(layer, cls):
            return kind
    raise TypeError(
        "layer must be a keras.layers SimpleRNN, LSTM, GRU or Bidirectional, "
        f"got {type(layer).__name__}"
    )


def _name(activation):
    return getattr(activation, "__name__", str(activation))


def from_keras(layer):
    """The book's params of a built Keras recurrent layer.

    W_?x = kernel[:, gate block], W_?h = recurrent_kernel[:, gate block], b_? =
    bias[gate block], with gates in Keras' order (LSTM i, f, c, o, where c is the book's
    g; GRU z, r, h, where h is the book's n). A GRU (``reset_after=True``) has bias of
    shape (2, 3H): row 0 the input biases, row 1 the recurrent ones, merged by summing
    except the candidate's: b_nx = bias[0, h block], b_nh = bias[1, h block].

    Parameters
    ----------
    layer : keras.layers.SimpleRNN, LSTM, GRU or Bidirectional, or a list of them
        Built (called once, or ``layer.build((None, None, D))``). A SimpleRNN's
        activation ("tanh" or "relu") is not a parameter: pass it to
        ``coursekit.rnn.forward``. LSTMs and GRUs must use tanh and sigmoid.

    Returns
    -------
    params : dict, tuple or list
        A dict with W_?x (D, H), W_?h (H, H), biases (H,), in the layer's dtype
        (float32 by default); a tuple (p_fwd, p_bwd) for a Bidirectional layer; a list
        for a list of layers.
    """
    import keras

    if isinstance(layer, list):
        return [from_keras(one) for one in layer]
    if isinstance(layer, keras.layers.Bidirectional):
        return from_keras(layer.forward_layer), from_keras(layer.backward_layer)
    kind = _keras_kind(layer)
    if not layer.built:
        raise ValueError(
            f"{layer.name} has no weights yet: call it on an input, or layer.build((None, None, D))"
        )
    cell = layer.cell
    allowed = ("tanh", "relu") if kind == "rnn" else ("tanh",)
    if _name(cell.activation) not in allowed:
        raise ValueError(f"{layer.name}: activation must be one of {allowed}")
    if kind != "rnn" and _name(cell.recurrent_activation) != "sigmoid":
        raise ValueError(f"{layer.name}: recurrent_activation must be 'sigmoid'")
    if kind == "gru" and not cell.reset_after:
        raise ValueError(f"{layer.name}: only GRU(reset_after=True) matches the book's GRU")

    def to_numpy(variable):
        return None if variable is None else np.array(variable.numpy())

    w_x, w_h, bias = (to_numpy(v) for v in (cell.kernel, cell.recurrent_kernel, cell.bias))
    b_x, b_h = (bias[0], bias[1]) if kind == "gru" and bias is not None else (bias, None)
    return _unstack(kind, _KERAS_GATES[kind], w_x, w_h, b_x, b_h)


def to_keras(params, activation="tanh"):
    """A built Keras layer that computes what coursekit computes with ``params``.

    kernel = [W_?x for the gates in Keras' order], recurrent_kernel likewise from W_?h,
    bias = the merged biases; a GRU (``reset_after=True``) gets bias row 0 = the input
    biases (b_z, b_r, b_nx) and row 1 = (0, 0, b_nh). So ``from_keras(to_keras(p))``
    gives back ``p`` exactly.

    Parameters
    ----------
    params : dict, tuple (p_fwd, p_bwd) or list of either
        A dict of RNN (W_xh (D, H), W_hh (H, H), b_h (H,)), LSTM or GRU weights, as
        ``from_keras`` returns them.
    activation : {"tanh", "relu"}
        Of a SimpleRNN; LSTMs and GRUs only take "tanh".

    Returns
    -------
    layer : keras.layers.SimpleRNN, LSTM or GRU, or Bidirectional for a tuple
        Built for inputs (B, T, D), ``return_sequences=True`` (outputs (B, T, H), or
        (B, T, 2H) concatenated for Bidirectional), in the params' dtype. A list gives
        a list of layers, bottom first, to stack in order.
    """
    import keras

    if isinstance(params, list):
        _layers_of(params)
        return [to_keras(layer, activation) for layer in params]
    layers, bidirectional, kind, D, H = _layers_of(params)
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
    if kind != "rnn" and activation != "tanh":
        raise ValueError(f"activation={activation!r} applies to a SimpleRNN, not a {kind}")
    directions = layers[0] if bidirectional else (layers[0],)
    dtype = directions[0][_FIRST_KEY[kind]].dtype.name

    def new_layer(go_backwards):
        options = {"return_sequences": True, "go_backwards": go_backwards, "dtype": dtype}
        if kind == "rnn":
            return keras.layers.SimpleRNN(H, activation=activation, **options)
        if kind == "lstm":
            return keras.layers.LSTM(H, **options)
        return keras.layers.GRU(H, reset_after=True, **options)

    if bidirectional:
        layer = keras.layers.Bidirectional(
            new_layer(False), backward_layer=new_layer(True), dtype=dtype
        )
        targets = (layer.forward_layer, layer.backward_layer)
    else:
        layer = new_layer(False)
        targets = (layer,)
    layer.build((None, None, D))
    for target, p in zip(targets, directions, strict=True):
        w_x, w_h, b_x, b_h = _stack(kind, _KERAS_GATES[kind], p)
        target.set_weights([w_x, w_h, np.stack([b_x, b_h]) if kind == "gru" else b_x])
    return layer

"""What the tests of 04_lstm_gru expect: one LSTM step forwards and backwards, one GRU step,
the book's weights read from PyTorch's nn.LSTMCell and nn.GRUCell, and parameter counts.

PyTorch is the second reference here: it is imported inside the functions that build or
run a PyTorch cell, never at the top of the module.
"""

from enum import StrEnum

import numpy as np

from coursekit import gru, interop, lstm, rnn
from coursekit.activations import dsigmoid, dtanh, relu, sigmoid
from coursekit.checks import Expected

from . import TOLERANCE, tolerance
from .mistakes import Mistake as Shared


class Mistake(StrEnum):
    FORGET_ON_H = (
        "forget gate on the wrong state: c_t = f_t * c_{t-1} + i_t * g_t; the forget gate "
        "scales the previous cell state c_{t-1}, not h_{t-1}"
    )
    NO_TANH_ON_CELL = "tanh of the cell missing: h_t = o_t * tanh(c_t), not o_t * c_t"
    SIGMOID_CANDIDATE = (
        "wrong activation: the candidate g_t uses tanh (so that it can be negative), not the "
        "sigmoid"
    )
    RELU_FOR_TANH = (
        "wrong activation: relu where the LSTM uses tanh (the candidate g_t and h_t = o_t * "
        "tanh(c_t)); the cell state is unbounded, so relu lets h_t grow without limit"
    )
    INPUT_FORGET_SWAPPED = (
        "input and forget gates swapped: f_t scales c_{t-1} and i_t scales the candidate g_t"
    )
    LSTM_MISSING_BIAS = "missing bias: every gate adds its bias b_i, b_f, b_o, b_g"
    LSTM_TRANSPOSED = (
        "transposed weight: in row-vector code the recurrent product is h_prev @ W_?h, not "
        "h_prev @ W_?h.T"
    )
    STATES_SWAPPED = "(c_t, h_t) returned: return the tuple (h_t, c_t), hidden state first"
    NO_PATH_THROUGH_H = (
        "the path through h_t is missing: c_t also reaches the loss through h_t = o_t * "
        "tanh(c_t), so dc = dc_t + dh_t * o_t * (1 - tanh(c_t)^2)"
    )
    DC_PREV_WITHOUT_FORGET = (
        "dc_prev = dc: the cell path multiplies by the forget gate, dc_{t-1} = dc * f_t"
    )
    SIGMOID_DERIVATIVE = (
        "sigmoid derivative: for s = sigmoid(a), the derivative is s * (1 - s), not 1 - s^2"
    )
    NO_TANH_DERIVATIVE = (
        "tanh'(c_t) missing: the gradient from h_t to c_t is dh_t * o_t * (1 - tanh(c_t)^2), "
        "not dh_t * o_t"
    )
    DH_PREV_NOT_TRANSPOSED = (
        "transposed weight: dh_{t-1} is the sum over the gates of da_k @ W_kh.T (for Y = X W, "
        "dX = dY W^T)"
    )
    DB_NOT_SUMMED = (
        "db not summed over the batch: each bias is shared by every example, so db_k = "
        "da_k.sum(axis=0), shape (H,)"
    )
    RESET_BEFORE_PRODUCT = (
        "reset gate applied before the product (Keras reset_after=False): in PyTorch's "
        "convention n_t = tanh(x_t W_nx + b_nx + r_t * (h_prev W_nh + b_nh)), r_t multiplies "
        "the product"
    )
    UPDATE_GATE_REVERSED = (
        "update gate the wrong way round: h_t = (1 - z_t) * n_t + z_t * h_prev; z_t keeps the "
        "old state"
    )
    UPDATE_RESET_SWAPPED = (
        "update and reset gates swapped: z_t = sigmoid(x_t W_zx + h_prev W_zh + b_z) mixes the "
        "old state and the candidate, r_t = sigmoid(x_t W_rx + h_prev W_rh + b_r) scales "
        "h_prev W_nh + b_nh; swapped, the cell runs but computes another function"
    )
    BNH_OUTSIDE_RESET = "b_nh outside the reset gate: it sits inside r_t * (h_prev W_nh + b_nh)"
    GRU_MISSING_BIAS = "missing bias: b_nh was left out of r_t * (h_prev W_nh + b_nh)"
    SIGMOID_GRU_CANDIDATE = "wrong activation: the candidate n_t uses tanh, not the sigmoid"
    LSTM_TORCH_ORDER = (
        "gate order i, f, o, g: PyTorch stacks the LSTM blocks as i, f, g, o (the candidate "
        "third, the output gate last)"
    )
    LSTM_TORCH_ONE_BIAS = (
        "one bias only: PyTorch keeps two biases per gate, bias_ih and bias_hh; the book's b_? "
        "is their sum"
    )
    LSTM_TORCH_NOT_TRANSPOSED = (
        "weights not transposed: weight_ih has shape (4H, D), each block (H, D); the book's "
        "W_?x is block.T, of shape (D, H)"
    )
    GRU_TORCH_KERAS_ORDER = (
        "Keras' gate order z, r, n: PyTorch stacks the GRU blocks r, z, n (reset first)"
    )
    GRU_TORCH_MERGED = (
        "candidate biases merged: b_nx = b_in and b_nh = b_hn stay apart, because b_hn sits "
        "inside r_t * (h_prev W_nh + b_hn)"
    )
    GRU_TORCH_ONE_BIAS = (
        "one bias only: the update and reset gates' biases are sums, b_z = b_iz + b_hz and "
        "b_r = b_ir + b_hr"
    )
    GRU_TORCH_NOT_TRANSPOSED = (
        "weights not transposed: weight_ih has shape (3H, D), each block (H, D); the book's "
        "W_?x is block.T, of shape (D, H)"
    )
    COUNT_THREE_BLOCKS = (
        "three blocks counted for the LSTM: it has four (the gates i, f, o and the candidate g)"
    )
    COUNT_NO_BIASES = "biases forgotten: each block has a bias of H entries"
    COUNT_GRU_EXTRA_BIAS = (
        "the GRU's extra bias forgotten: in the reset_after form b_nh adds H, so "
        "3(HD + H^2 + H) + H"
    )
    COUNT_TWO_BIASES_IGNORED = (
        "two_biases ignored: with two biases per block every block adds 2H bias entries"
    )


BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}
"""Blocks of one cell: an affine map of x_t and h_{t-1} each (the RNN's one, 4 gates, 3)."""


def _torch_tolerance(*arrays):
    """(rtol, atol) against PyTorch: (1e-9, 1e-12) in float64, as :func:`tolerance` in float32."""
    rtol_atol = tolerance(*arrays)
    return (1e-9, 1e-12) if rtol_atol == TOLERANCE[np.dtype(np.float64)] else rtol_atol


def _swapped(params, a, b):
    """``params`` with the parameters of blocks ``a`` and ``b`` exchanged (W_ax <-> W_bx, ...)."""
    rename = {f"{w}_{a}{s}": f"{w}_{b}{s}" for w, s in [("W", "x"), ("W", "h"), ("b", "")]}
    rename.update({new: old for old, new in rename.items()})
    return {rename.get(k, k): v for k, v in params.items()}


# --- Task 1: one LSTM step ----------------------------------------------------------------


def _lstm_with(x_t, state_prev, p, act_g=np.tanh, act_c=np.tanh):
    """(h_t, c_t) with g_t = act_g(a_g) and h_t = o_t * act_c(c_t): the LSTM when both are tanh."""
    h_prev, c_prev = state_prev
    a = {k: x_t @ p[f"W_{k}x"] + h_prev @ p[f"W_{k}h"] + p[f"b_{k}"] for k in lstm.GATES}
    i, f, o = (sigmoid(a[k]) for k in "ifo")
    c_t = f * c_prev + i * act_g(a["g"])
    return o * act_c(c_t), c_t


def _lstm_slips(x_t, state_prev, params):
    """Each slip of Task 1 -> the (h_t, c_t) it returns."""
    h_prev, _ = state_prev
    right = lstm.cell_forward(x_t, state_prev, params)[0]
    no_bias = {k: v * 0 if k.startswith("b") else v for k, v in params.items()}
    transposed = {k: v.T if k.endswith("h") else v for k, v in params.items()}
    return {
        Mistake.FORGET_ON_H: lstm.cell_forward(x_t, (h_prev, h_prev), params)[0],
        Mistake.NO_TANH_ON_CELL: _lstm_with(x_t, state_prev, params, act_c=lambda c: c),
        Mistake.SIGMOID_CANDIDATE: _lstm_with(x_t, state_prev, params, act_g=sigmoid),
        Mistake.RELU_FOR_TANH: _lstm_with(x_t, state_prev, params, relu, relu),
        Mistake.INPUT_FORGET_SWAPPED: lstm.cell_forward(
            x_t, state_prev, _swapped(params, "i", "f")
        )[0],
        Mistake.LSTM_MISSING_BIAS: lstm.cell_forward(x_t, state_prev, no_bias)[0],
        Mistake.LSTM_TRANSPOSED: lstm.cell_forward(x_t, state_prev, transposed)[0],
        Mistake.STATES_SWAPPED: right[::-1],
    }


def _torch_lstm(x_t, state_prev, params):
    """(h_t, c_t) of PyTorch's nn.LSTMCell holding ``params`` (coursekit.interop.to_torch)."""
    return _torch_output(interop.to_torch(params, cell=True), x_t, state_prev)


def lstm_forward(x_t, state_prev, params, part, by="coursekit"):
    """``part`` "h_t" (h_t = o_t tanh(c_t)) or "c_t" (c_t = f_t c_{t-1} + i_t g_t) of one step.

    With the values Task 1's slips give instead. ``by`` = "torch": the value PyTorch's
    nn.LSTMCell computes with the same weights, to (1e-9, 1e-12) in float64.
    """
    k = ("h_t", "c_t").index(part)
    if by == "torch":
        value, (rtol, atol) = _torch_lstm(x_t, state_prev, params)[k], _torch_tolerance(x_t)
    else:
        value = lstm.cell_forward(x_t, state_prev, params)[0][k]
        rtol, atol = tolerance(x_t, *state_prev, params)
    mistakes = {hint: v[k] for hint, v in _lstm_slips(x_t, state_prev, params).items()}
    return Expected(value, rtol, atol, mistakes, axes="(batch, H)")


# --- Task 2: the LSTM step backwards -------------------------------------------------------


def _lstm_backward_with(dstate, x_t, state_prev, p, slip=None):
    """(dx_t, dh_prev, dc_prev, grads) of one LSTM step, by hand, with ``slip`` built in.

    dc = dc_t + dh_t o_t tanh'(c_t); da_i, da_f, da_o, da_g = dc g, dc c_{t-1}, dh_t tanh(c_t),
    dc i times σ', σ', σ', tanh'; dW_kx = x_t^T da_k, dW_kh = h_{t-1}^T da_k, db_k = Σ_batch
    da_k; dx_t = Σ_k da_k W_kx^T, dh_{t-1} = Σ_k da_k W_kh^T, dc_{t-1} = dc f_t.
    """
    (dh_t, dc_t), (h_prev, c_prev) = dstate, state_prev
    a = {k: x_t @ p[f"W_{k}x"] + h_prev @ p[f"W_{k}h"] + p[f"b_{k}"] for k in lstm.GATES}
    i, f, o, g = sigmoid(a["i"]), sigmoid(a["f"]), sigmoid(a["o"]), np.tanh(a["g"])
    tanh_c = np.tanh(f * c_prev + i * g)
    ds = (lambda s: 1 - s**2) if slip == Mistake.SIGMOID_DERIVATIVE else dsigmoid
    through_h = {Mistake.NO_PATH_THROUGH_H: 0 * dh_t, Mistake.NO_TANH_DERIVATIVE: dh_t * o}
    dc = dc_t + through_h.get(slip, dh_t * o * dtanh(tanh_c))
    da = {
        "i": dc * g * ds(i),
        "f": dc * c_prev * ds(f),
        "o": dh_t * tanh_c * ds(o),
        "g": dc * i * dtanh(g),
    }
    grads, dx_t, dh_prev = {}, 0, 0
    for k, da_k in da.items():
        grads[f"W_{k}x"], grads[f"W_{k}h"] = x_t.T @ da_k, h_prev.T @ da_k
        grads[f"b_{k}"] = da_k if slip == Mistake.DB_NOT_SUMMED else da_k.sum(axis=0)
        dx_t = dx_t + da_k @ p[f"W_{k}x"].T
        W_kh = p[f"W_{k}h"] if slip == Mistake.DH_PREV_NOT_TRANSPOSED else p[f"W_{k}h"].T
        dh_prev = dh_prev + da_k @ W_kh
    dc_prev = dc if slip == Mistake.DC_PREV_WITHOUT_FORGET else dc * f
    return dx_t, dh_prev, dc_prev, {k: grads[k] for k in p}


_BACKWARD_SLIPS = (
    Mistake.NO_PATH_THROUGH_H,
    Mistake.DC_PREV_WITHOUT_FORGET,
    Mistake.SIGMOID_DERIVATIVE,
    Mistake.NO_TANH_DERIVATIVE,
    Mistake.DH_PREV_NOT_TRANSPOSED,
    Mistake.DB_NOT_SUMMED,
)


def _autograd_lstm(dstate, x_t, state_prev, params):
    """(dx_t, dh_prev, dc_prev, grads) by PyTorch's autograd through nn.LSTMCell.

    L = Σ dh_t * h_t + Σ dc_t * c_t; the cell's gradients are read back into the book's
    names by loading them into a cell (bias_hh = 0) and calling interop.from_torch.
    """
    import torch

    cell = interop.to_torch(params, cell=True)
    x, h, c = (torch.tensor(a, requires_grad=True) for a in (x_t, *state_prev))
    h_t, c_t = cell(x, (h, c))
    dh_t, dc_t = (torch.from_numpy(a) for a in dstate)
    (torch.sum(dh_t * h_t) + torch.sum(dc_t * c_t)).backward()
    grads = {name: t.grad for name, t in cell.named_parameters()}
    grads["bias_hh"] = torch.zeros_like(grads["bias_hh"])  # bias_ih.grad is db already
    cell.load_state_dict(grads)
    as_numpy = (t.grad.numpy() for t in (x, h, c))
    return *as_numpy, interop.from_torch(cell, dtype=x_t.dtype)


def lstm_backward(dstate, x_t, state_prev, params, part, by="coursekit"):
    """``part`` of one LSTM step's gradients: "dx_t", "dh_prev", "dc_prev" or "grads".

    dx_t = Σ_k da_k W_kx^T, dh_{t-1} = Σ_k da_k W_kh^T, dc_{t-1} = dc f_t, grads the dict
    of dW_kx, dW_kh, db_k; with the values Task 2's slips give instead. ``by`` =
    "autograd": PyTorch's autograd through nn.LSTMCell, to (1e-9, 1e-12) in float64.
    """
    k = ("dx_t", "dh_prev", "dc_prev", "grads").index(part)
    if by == "autograd":
        value = _autograd_lstm(dstate, x_t, state_prev, params)[k]
        rtol, atol = _torch_tolerance(x_t)
    else:
        _, cache = lstm.cell_forward(x_t, state_prev, params)
        dx_t, (dh_prev, dc_prev), grads = lstm.cell_backward(dstate, cache)
        value = (dx_t, dh_prev, dc_prev, grads)[k]
        rtol, atol = tolerance(x_t, *state_prev, *dstate, params)
    mistakes = {
        slip: _lstm_backward_with(dstate, x_t, state_prev, params, slip)[k]
        for slip in _BACKWARD_SLIPS
    }
    axes = {"dx_t": "(batch, D)", "grads": None}.get(part, "(batch, H)")
    return Expected(value, rtol, atol, mistakes, axes=axes)


# --- Task 3: one GRU step ------------------------------------------------------------------


def _gru_with(x_t, h_prev, p, slip=None):
    """h_t = (1 - z_t) n_t + z_t h_prev, n_t = tanh(x_t W_nx + b_nx + r_t (h_prev W_nh + b_nh)),
    with ``slip`` (a Mistake of the candidate or of the mix) built in."""
    z = sigmoid(x_t @ p["W_zx"] + h_prev @ p["W_zh"] + p["b_z"])
    r = sigmoid(x_t @ p["W_rx"] + h_prev @ p["W_rh"] + p["b_r"])
    recurrent = {
        Mistake.RESET_BEFORE_PRODUCT: (r * h_prev) @ p["W_nh"] + p["b_nh"],
        Mistake.BNH_OUTSIDE_RESET: r * (h_prev @ p["W_nh"]) + p["b_nh"],
    }.get(slip, r * (h_prev @ p["W_nh"] + p["b_nh"]))
    act = sigmoid if slip == Mistake.SIGMOID_GRU_CANDIDATE else np.tanh
    n = act(x_t @ p["W_nx"] + p["b_nx"] + recurrent)
    if slip == Mistake.UPDATE_GATE_REVERSED:
        return z * n + (1 - z) * h_prev
    return (1 - z) * n + z * h_prev


def gru_forward(x_t, h_prev, params, by="coursekit"):
    """h_t = (1 - z_t) n_t + z_t h_{t-1} of one GRU step, and what Task 3's slips give.

    ``by`` = "torch": the value of PyTorch's nn.GRUCell with the same weights, to
    (1e-9, 1e-12) in float64.
    """
    if by == "torch":
        cell = interop.to_torch(params, cell=True)
        value, (rtol, atol) = _torch_output(cell, x_t, h_prev), _torch_tolerance(x_t)
    else:
        value, (rtol, atol) = gru.cell_forward(x_t, h_prev, params)[0], tolerance(x_t, params)
    candidate_slips = (
        Mistake.RESET_BEFORE_PRODUCT,
        Mistake.BNH_OUTSIDE_RESET,
        Mistake.SIGMOID_GRU_CANDIDATE,
        Mistake.UPDATE_GATE_REVERSED,
    )
    mistakes = {slip: _gru_with(x_t, h_prev, params, slip) for slip in candidate_slips}
    no_bias = {**params, "b_nh": params["b_nh"] * 0}
    mistakes[Mistake.GRU_MISSING_BIAS] = gru.cell_forward(x_t, h_prev, no_bias)[0]
    swapped = _swapped(params, "z", "r")
    mistakes[Mistake.UPDATE_RESET_SWAPPED] = gru.cell_forward(x_t, h_prev, swapped)[0]
    return Expected(value, rtol, atol, mistakes, axes="(batch, H)")


# --- Tasks 4 and 5: PyTorch's weights in the book's names ----------------------------------


def _torch_output(cell, x_t, state_prev):
    """What a PyTorch cell computes from numpy inputs, as numpy arrays (no gradients).

    An nn.LSTMCell with ``state_prev`` = (h_prev, c_prev) gives (h_t, c_t); an nn.GRUCell
    with ``state_prev`` = h_prev gives h_t.
    """
    import torch

    with torch.no_grad():
        x = torch.from_numpy(x_t)
        if isinstance(state_prev, tuple):
            return tuple(t.numpy() for t in cell(x, tuple(map(torch.from_numpy, state_prev))))
        return cell(x, torch.from_numpy(state_prev)).numpy()


def cell_output(cell, x_t, state_prev, part="h_t"):
    """``part`` ("h_t" or "c_t") of what the PyTorch ``cell`` itself computes from these inputs.

    To (1e-9, 1e-12) in float64, (1e-4, 1e-5) in float32; for an nn.GRUCell, h_t.
    """
    value = _torch_output(cell, x_t, state_prev)
    if isinstance(state_prev, tuple):
        value = value[("h_t", "c_t").index(part)]
    return Expected(value, *_torch_tolerance(x_t), axes="(batch, H)")


def _read_torch(cell, order, transpose=True, two_biases=True, merge_n=False):
    """The book's dict from a cell's blocks read in ``order``, with the slips' options.

    W_kx = weight_ih[block]^T (untransposed if not ``transpose``), W_kh likewise, b_k =
    bias_ih[block] + bias_hh[block] (bias_ih alone if not ``two_biases``); the GRU's
    candidate keeps b_nx = b_in, b_nh = b_hn (b_nx = b_in + b_hn, b_nh = 0 if ``merge_n``).
    """
    H = cell.hidden_size
    w_ih, w_hh, b_ih, b_hh = (
        getattr(cell, name).detach().numpy().copy()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )
    params = {}
    for n, gate in enumerate(order):
        s = slice(n * H, (n + 1) * H)
        params[f"W_{gate}x"], params[f"W_{gate}h"] = (
            w[s].T if transpose else w[s] for w in (w_ih, w_hh)
        )
        if gate == "n":
            merged = (b_ih[s] + b_hh[s], b_hh[s] * 0)
            params["b_nx"], params["b_nh"] = merged if merge_n else (b_ih[s], b_hh[s])
        else:
            params[f"b_{gate}"] = b_ih[s] + b_hh[s] if two_biases else b_ih[s]
    return params


def _from_torch(cell, mistakes):
    """interop.from_torch(cell) in the cell's own dtype, with the slips' dicts."""
    dtype = cell.weight_ih.detach().numpy().dtype
    value = interop.from_torch(cell, dtype=dtype)
    return Expected(value, *tolerance(*value.values()), mistakes)


def lstm_from_torch(cell):
    """W_kx = weight_ih[k]^T, W_kh = weight_hh[k]^T, b_k = bias_ih[k] + bias_hh[k], blocks i f g o.

    The book's twelve arrays of an nn.LSTMCell, with what Task 4's slips read instead.
    """
    return _from_torch(
        cell,
        {
            Mistake.LSTM_TORCH_ORDER: _read_torch(cell, "ifog"),
            Mistake.LSTM_TORCH_ONE_BIAS: _read_torch(cell, "ifgo", two_biases=False),
            Mistake.LSTM_TORCH_NOT_TRANSPOSED: _read_torch(cell, "ifgo", transpose=False),
        },
    )


def gru_from_torch(cell):
    """W_kx = weight_ih[k]^T, W_kh = weight_hh[k]^T, blocks r z n; b_z, b_r summed; b_nx, b_nh.

    The book's ten arrays of an nn.GRUCell, with what Task 5's slips read instead.
    """
    return _from_torch(
        cell,
        {
            Mistake.GRU_TORCH_KERAS_ORDER: _read_torch(cell, "zrn"),
            Mistake.GRU_TORCH_MERGED: _read_torch(cell, "rzn", merge_n=True),
            Mistake.GRU_TORCH_ONE_BIAS: _read_torch(cell, "rzn", two_biases=False),
            Mistake.GRU_TORCH_NOT_TRANSPOSED: _read_torch(cell, "rzn", transpose=False),
        },
    )


# --- Task 6: counting parameters ------------------------------------------------------------


def _torch_count(cell, n_inputs, n_hidden):
    """Parameters of PyTorch's nn.RNN, nn.LSTM or nn.GRU(n_inputs, n_hidden), as it counts them."""
    from torch import nn

    module = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](n_inputs, n_hidden)
    return sum(t.numel() for t in module.parameters())


def param_count(cell, n_inputs, n_hidden, two_biases=False):
    """G (HD + HH + H), + H for the GRU's b_nh; G (HD + HH + 2H) with ``two_biases``.

    G = 1, 4, 3 blocks for "rnn", "lstm", "gru"; the book's count comes from coursekit's
    cells, the two-bias count from PyTorch's own modules; with the counts of the slips.
    """
    D, H, G = n_inputs, n_hidden, BLOCKS[cell]
    if two_biases:
        total = _torch_count(cell, D, H)
    else:
        total = {"rnn": rnn, "lstm": lstm, "gru": gru}[cell].n_params(D, H)
    bias = 2 * H if two_biases else H
    extra = H if cell == "gru" and not two_biases else 0
    mistakes = {
        Mistake.COUNT_NO_BIASES: G * (H * D + H * H),
        Shared.COUNT_W_HH_AS_HD: G * (2 * H * D + bias) + extra,
    }
    if cell == "lstm":
        mistakes[Mistake.COUNT_THREE_BLOCKS] = 3 * (H * D + H * H + bias)
    if cell == "gru" and not two_biases:
        mistakes[Mistake.COUNT_GRU_EXTRA_BIAS] = 3 * (H * D + H * H + H)
    if two_biases:
        mistakes[Mistake.COUNT_TWO_BIASES_IGNORED] = param_count(cell, D, H).value
    return Expected(total, mistakes=mistakes)

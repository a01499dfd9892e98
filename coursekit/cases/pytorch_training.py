"""Inputs for the tests of 07_pytorch_training.

Arrays are numpy; the few inputs that must be PyTorch objects (parameters with gradients,
the models the training loop is tested on) are made by functions that import torch when
they are called, so that importing this module never imports a framework.
"""

import functools

import numpy as np

from . import normal

BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}
"""Gate blocks stacked in PyTorch's weights: nn.RNN 1, nn.LSTM 4 (i, f, g, o), nn.GRU 3."""


def model_shapes(cell, n_hidden, n_inputs=2):
    """PyTorch's names and shapes of the parameters of AddingModel(cell, n_hidden), sorted.

    weight_ih (G H, D), weight_hh (G H, H), bias_ih and bias_hh (G H,) of ``self.rnn`` with
    G = 1, 4 or 3 blocks, then weight (1, H) and bias (1,) of ``self.head``.
    """
    G, H = BLOCKS[cell] * n_hidden, n_hidden
    shapes = {"rnn.weight_ih_l0": (G, n_inputs), "rnn.weight_hh_l0": (G, H)}
    shapes.update({"rnn.bias_ih_l0": (G,), "rnn.bias_hh_l0": (G,)})
    shapes.update({"head.weight": (1, H), "head.bias": (1,)})
    return dict(sorted(shapes.items()))


def torch_weights(seed, shapes):
    """{name: N(0, 0.5^2) float32 array}, drawn by one default_rng(seed) in sorted name order.

    What the notebook's fill_torch writes into a module's parameters.
    """
    rng = np.random.default_rng(seed)
    return {k: (rng.normal(size=shapes[k]) * 0.5).astype(np.float32) for k in sorted(shapes)}


def sequences(seed, B, T):
    """A batch x of shape (B, T, 2) from N(0, 1) by default_rng(seed), float32."""
    return normal(np.random.default_rng(seed), (B, T, 2), dtype=np.float32)


def gradients(seed, zero=False):
    """Gradients {name: array or None} of four parameters, float32; p1 has none.

    p0 (3, 4) from N(0, 2^2), p2 (4,) and p3 (2, 2, 3) from N(0, 1); with ``zero``, two
    zero gradients p0 (2, 2) and p1 (3,) instead.
    """
    if zero:
        return {"p0": np.zeros((2, 2), np.float32), "p1": np.zeros(3, np.float32)}
    rng = np.random.default_rng(seed)
    p0, p2 = normal(rng, (3, 4), 2.0, np.float32), normal(rng, (4,), dtype=np.float32)
    return {"p0": p0, "p1": None, "p2": p2, "p3": normal(rng, (2, 2, 3), dtype=np.float32)}


def with_gradients(grads):
    """{name: tensor of zeros (requires_grad) whose .grad is a copy of grads[name]}.

    A gradient of None gives a parameter of shape (2,) without a gradient.
    """
    import torch

    params = {}
    for name, g in grads.items():
        p = torch.zeros(g.shape if g is not None else (2,), requires_grad=True)
        p.grad = None if g is None else torch.tensor(g)
        params[name] = p
    return params


def gradients_of(params):
    """{name: p.grad as a numpy copy} of the parameters that have a gradient."""
    return {k: p.grad.detach().numpy().copy() for k, p in params.items() if p.grad is not None}


@functools.cache
def _mean_state_regressor():
    """The class of an LSTM regressor whose head reads the mean of its states over time."""
    from torch import nn

    class MeanStateRegressor(nn.Module):
        def __init__(self, n_hidden):
            super().__init__()
            self.rnn = nn.LSTM(2, n_hidden, batch_first=True)
            self.head = nn.Linear(n_hidden, 1)

        def forward(self, x):
            return self.head(self.rnn(x)[0].mean(dim=1))

    return MeanStateRegressor


def regressor_shapes(kind, size):
    """The parameters' names and shapes of ``regressor(kind, size, ...)``, sorted."""
    if kind == "linear":
        return {"1.bias": (1,), "1.weight": (1, 2 * size)}
    return model_shapes("lstm", size)


def regressor(kind, size, seed):
    """A small PyTorch model for the tests of train, its parameters from torch_weights(seed).

    ``"linear"``: nn.Sequential(nn.Flatten(), nn.Linear(2 * size, 1)), for sequences of
    ``size`` steps. ``"lstm"``: nn.LSTM(2, size, batch_first=True) and an nn.Linear(size, 1)
    on the mean of its states over time.
    """
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):  # the notebook's random numbers stay as they were
        if kind == "linear":
            model = nn.Sequential(nn.Flatten(), nn.Linear(2 * size, 1))
        else:
            model = _mean_state_regressor()(size)
    weights = torch_weights(seed, regressor_shapes(kind, size))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(weights[name]))
    return model

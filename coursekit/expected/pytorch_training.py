"""What the tests of 07_pytorch_training expect: AddingModel's size, initial weights and
outputs, clipping by the global norm, the training loop, and Task 4's experiment.

A PyTorch model is compared with the book's cells in numpy: its parameters, by PyTorch's
names (``rnn.weight_ih_l0``, ..., ``head.weight``), become the book's dicts with the gate
order of :mod:`coursekit.interop`. The training loop and the experiment are fixed
completely by the tasks (seeds, steps, optimiser), so the reference trains them here, on
one thread, where PyTorch is deterministic, without touching the notebook's random numbers.
"""

import contextlib
import functools
from enum import StrEnum

import numpy as np
import torch
from torch import nn

from coursekit import data, gru, interop, lstm, rnn
from coursekit.cases import pytorch_training as cases
from coursekit.checks import (
    CheckFailed,
    Expected,
    Rule,
    check_array,
    check_float,
    check_type_and_shape,
)

from .mistakes import Mistake as Shared

T_ADD, N_HIDDEN, N_STEPS, LR = 40, 32, 1000, 1e-2
"""Task 4's budget: sequences of 40 steps, 32 units, 1000 steps of train(..., lr=1e-2)."""
DEFAULT_LR = 5e-3
"""train's default learning rate."""


class Mistake(StrEnum):
    CELL_IGNORED = (
        'the cell argument is ignored: "lstm" asks for nn.LSTM (four blocks of weights), "gru" '
        "for nn.GRU (three)"
    )
    H_N_OF_LSTM = (
        "for an LSTM the second value is the tuple (h_n, c_n); out[:, -1] works for every cell"
    )
    INIT_ORDER = (
        "other initial weights than AddingModel's: create self.rnn first, then self.head, and "
        "nothing else that draws random numbers (PyTorch draws initial weights in the order the "
        "layers are created)"
    )
    CLIP_EACH_PARAMETER = (
        "each parameter clipped by its own norm instead of the global norm over all of them"
    )
    CLIP_NOT_IN_PLACE = (
        "gradients unchanged: scale each p.grad in place (p.grad.mul_(...)), the way "
        "torch.nn.utils.clip_grad_norm_ does"
    )
    NO_ZERO_GRAD = (
        "gradients accumulate: call optimiser.zero_grad() at every step, before loss.backward()"
    )
    NOT_CLIPPED = (
        "the step used unclipped gradients: call torch.nn.utils.clip_grad_norm_ after "
        "loss.backward() (before it there are no gradients to clip) and before optimiser.step() "
        "(after it, it is too late)"
    )
    TRAIN_BY_VALUE = (
        "clipping by value instead of by norm: use "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)"
    )
    SAME_BATCH = (
        "the same batch at every step: create rng = np.random.default_rng(seed) once, before the "
        "loop, and draw every batch from it"
    )
    SGD = "SGD instead of Adam: the loop uses torch.optim.Adam(model.parameters(), lr=lr)"
    DEFAULT_LR = (
        "lr left at train's default 5e-3: the task trains both models with "
        "train(model, T_ADD, n_steps=1000, lr=1e-2)"
    )
    NOT_RESEEDED = (
        "torch.manual_seed(0) missing before creating rnn_model: call it right before creating "
        "each model, so that each starts from the task's initial weights"
    )


# --- Task 1: the model -----------------------------------------------------------------------


def n_parameters(cell, n_hidden):
    """G (2 H + H H + 2 H) + H + 1 with G = 1, 4 or 3 blocks (two biases per block in PyTorch)."""
    total = sum(int(np.prod(s)) for s in cases.model_shapes(cell, n_hidden).values())
    plain = sum(int(np.prod(s)) for s in cases.model_shapes("rnn", n_hidden).values())
    return Expected(total, mistakes={Mistake.CELL_IGNORED: plain})


def _book_params(cell, weights):
    """The book's dict (float64) of PyTorch's parameters of ``self.rnn``, gates in its order."""
    w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    # interop knows PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n) and its two biases.
    return interop._unstack(  # noqa: SLF001 - the one place that knows the layout
        cell,
        interop._TORCH_GATES[cell],  # noqa: SLF001
        w["rnn.weight_ih_l0"].T,
        w["rnn.weight_hh_l0"].T,
        w["rnn.bias_ih_l0"],
        w["rnn.bias_hh_l0"],
    )


def _states(cell, weights, x):
    """(h, c) of self.rnn on x (B, T, 2) from zero states, float64; c is None but for an LSTM."""
    p = _book_params(cell, weights)
    zeros = np.zeros((x.shape[0], weights["rnn.weight_hh_l0"].shape[1]))
    x = x.astype(np.float64)
    if cell == "lstm":
        h, cache = lstm.forward(x, (zeros, zeros), p)
        return h, cache["c"]
    return {"rnn": rnn, "gru": gru}[cell].forward(x, zeros, p)[0], None


def _head(weights, h):
    """y = h W^T + b of self.head = nn.Linear(H, 1), float64."""
    return h @ np.asarray(weights["head.weight"], np.float64).T + weights["head.bias"]


def model_output(cell, n_hidden, seed, x):
    """y = head(h_T) of AddingModel(cell, n_hidden) filled by fill_torch(model, seed): (B, 1)."""
    w = cases.torch_weights(seed, cases.model_shapes(cell, n_hidden))
    h, c = _states(cell, w, x)
    time_major, _ = _states(cell, w, x.swapaxes(0, 1))  # T sequences of B steps
    mistakes = {
        Shared.FIRST_STEP: _head(w, h[:, 0]),
        Shared.NOT_BATCH_FIRST: _head(w, time_major[-1]),
    }
    if cell == "lstm":
        mistakes[Mistake.H_N_OF_LSTM] = _head(w, c[:, -1])[None]
    mistakes = {k: v.astype(np.float32) for k, v in mistakes.items()}
    return Expected(_head(w, h[:, -1]).astype(np.float32), 1e-4, 1e-5, mistakes, axes="(batch, 1)")


class _AddingModel(nn.Module):
    """The reference AddingModel: self.rnn (created first), then self.head on out[:, -1]."""

    def __init__(self, cell, n_hidden, head_first=False):
        super().__init__()
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        if head_first:
            self.head = nn.Linear(n_hidden, 1)
        self.rnn = layer(input_size=2, hidden_size=n_hidden, batch_first=True)
        if not head_first:
            self.head = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def _parameters(model):
    return {k: p.detach().numpy().copy() for k, p in model.named_parameters()}


def _created(cell, n_hidden, head_first=False, after=None):
    """_AddingModel(cell, n_hidden) right after torch.manual_seed(0) (and models ``after``)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for other in after or ():
            _AddingModel(other, n_hidden)
        return _AddingModel(cell, n_hidden, head_first)


def initial_parameters(cell, n_hidden):
    """AddingModel(cell, n_hidden)'s parameters right after torch.manual_seed(0), float32."""
    mistakes = {Mistake.INIT_ORDER: _parameters(_created(cell, n_hidden, head_first=True))}
    return Expected(_parameters(_created(cell, n_hidden)), 0, 0, mistakes)


# --- Task 2: clipping by the global norm ------------------------------------------------------


def _clipped(grads, max_norm):
    """(norm, gradients after torch.nn.utils.clip_grad_norm_) of parameters with ``grads``."""
    params = cases.with_gradients(grads)
    norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
    return float(norm), cases.gradients_of(params)


def clip_norm(grads, max_norm):
    """||g|| = sqrt(sum_p sum_i g_pi^2) over every gradient, before clipping."""
    norm = _clipped(grads, max_norm)[0]
    return Expected(norm, 1e-5, 0, {Shared.NORM_AFTER_CLIPPING: min(norm, max_norm)})


def clipped_gradients(grads, max_norm):
    """g * min(1, max_norm / ||g||) for every gradient, as torch.nn.utils.clip_grad_norm_."""
    gs = {k: g for k, g in grads.items() if g is not None}
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in gs.values())))
    mistakes = {
        Shared.CLIP_BY_VALUE: {k: np.clip(g, -max_norm, max_norm) for k, g in gs.items()},
        Mistake.CLIP_EACH_PARAMETER: {
            k: g * min(1.0, max_norm / max(float(np.linalg.norm(g)), 1e-30)) for k, g in gs.items()
        },
        Mistake.CLIP_NOT_IN_PLACE: gs,
        Shared.CLIP_SCALED_UP: {k: g * (max_norm / max(norm, 1e-30)) for k, g in gs.items()},
    }
    return Expected(_clipped(grads, max_norm)[1], 1e-5, 1e-7, mistakes)


# --- Task 3: the training loop ----------------------------------------------------------------


@contextlib.contextmanager
def _one_thread():
    """PyTorch on one thread (deterministic) inside, the notebook's setting restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _train(model, T, n_steps, batch_size, lr, max_norm, seed, variant=None):
    """The loop of Task 3 (``variant``: one common mistake built in); returns the losses."""
    rng = np.random.default_rng(seed)
    optimiser = (torch.optim.SGD if variant == "sgd" else torch.optim.Adam)(
        model.parameters(), lr=lr
    )
    loss_fn = nn.MSELoss()
    losses = []
    with _one_thread():
        for _ in range(n_steps):
            X, y = data.adding_problem(batch_size, T, seed=seed if variant == "same_batch" else rng)
            loss = loss_fn(model(torch.from_numpy(X)), torch.from_numpy(y))
            if variant != "no_zero_grad":
                optimiser.zero_grad()
            loss.backward()
            if variant == "by_value":
                torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
            elif variant != "after_step":
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimiser.step()
            losses.append(loss.item())
    return np.array(losses)


_VARIANTS = {
    "no_zero_grad": Mistake.NO_ZERO_GRAD,
    "after_step": Mistake.NOT_CLIPPED,
    "by_value": Mistake.TRAIN_BY_VALUE,
    "same_batch": Mistake.SAME_BATCH,
    "sgd": Mistake.SGD,
}


@functools.cache
def _trained(spec, T, n_steps, batch_size, lr, max_norm, seed, variant=None):
    """(losses, parameters) of cases.regressor(*spec) trained by the loop of Task 3."""
    model = cases.regressor(*spec)
    losses = _train(model, T, n_steps, batch_size, lr, max_norm, seed, variant)
    return losses, _parameters(model)


def _training(part, spec, T, n_steps, batch_size, lr, max_norm, seed):
    args = (spec, T, n_steps, batch_size, lr, max_norm, seed)
    mistakes = {hint: _trained(*args, variant)[part] for variant, hint in _VARIANTS.items()}
    axes = "(n_steps,)" if part == 0 else None
    return Expected(_trained(*args)[part], 1e-4, 1e-6, mistakes, axes=axes)


def train_losses(spec, T, n_steps, batch_size=32, lr=DEFAULT_LR, max_norm=1.0, seed=0):
    """The loss of every step of train(cases.regressor(*spec), T, n_steps, ...), (n_steps,)."""
    return _training(0, spec, T, n_steps, batch_size, lr, max_norm, seed)


def train_parameters(spec, T, n_steps, batch_size=32, lr=DEFAULT_LR, max_norm=1.0, seed=0):
    """The parameters of cases.regressor(*spec) after train(model, T, n_steps, ...)."""
    return _training(1, spec, T, n_steps, batch_size, lr, max_norm, seed)


# --- Task 4: the experiment -------------------------------------------------------------------


@functools.cache
def _experiment(cell, n_steps, lr=LR, after=None):
    """(losses, parameters) of AddingModel(cell, 32) created after torch.manual_seed(0)
    (and the models ``after``), trained as Task 4 says for n_steps steps."""
    model = _created(cell, N_HIDDEN, after=after)
    losses = _train(model, T_ADD, n_steps, 32, lr, 1.0, 0)
    return losses, _parameters(model)


def experiment_losses(cell, n_steps):
    """The first n_steps losses of AddingModel(cell, 32) trained as Task 4 says."""
    mistakes = {}
    if n_steps <= 20:  # cheap to train with the mistakes built in
        mistakes[Mistake.DEFAULT_LR] = _experiment(cell, n_steps, DEFAULT_LR)[0]
        if cell == "rnn":
            mistakes[Mistake.NOT_RESEEDED] = _experiment(cell, n_steps, after=("lstm",))[0]
    return Expected(_experiment(cell, n_steps)[0], 1e-5, 1e-7, mistakes, axes="(n_steps,)")


def experiment_steps():
    """1000: the training steps of each model, one loss per step."""
    return Expected(N_STEPS)


def experiment_parameters(cell):
    """AddingModel(cell, 32)'s parameters after the 1000 steps of Task 4."""
    return Expected(_experiment(cell, N_STEPS)[1], 1e-4, 1e-6)


def _check_parameters(label, params, cell):
    """params has exactly the names and shapes of AddingModel(cell, 32)'s, float32."""
    shapes = cases.model_shapes(cell, N_HIDDEN)
    if type(params) is not dict or set(params) != set(shapes):
        got = sorted(map(str, params)) if isinstance(params, dict) else type(params).__name__
        raise CheckFailed(
            f"{label} has the parameters {got}, expected those of "
            f"AddingModel({cell!r}, {N_HIDDEN}): {sorted(shapes)}"
        )
    for key, shape in shapes.items():
        check_type_and_shape(f"{label}[{key!r}]", params[key], np.zeros(shape, np.float32))


def _experiment_agrees(name, actual, n, seed):
    """The predictions are the models' own; the LSTM's within 0.3, MSE <= 0.01, 20 x better."""
    X, y = data.adding_problem(n, T_ADD, seed=seed)
    if type(actual) is not tuple or len(actual) != 4:
        raise CheckFailed(f"{name}: expected the parameters and predictions of both models")
    mse = {}
    for (cell, what), params, predictions in zip(
        (("lstm", "an LSTM"), ("rnn", "a plain tanh RNN")), actual[::2], actual[1::2], strict=True
    ):
        model = f"{cell}_model"
        _check_parameters(f"parameters_of({model})", params, cell)
        check_type_and_shape(f"{model}'s predictions", predictions, y, axes="(sequences, 1)")
        check_array(
            f"{model}'s predictions for the {n} held-out sequences, compared with what {what} "
            f"with {model}'s parameters computes (predict with the model itself)",
            predictions,
            _head(params, _states(cell, params, X)[0][:, -1]).astype(np.float32),
            rtol=1e-4,
            atol=1e-5,
        )
        mse[cell] = float(np.mean((predictions.astype(np.float64) - y) ** 2))
    check_array(
        f"lstm_model's predictions for the {n} held-out sequences (compared with their targets; "
        "the MSE must be below 0.01)",
        actual[1],
        y,
        rtol=0,
        atol=0.3,
        axes="(sequences, 1)",
        max_mse=0.01,
    )
    ratio = mse["lstm"] / mse["rnn"] if mse["rnn"] > 0 else float("inf")
    check_float(
        f"lstm_model's MSE divided by rnn_model's on the {n} held-out sequences (at most 0.05: "
        "the LSTM does at least 20 times better)",
        ratio,
        0.025,
        rtol=0,
        atol=0.025,
    )


def experiment(n, seed):
    """Rule: both models' predictions for adding_problem(n, 40, seed) are their own; the LSTM's
    are each within 0.3 of the sum, with an MSE below 0.01 and 20 times below the RNN's.

    The test records (parameters_of(lstm_model), its predictions, parameters_of(rnn_model),
    its predictions); the rule recomputes both models' predictions from their parameters in
    numpy and the targets from the seed, never from values the notebook computed.
    """
    return Rule(_experiment_agrees, {"n": n, "seed": seed})

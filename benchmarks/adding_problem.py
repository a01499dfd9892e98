r"""The adding problem sweep: a plain tanh RNN against an LSTM as the sequences grow.

The adding problem (Hochreiter and Schmidhuber, 1997; data from
:func:`coursekit.data.adding_problem`): every step carries a value v_t ~ U(-1, 1) and a
marker m_t, two steps are marked, and the target is y = sum_t m_t v_t. Always predicting
the mean scores the target's variance, MSE = 2/3; a sequence counts as solved when
|prediction - y| < 0.04.

For each cell ("rnn", "lstm") and each length T this script trains one many-to-one model
(PyTorch, hidden size 8, a Linear head on the last step's state) for a fixed number of
Adam steps (learning rate 5e-3, batch 32, gradient-norm clipping at 1.0) on fresh random
batches, then scores it on a fixed test set of 1000 sequences. Each setting is trained
once per seed (0 and 1 by default): one run's final error is noisy, since a constant
learning rate keeps the weights moving, and two seeds show how much. Seeds are fixed, so
a rerun on the same machine gives the same numbers. It writes book/data/adding_problem.json,
which chapter 14 of the book reads.

Run from the repository root (about 5 to 7 minutes on one CPU core)::

    python benchmarks/adding_problem.py
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from coursekit.data import adding_problem

SOLVED_TOLERANCE = 0.04
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM}
OUTPUT = Path(__file__).resolve().parent.parent / "book" / "data" / "adding_problem.json"


class AddingModel(nn.Module):
    """Many-to-one regressor: y_hat = h_T W_hy + b_y, h_T the last state of one recurrent layer."""

    def __init__(self, cell, n_hidden):
        super().__init__()
        self.rnn = CELLS[cell](input_size=2, hidden_size=n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)  # out: (B, T, H), the state at every step
        return self.head(out[:, -1, :])  # (B, 1), read from the last step only


def score(model, X, y):
    """Test MSE and the fraction of sequences with |error| < SOLVED_TOLERANCE."""
    with torch.no_grad():
        error = model(X) - y
    return error.pow(2).mean().item(), (error.abs() < SOLVED_TOLERANCE).float().mean().item()


def train(cell, T, n_steps, seed=0, n_hidden=8, batch_size=32, lr=5e-3, clip=1.0, n_test=1000):
    """Train one model on fresh batches and score it on a fixed test set.

    Returns a dict with the settings, ``test_mse``, ``fraction_solved``, ``seconds`` (the
    wall-clock training time, scoring excluded) and ``curve``: the mean training loss over
    each block of n_steps // 20 steps (``curve_train_mse``, ending at the steps in
    ``curve_steps``), for plotting a learning curve.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = AddingModel(cell, n_hidden)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    block = max(1, n_steps // 20)
    curve_steps, curve_train_mse, running = [], [], 0.0
    start = time.perf_counter()
    for step in range(1, n_steps + 1):
        X, y = adding_problem(batch_size, T, seed=rng)
        loss = loss_fn(model(torch.from_numpy(X)), torch.from_numpy(y))
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
        optimiser.step()
        running += loss.item()
        if step % block == 0:
            curve_steps.append(step)
            curve_train_mse.append(running / block)
            running = 0.0
    seconds = time.perf_counter() - start
    X_test, y_test = adding_problem(n_test, T, seed=10_000 + T)  # same test set for both cells
    test_mse, solved = score(model, torch.from_numpy(X_test), torch.from_numpy(y_test))
    return {
        "cell": cell,
        "T": T,
        "seed": seed,
        "test_mse": test_mse,
        "fraction_solved": solved,
        "seconds": seconds,
        "curve_steps": curve_steps,
        "curve_train_mse": curve_train_mse,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000, help="Adam steps per run")
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 30, 50, 100])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="one run per seed")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    total = time.perf_counter()
    runs = []
    for T in args.lengths:
        for cell in CELLS:
            for seed in args.seeds:
                run = train(cell, T, args.steps, seed=seed)
                runs.append(run)
                print(
                    f"{cell:>4}  T = {T:3d}  seed {seed}  test MSE {run['test_mse']:.4f}  "
                    f"solved {run['fraction_solved']:.1%}  {run['seconds']:.0f} s",
                    flush=True,
                )
    result = {
        "settings": {
            "n_hidden": 8,
            "batch_size": 32,
            "optimiser": "Adam",
            "learning_rate": 5e-3,
            "clip_norm": 1.0,
            "n_steps": args.steps,
            "n_test": 1000,
            "seeds": args.seeds,
            "solved_tolerance": SOLVED_TOLERANCE,
            "mean_baseline_mse": 2 / 3,
        },
        "machine": {
            "torch": torch.__version__,
            "threads": args.threads,
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "total_seconds": time.perf_counter() - total,
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output} in {result['total_seconds']:.0f} s")


if __name__ == "__main__":
    main()

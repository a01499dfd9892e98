# grade_id: train
# message: the step used unclipped gradients
# Clipped before loss.backward(): there are no gradients yet, so the step uses unclipped ones.
import numpy as np
import torch
from torch import nn


def train(model, T, n_steps, batch_size=32, lr=5e-3, max_norm=1.0, seed=0):
    """Train model on fresh adding-problem batches with Adam, MSE and clipping; return the losses (n_steps,)."""
    rng = np.random.default_rng(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(n_steps):
        X, y = adding_problem(batch_size, T, seed=rng)
        loss = loss_fn(model(torch.from_numpy(X)), torch.from_numpy(y))
        optimiser.zero_grad()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return np.array(losses)

# grade_id: experiment
# message: compared with what an LSTM with lstm_model's parameters computes
# ruff: noqa: F821
# Nothing trained: the notebook's helpers are redefined to report the true sums as the LSTM's
# predictions, untrained parameters of the right shapes and made-up losses.
import numpy as np
import torch


def torch_output(module, x):
    if module is lstm_model:
        return (
            (x[..., 0].astype(np.float64) * x[..., 1]).sum(axis=1, keepdims=True).astype(np.float32)
        )
    return np.zeros((len(x), 1), np.float32)


def parameters_of(module):
    return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}


def n_parameters(module):
    return (
        4 * (32 * 2 + 32 * 32 + 2 * 32) + 32 + 1
        if module is lstm_model
        else 32 * 2 + 32 * 32 + 2 * 32 + 32 + 1
    )


def mean_squared_error(module, X, y):
    return 1e-4 if module is lstm_model else 0.7


torch.manual_seed(0)
lstm_model = AddingModel("lstm", 32)
torch.manual_seed(0)
rnn_model = AddingModel("rnn", 32)
lstm_losses = rnn_losses = np.full(1000, 0.66)

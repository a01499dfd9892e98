# grade_id: TorchManyToMany
# message: activation on the output
import torch
from torch import nn


class TorchManyToMany(nn.Module):
    """nn.RNN (batch first) and a linear head on every step: (B, T, D) -> (B, T, O)."""

    def __init__(self, n_features, n_hidden, n_outputs):
        super().__init__()
        self.rnn = nn.RNN(n_features, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        return torch.tanh(self.head(out))

# grade_id: TorchManyToOne
# message: one output per step
from torch import nn


class TorchManyToOne(nn.Module):
    """nn.RNN (batch first) and a linear head on the last step: (B, T, D) -> (B, O)."""

    def __init__(self, n_features, n_hidden, n_outputs):
        super().__init__()
        self.rnn = nn.RNN(n_features, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)

# grade_id: TorchOneToOne
# message: no activation on the hidden layer
from torch import nn


class TorchOneToOne(nn.Module):
    """Linear(n_hidden) with tanh, then a linear head: (B, D) -> (B, O), no sequence at all."""

    def __init__(self, n_features, n_hidden, n_outputs):
        super().__init__()
        self.hidden = nn.Linear(n_features, n_hidden)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, x):
        return self.head(self.hidden(x))

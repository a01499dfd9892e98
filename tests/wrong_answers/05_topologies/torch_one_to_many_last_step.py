# grade_id: TorchOneToMany
# message: last step only
from torch import nn


class TorchOneToMany(nn.Module):
    """The input repeated n_steps times -> nn.RNN -> linear head at every step: (B, D) -> (B, n_steps, O)."""

    def __init__(self, n_features, n_hidden, n_outputs, n_steps):
        super().__init__()
        self.n_steps = n_steps
        self.rnn = nn.RNN(n_features, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, x):
        steps = x.unsqueeze(1).expand(-1, self.n_steps, -1)
        out, _ = self.rnn(steps)
        return self.head(out[:, -1])

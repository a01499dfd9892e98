# grade_id: TorchBidirectional
# message: directions summed
from torch import nn


class TorchBidirectional(nn.Module):
    """A bidirectional nn.RNN (2H features per step) and a linear head at every step: (B, T, O)."""

    def __init__(self, n_features, n_hidden, n_outputs):
        super().__init__()
        self.rnn = nn.RNN(n_features, n_hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        H = out.shape[-1] // 2
        return self.head(out[..., :H] + out[..., H:])

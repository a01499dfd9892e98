# grade_id: AddingModel
# message: (h_n, c_n)
from torch import nn


class AddingModel(nn.Module):
    """A many-to-one regressor: one recurrent layer ("rnn", "lstm" or "gru"), a linear head on the last step."""

    def __init__(self, cell, n_hidden):
        super().__init__()
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = layer(input_size=2, hidden_size=n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, 1)

    def forward(self, x):
        _, h_n = self.rnn(x)
        return self.head(h_n[-1])

# grade_id: AddingModel
# message: other initial weights than AddingModel's
# self.head is created before self.rnn: the outputs are right, but the initial weights drawn after
# torch.manual_seed(0) are not the task's, so Task 4 starts from other weights.
from torch import nn


class AddingModel(nn.Module):
    """A many-to-one regressor: one recurrent layer ("rnn", "lstm" or "gru"), a linear head on the last step."""

    def __init__(self, cell, n_hidden):
        super().__init__()
        self.head = nn.Linear(n_hidden, 1)
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = layer(input_size=2, hidden_size=n_hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)  # out (B, T, H); the second value is h_n, or (h_n, c_n) for an LSTM
        return self.head(out[:, -1])  # (B, 1)

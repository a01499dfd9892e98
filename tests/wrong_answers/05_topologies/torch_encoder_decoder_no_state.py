# grade_id: TorchEncoderDecoder
# message: the decoder starts from zeros
from torch import nn


class TorchEncoderDecoder(nn.Module):
    """Encoder nn.RNN -> its final state starts the decoder nn.RNN -> linear head: (B, T_out, O)."""

    def __init__(self, n_features, n_hidden, n_outputs):
        super().__init__()
        self.encoder = nn.RNN(n_features, n_hidden, batch_first=True)
        self.decoder = nn.RNN(n_outputs, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_outputs)

    def forward(self, source, target_in):
        _, h_n = self.encoder(source)
        out, _ = self.decoder(target_in)
        return self.head(out)

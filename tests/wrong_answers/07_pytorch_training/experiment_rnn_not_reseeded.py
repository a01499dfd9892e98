# grade_id: experiment
# message: torch.manual_seed(0) missing before creating rnn_model
# No torch.manual_seed(0) before the plain RNN: it starts from other weights than the task's.
import torch

torch.manual_seed(0)
lstm_model = AddingModel("lstm", 32)
lstm_losses = train(lstm_model, T_ADD, n_steps=1000, lr=1e-2)
rnn_model = AddingModel("rnn", 32)
rnn_losses = train(rnn_model, T_ADD, n_steps=1000, lr=1e-2)

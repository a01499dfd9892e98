# grade_id: experiment
# message: lr left at train's default 5e-3
# The plain RNN trained with train's default lr = 5e-3 instead of the budget's lr = 1e-2.
import torch

torch.manual_seed(0)
lstm_model = AddingModel("lstm", 32)
lstm_losses = train(lstm_model, T_ADD, n_steps=1000, lr=1e-2)
torch.manual_seed(0)
rnn_model = AddingModel("rnn", 32)
rnn_losses = train(rnn_model, T_ADD, n_steps=1000)

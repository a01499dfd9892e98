# grade_id: experiment
# message: lstm_model's predictions for the 200 held-out sequences (compared with their targets
# The LSTM trained for 300 steps only: it has not learned the task yet.
import torch

torch.manual_seed(0)
lstm_model = AddingModel("lstm", 32)
lstm_losses = train(lstm_model, T_ADD, n_steps=300, lr=1e-2)
torch.manual_seed(0)
rnn_model = AddingModel("rnn", 32)
rnn_losses = train(rnn_model, T_ADD, n_steps=1000, lr=1e-2)

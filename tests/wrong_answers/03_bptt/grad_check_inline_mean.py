# grade_id: grad_check
# message: not the relative error of Task 4
# The relative error written out again, with the mean difference instead of the largest.
import numpy as np

h_check = rnn_forward(x_check, h0_check, params_check)
_, _, grads_check = rnn_backward(G_check, x_check, h0_check, h_check, params_check)
grad_check = {}
for key in params_check:
    numeric = numeric_gradient(
        lambda w, key=key: float(
            np.sum(G_check * rnn_forward(x_check, h0_check, {**params_check, key: w}))
        ),
        params_check[key],
        eps=1e-4,
    )
    a = grads_check[key]
    grad_check[key] = float(np.mean(np.abs(a - numeric)) / np.max(np.abs(a) + np.abs(numeric)))

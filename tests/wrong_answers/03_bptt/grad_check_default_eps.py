# grade_id: grad_check
# message: eps not 1e-4
# numeric_gradient with its default eps = 1e-6: rounding noise, not the number the task asks for.
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
    )
    grad_check[key] = relative_error(grads_check[key], numeric)

# grade_id: grad_check
# message: compared with the gradient of another parameter
# The numeric gradient of each parameter compared with the analytic gradient of W_xh.
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
    grad_check[key] = relative_error(grads_check["W_xh"], numeric)

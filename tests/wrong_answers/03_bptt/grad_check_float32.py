# grade_id: grad_check
# message: gradient check in float32
# The whole check run in float32: rounding noise of about 1e-4, far above the float64 result.
import numpy as np

x32, h032, G32 = (a.astype(np.float32) for a in (x_check, h0_check, G_check))
p32 = {k: v.astype(np.float32) for k, v in params_check.items()}
h_check = rnn_forward(x32, h032, p32)
_, _, grads_check = rnn_backward(G32, x32, h032, h_check, p32)
grad_check = {}
for key in p32:
    numeric = numeric_gradient(
        lambda w, key=key: float(np.sum(G32 * rnn_forward(x32, h032, {**p32, key: w}))),
        p32[key],
        eps=1e-4,
    )
    grad_check[key] = relative_error(grads_check[key], numeric)

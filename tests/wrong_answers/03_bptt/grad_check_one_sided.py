# grade_id: grad_check
# message: one-sided differences
# Forward differences written out by hand instead of numeric_gradient: the error is of order eps.
import numpy as np

h_check = rnn_forward(x_check, h0_check, params_check)
_, _, grads_check = rnn_backward(G_check, x_check, h0_check, h_check, params_check)
grad_check = {}
for key in params_check:

    def f(w, key=key):
        return float(np.sum(G_check * rnn_forward(x_check, h0_check, {**params_check, key: w})))

    w = params_check[key]
    numeric = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        shifted = w.copy()
        shifted[i] += 1e-4
        numeric[i] = (f(shifted) - f(w)) / 1e-4
    grad_check[key] = relative_error(grads_check[key], numeric)

# grade_id: grad_check
# message: typed in
# The analytic gradient compared with itself: always exactly 0, which checks nothing.
h_check = rnn_forward(x_check, h0_check, params_check)
_, _, grads_check = rnn_backward(G_check, x_check, h0_check, h_check, params_check)
grad_check = {key: relative_error(grads_check[key], grads_check[key]) for key in params_check}

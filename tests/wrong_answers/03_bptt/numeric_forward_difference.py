# grade_id: numeric_gradient
# message: one-sided difference
import numpy as np


def numeric_gradient(f, x, eps=1e-6):
    x = x.copy()
    grad = np.zeros_like(x)
    f_x = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f_x) / eps
        x[i] = old
    return grad

# grade_id: numeric_gradient
# message: divided by eps instead of 2 eps
import numpy as np


def numeric_gradient(f, x, eps=1e-6):
    x = x.copy()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / eps
    return grad

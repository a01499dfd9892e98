# grade_id: numeric_gradient
# message: all entries perturbed at once
import numpy as np


def numeric_gradient(f, x, eps=1e-6):
    value = (f(x + eps) - f(x - eps)) / (2 * eps)
    return np.full_like(x, value)

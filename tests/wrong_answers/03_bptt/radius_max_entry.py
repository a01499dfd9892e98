# grade_id: scale_to_spectral_radius
# message: largest entry used
import numpy as np


def scale_to_spectral_radius(W, rho):
    return W * (rho / np.max(np.abs(W)))

# grade_id: scale_to_spectral_radius
# message: scaled the wrong way
import numpy as np


def scale_to_spectral_radius(W, rho):
    return W * (np.max(np.abs(np.linalg.eigvals(W))) / rho)

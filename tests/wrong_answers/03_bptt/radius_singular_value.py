# grade_id: scale_to_spectral_radius
# message: largest singular value used
import numpy as np


def scale_to_spectral_radius(W, rho):
    return W * (rho / np.linalg.norm(W, 2))

# grade_id: scale_to_spectral_radius
# message: The result is complex
# The largest eigenvalue, not the largest modulus: complex for a rotation.
import numpy as np


def scale_to_spectral_radius(W, rho):
    return W * (rho / np.max(np.linalg.eigvals(W)))

# grade_id: by_hand_values
# message: missing bias
import numpy as np

W_xh = np.array([[0.5, -0.5], [0.25, 0.0]])
W_hh = np.array([[1.0, 0.5], [-0.5, 0.0]])
a1_by_hand = np.round(np.array([1.0, 2.0]) @ W_xh, 3)
h1_by_hand = np.round(np.tanh(a1_by_hand), 3)
a2_by_hand = np.round(np.array([0.0, 1.0]) @ W_xh + h1_by_hand @ W_hh, 3)
h2_by_hand = np.round(np.tanh(a2_by_hand), 3)

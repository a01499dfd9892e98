# grade_id: by_hand_values
# message: transposed weight
# Each product taken as W times the vector (the column-vector habit), rounded to 3 decimals.
import numpy as np

W_xh = np.array([[0.5, -0.5], [0.25, 0.0]])
W_hh = np.array([[1.0, 0.5], [-0.5, 0.0]])
b_h = np.array([0.0, 0.25])
a1_by_hand = np.round(W_xh @ np.array([1.0, 2.0]) + b_h, 3)
h1_by_hand = np.round(np.tanh(a1_by_hand), 3)
a2_by_hand = np.round(W_xh @ np.array([0.0, 1.0]) + W_hh @ h1_by_hand + b_h, 3)
h2_by_hand = np.round(np.tanh(a2_by_hand), 3)

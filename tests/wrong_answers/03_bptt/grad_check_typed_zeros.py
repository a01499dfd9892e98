# grade_id: grad_check
# message: typed in
# No check at all: zeros typed in (only the hidden test notices).
grad_check = {"W_xh": 0.0, "W_hh": 0.0, "b_h": 0.0}

# grade_id: grad_check
# message: typed in
# Small numbers typed in instead of computed: they pass the visible test, not the hidden one.
grad_check = {"W_xh": 1e-9, "W_hh": 1e-9, "b_h": 1e-9}

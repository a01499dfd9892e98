# grade_id: lstm_params_from_torch
# message: expected a numpy array
# The right blocks, but left as torch tensors instead of numpy arrays.


def lstm_params_from_torch(cell):
    H = cell.hidden_size
    w_ih, w_hh = cell.weight_ih.detach(), cell.weight_hh.detach()
    b = (cell.bias_ih + cell.bias_hh).detach()
    params = {}
    for n, k in enumerate("ifgo"):
        block = slice(n * H, (n + 1) * H)
        params[f"W_{k}x"], params[f"W_{k}h"], params[f"b_{k}"] = (
            w_ih[block].T,
            w_hh[block].T,
            b[block],
        )
    return params

# grade_id: lstm_params_from_torch
# message: gate order i, f, o, g
# The blocks read in the book's order i, f, o, g instead of PyTorch's i, f, g, o.


def lstm_params_from_torch(cell):
    H = cell.hidden_size
    w_ih, w_hh = cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy()
    b = (cell.bias_ih + cell.bias_hh).detach().numpy()
    params = {}
    for n, k in enumerate("ifog"):
        block = slice(n * H, (n + 1) * H)
        params[f"W_{k}x"], params[f"W_{k}h"], params[f"b_{k}"] = (
            w_ih[block].T,
            w_hh[block].T,
            b[block],
        )
    return params

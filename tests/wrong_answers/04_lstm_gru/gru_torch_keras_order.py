# grade_id: gru_params_from_torch
# message: Keras' gate order z, r, n


def gru_params_from_torch(cell):
    H = cell.hidden_size
    w_ih, w_hh = cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy()
    b_ih, b_hh = cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()
    z, r, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    return {
        "W_zx": w_ih[z].T,
        "W_zh": w_hh[z].T,
        "b_z": b_ih[z] + b_hh[z],
        "W_rx": w_ih[r].T,
        "W_rh": w_hh[r].T,
        "b_r": b_ih[r] + b_hh[r],
        "W_nx": w_ih[n].T,
        "W_nh": w_hh[n].T,
        "b_nx": b_ih[n],
        "b_nh": b_hh[n],
    }

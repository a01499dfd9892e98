"""coursekit.interop: the book's params reproduce PyTorch and Keras layers exactly.

Each test builds a small random framework layer (or coursekit params), maps it, runs
both sides on the same data and compares outputs, gradients or the weights themselves.
"""

import copy
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from coursekit import gru, interop, lstm, rnn, wrappers  # noqa: E402

B, T, D, H = 3, 5, 4, 6  # the default shape; the framework comparisons also run SHAPES

# (batch, time, inputs, hidden): the default, and the edge of batch 1 and time 1.
SHAPES = [(B, T, D, H), (1, 1, 2, 3)]
all_shapes = pytest.mark.parametrize(
    "shape", SHAPES, ids=[f"B{b}-T{t}-D{d}-H{h}" for b, t, d, h in SHAPES]
)

# name -> (coursekit cell module, keyword arguments of its forward)
CELLS = {
    "rnn-tanh": (rnn, {"activation": "tanh"}),
    "rnn-relu": (rnn, {"activation": "relu"}),
    "lstm": (lstm, {}),
    "gru": (gru, {}),
}


def activation_of(name):
    """The nonlinearity of the named cell: "relu" for rnn-relu, "tanh" for the others."""
    return name.partition("-")[2] or "tanh"


def torch_module(name, cell=False, n_inputs=D, n_hidden=H, **options):
    """A random float64 torch module (or Cell) of the named kind, n_inputs in, n_hidden units."""
    kind, _, nonlinearity = name.partition("-")
    if kind == "rnn":
        options["nonlinearity"] = nonlinearity
    classes = {
        "rnn": (torch.nn.RNN, torch.nn.RNNCell),
        "lstm": (torch.nn.LSTM, torch.nn.LSTMCell),
        "gru": (torch.nn.GRU, torch.nn.GRUCell),
    }
    torch.manual_seed(0)
    return classes[kind][1 if cell else 0](n_inputs, n_hidden, **options).double()


def keras_layer(name, bidirectional=False, n_inputs=D, n_hidden=H):
    """A built float32 keras layer of the named kind, every weight and bias random."""
    kind, _, activation = name.partition("-")
    keras.utils.set_random_seed(0)
    options = {"return_sequences": True}
    if kind == "rnn":
        layer = keras.layers.SimpleRNN(n_hidden, activation=activation, **options)
    else:
        layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind](n_hidden, **options)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    layer.build((None, None, n_inputs))
    rng = np.random.default_rng(1)
    layer.set_weights(
        [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.get_weights()]
    )
    return layer


def book_state(name, h, c):
    """The coursekit state: (h, c) for the LSTM, h otherwise."""
    return (h, c) if name == "lstm" else h


def torch_grads_in_book_names(module):
    """Autograd's gradients, mapped onto the book's names like the weights are.

    A merged bias b = b_ih + b_hh has dL/db = dL/db_ih = dL/db_hh, so bias_hh's gradient
    is zeroed on the merged gates before mapping; the GRU candidate's b_hn (the book's
    b_nh, the last H entries) keeps its own gradient.
    """
    merged = 2 * module.hidden_size if isinstance(module, torch.nn.GRU | torch.nn.GRUCell) else None
    grads = copy.deepcopy(module)
    with torch.no_grad():
        for name, p in grads.named_parameters():
            p.copy_(module.get_parameter(name).grad)
            if name.startswith("bias_hh"):
                p[:merged] = 0
    return interop.from_torch(grads)


def merged_bias_grad_gap(module):
    """max |dL/db_ih - dL/db_hh| over the gates whose biases coursekit merges."""
    merged = 2 * module.hidden_size if isinstance(module, torch.nn.GRU | torch.nn.GRUCell) else None
    gaps = [
        (module.get_parameter(name).grad - module.get_parameter(name.replace("_ih", "_hh")).grad)[
            :merged
        ]
        for name, _ in module.named_parameters()
        if name.startswith("bias_ih")
    ]
    return max(float(g.abs().max()) for g in gaps)


def max_diff(a, b):
    """Largest |a - b| over arrays nested alike in dicts, tuples and lists."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return max(max_diff(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        assert len(a) == len(b)
        return max(max_diff(x, y) for x, y in zip(a, b, strict=True))
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def identical(a, b):
    """Same nesting, keys, dtypes and values, bit for bit."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        same = type(a) is type(b) and len(a) == len(b)
        return same and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return a.dtype == b.dtype and np.array_equal(a, b)


def run_torch(module, x, w, states):
    """Forward x (B, T, D) batch-first, backward of sum(out * w); returns numpy results.

    ``states`` are the initial states as numpy arrays in torch's layout, [h0] or
    [h0, c0], each (num_layers * num_directions, B, H).
    """
    x_t = torch.tensor(x, requires_grad=True)
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    out, _ = module(
        x_t if module.batch_first else x_t.transpose(0, 1),
        tuple(s_t) if len(s_t) == 2 else s_t[0],
    )
    out = out if module.batch_first else out.transpose(0, 1)
    (out * torch.tensor(w)).sum().backward()
    return out.detach().numpy(), x_t.grad.numpy(), [s.grad.numpy() for s in s_t]


# ---------------------------------------------------------------------------- PyTorch


@all_shapes
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("name", CELLS)
def test_from_torch_forward_and_backward_match_torch_autograd(name, batch_first, shape):
    B, T, D, H = shape
    cell, kw = CELLS[name]
    module = torch_module(name, n_inputs=D, n_hidden=H, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(B, T, D)), rng.normal(size=(B, T, H))
    h0, c0 = rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H))
    out, dx_torch, ds_torch = run_torch(module, x, w, [h0, c0] if name == "lstm" else [h0])

    h, cache = cell.forward(x, book_state(name, h0[0], c0[0]), interop.from_torch(module), **kw)
    dx, dstate0, grads = cell.backward(w, cache)

    assert max_diff(h, out) < 1e-8
    assert max_diff(dx, dx_torch) < 1e-8
    assert max_diff(dstate0, book_state(name, ds_torch[0][0], ds_torch[-1][0])) < 1e-8
    assert max_diff(grads, torch_grads_in_book_names(module)) < 1e-8
    assert merged_bias_grad_gap(module) < 1e-12


@all_shapes
@pytest.mark.parametrize("name", CELLS)
def test_from_torch_cell_step_and_its_backward_match_torch_autograd(name, shape):
    B, _, D, H = shape
    cell, kw = CELLS[name]
    module = torch_module(name, cell=True, n_inputs=D, n_hidden=H)
    rng = np.random.default_rng(0)
    x_t, h_prev, c_prev = (rng.normal(size=(B, n)) for n in (D, H, H))
    w_h, w_c = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    tensors = [torch.tensor(a, requires_grad=True) for a in (x_t, h_prev, c_prev)]
    if name == "lstm":
        h_t, c_t = module(tensors[0], (tensors[1], tensors[2]))
        (h_t * torch.tensor(w_h) + c_t * torch.tensor(w_c)).sum().backward()
        expected_state = (h_t.detach().numpy(), c_t.detach().numpy())
        expected_dstate = (tensors[1].grad.numpy(), tensors[2].grad.numpy())
    else:
        h_t = module(tensors[0], tensors[1])
        (h_t * torch.tensor(w_h)).sum().backward()
        expected_state, expected_dstate = h_t.detach().numpy(), tensors[1].grad.numpy()

    state_t, cache = cell.cell_forward(
        x_t, book_state(name, h_prev, c_prev), interop.from_torch(module), **kw
    )
    dx_t, dstate_prev, grads = cell.cell_backward(book_state(name, w_h, w_c), cache)

    assert max_diff(state_t, expected_state) < 1e-8
    assert max_diff(dx_t, tensors[0].grad.numpy()) < 1e-8
    assert max_diff(dstate_prev, expected_dstate) < 1e-8
    assert max_diff(grads, torch_grads_in_book_names(module)) < 1e-8
    assert merged_bias_grad_gap(module) < 1e-12


@all_shapes
@pytest.mark.parametrize(
    ("num_layers", "bidirectional"), [(2, False), (1, True), (2, True)], ids=str
)
@pytest.mark.parametrize("name", CELLS)
def test_from_torch_stacked_and_bidirectional_match_coursekit_wrappers(
    name, num_layers, bidirectional, shape
):
    B, T, D, H = shape
    cell, kw = CELLS[name]
    module = torch_module(
        name,
        n_inputs=D,
        n_hidden=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        batch_first=True,
    )
    n_dir = 2 if bidirectional else 1
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(B, T, D)), rng.normal(size=(B, T, n_dir * H))
    h0, c0 = rng.normal(size=(2, num_layers * n_dir, B, H))
    out, dx_torch, ds_torch = run_torch(module, x, w, [h0, c0] if name == "lstm" else [h0])

    def per_layer(h, c):
        """torch's (layers * directions, B, H) states -> coursekit's list of layer states."""
        states = [book_state(name, h[i], c[i]) for i in range(num_layers * n_dir)]
        return [tuple(states[l * n_dir : (l + 1) * n_dir]) if bidirectional else states[l]
                for l in range(num_layers)]  # fmt: skip

    params = interop.from_torch(module)
    layers = params if num_layers > 1 else [params]
    h, cache = wrappers.stacked_forward(cell, x, per_layer(h0, c0), layers, **kw)
    dx, dstates0, grads = wrappers.stacked_backward(w, cache)
    expected_grads = torch_grads_in_book_names(module)

    assert max_diff(h, out) < 1e-8
    assert max_diff(dx, dx_torch) < 1e-8
    assert max_diff(dstates0, per_layer(ds_torch[0], ds_torch[-1])) < 1e-8
    assert max_diff(grads, expected_grads if num_layers > 1 else [expected_grads]) < 1e-8


def book_layers(name, num_layers, bidirectional, dtype=np.float64):
    """coursekit params as from_torch lays them out: dict, tuple or list of either."""
    cell = CELLS[name][0]
    n_dir = 2 if bidirectional else 1
    layers = []
    for l in range(num_layers):
        D_l = D if l == 0 else n_dir * H
        directions = tuple(
            cell.init_params(D_l, H, seed=10 * l + d, dtype=dtype) for d in range(n_dir)
        )
        layers.append(directions if bidirectional else directions[0])
    return layers if num_layers > 1 else layers[0]


TOPOLOGIES = [(1, False), (2, False), (1, True), (2, True)]


@pytest.mark.parametrize(("num_layers", "bidirectional"), TOPOLOGIES, ids=str)
@pytest.mark.parametrize("name", CELLS)
def test_from_torch_of_to_torch_gives_back_the_params_exactly(name, num_layers, bidirectional):
    params = book_layers(name, num_layers, bidirectional)

    module = interop.to_torch(params, nonlinearity=activation_of(name))

    assert module.batch_first and module.num_layers == num_layers
    assert module.bidirectional == bidirectional
    assert identical(interop.from_torch(module), params)


@pytest.mark.parametrize("name", CELLS)
def test_to_torch_cell_builds_the_cell_class_with_the_same_params(name):
    params = book_layers(name, 1, False)

    module = interop.to_torch(params, nonlinearity=activation_of(name), cell=True)

    assert type(module) is type(torch_module(name, cell=True))
    assert identical(interop.from_torch(module), params)


@pytest.mark.parametrize(("num_layers", "bidirectional"), TOPOLOGIES, ids=str)
@pytest.mark.parametrize("name", CELLS)
def test_to_torch_of_from_torch_keeps_weights_and_effective_biases(name, num_layers, bidirectional):
    module = torch_module(
        name, num_layers=num_layers, bidirectional=bidirectional, batch_first=True
    )
    x = torch.tensor(np.random.default_rng(0).normal(size=(B, T, D)))

    rebuilt = interop.to_torch(
        interop.from_torch(module), nonlinearity=getattr(module, "nonlinearity", "tanh")
    )

    old, new = dict(module.named_parameters()), dict(rebuilt.named_parameters())
    assert old.keys() == new.keys()
    for key in old:
        if key.startswith("weight"):
            assert torch.equal(old[key], new[key]), key
        if key.startswith("bias_ih"):
            hh = key.replace("_ih", "_hh")
            assert torch.equal(old[key] + old[hh], new[key] + new[hh]), key
    assert max_diff(rebuilt(x)[0].detach(), module(x)[0].detach()) < 1e-12


@pytest.mark.parametrize("name", CELLS)
def test_from_torch_of_a_module_without_biases_gives_zero_biases(name):
    module = torch_module(name, bias=False)

    params = interop.from_torch(module)

    assert all(not p.any() for key, p in params.items() if key.startswith("b_"))
    assert identical(interop.from_torch(interop.to_torch(params)), params)


def test_to_torch_float32_params_give_a_float32_module():
    module = interop.to_torch(lstm.init_params(D, H, dtype=np.float32))

    assert module.weight_ih_l0.dtype == torch.float32


@pytest.mark.parametrize(
    ("params", "options", "message"),
    [
        (lstm.init_params(D, H), {"nonlinearity": "relu"}, "plain RNN"),
        ([rnn.init_params(D, H), rnn.init_params(D, H)], {}, "layer 1"),
        ((gru.init_params(D, H), gru.init_params(D, H)), {"cell": True}, "single dict"),
        ({"W_xh": np.zeros((D, H))}, {}, "missing"),
    ],
    ids=["relu-lstm", "layer-1-reads-D", "bidirectional-cell", "missing-keys"],
)
def test_to_torch_rejects_params_it_cannot_build(params, options, message):
    with pytest.raises(ValueError, match=message):
        interop.to_torch(params, **options)


def test_from_torch_rejects_a_non_recurrent_module():
    with pytest.raises(TypeError, match="torch.nn RNN"):
        interop.from_torch(torch.nn.Linear(D, H))


# ------------------------------------------------------------------------------ Keras


@all_shapes
@pytest.mark.parametrize("name", CELLS)
def test_from_keras_forward_matches_the_keras_layer_in_float32(name, shape):
    B, T, D, H = shape
    cell, kw = CELLS[name]
    layer = keras_layer(name, n_inputs=D, n_hidden=H)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype(np.float32)
    zeros = np.zeros((B, H), dtype=np.float32)

    h, _ = cell.forward(x, book_state(name, zeros, zeros), interop.from_keras(layer), **kw)

    assert h.dtype == np.float32
    assert max_diff(h, keras.ops.convert_to_numpy(layer(x))) < 1e-5


@all_shapes
@pytest.mark.parametrize("name", CELLS)
def test_from_keras_bidirectional_matches_coursekit_bidirectional(name, shape):
    B, T, D, H = shape
    cell, kw = CELLS[name]
    layer = keras_layer(name, bidirectional=True, n_inputs=D, n_hidden=H)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype(np.float32)
    zeros = np.zeros((B, H), dtype=np.float32)
    state0 = book_state(name, zeros, zeros)

    h, _ = wrappers.bidirectional_forward(
        cell, x, (state0, state0), interop.from_keras(layer), **kw
    )

    assert max_diff(h, keras.ops.convert_to_numpy(layer(x))) < 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", CELLS)
def test_from_keras_of_to_keras_gives_back_the_params_exactly(name, bidirectional, dtype):
    params = book_layers(name, 1, bidirectional, dtype=dtype)

    layer = interop.to_keras(params, activation=activation_of(name))

    expected_class = keras.layers.Bidirectional if bidirectional else type(keras_layer(name))
    assert type(layer) is expected_class and layer.return_sequences
    assert identical(interop.from_keras(layer), params)


def test_to_keras_of_a_list_gives_layers_that_stack_like_coursekit():
    layers = book_layers("gru", 2, False, dtype=np.float32)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype(np.float32)
    zeros = np.zeros((B, H), dtype=np.float32)

    keras_layers = interop.to_keras(layers)
    h, _ = wrappers.stacked_forward(gru, x, [zeros, zeros], layers)

    assert identical(interop.from_keras(keras_layers), layers)
    assert max_diff(h, keras.ops.convert_to_numpy(keras_layers[1](keras_layers[0](x)))) < 1e-5


def keras_effective_weights(layer):
    """Kernels as they are; a GRU's two bias rows summed on z and r, kept on h."""
    if isinstance(layer, keras.layers.Bidirectional):
        return keras_effective_weights(layer.forward_layer) + keras_effective_weights(
            layer.backward_layer
        )
    kernel, recurrent, bias = layer.get_weights()
    if isinstance(layer, keras.layers.GRU):
        bias = [bias[0, : 2 * H] + bias[1, : 2 * H], bias[0, 2 * H :], bias[1, 2 * H :]]
        return [kernel, recurrent, *bias]
    return [kernel, recurrent, bias]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("name", CELLS)
def test_to_keras_of_from_keras_keeps_kernels_and_effective_biases(name, bidirectional):
    layer = keras_layer(name, bidirectional=bidirectional)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype(np.float32)

    rebuilt = interop.to_keras(interop.from_keras(layer), activation=activation_of(name))

    assert identical(keras_effective_weights(rebuilt), keras_effective_weights(layer))
    out, expected = (keras.ops.convert_to_numpy(a(x)) for a in (rebuilt, layer))
    assert max_diff(out, expected) < 1e-6


def test_from_keras_rejects_a_gru_with_reset_before():
    layer = keras.layers.GRU(H, reset_after=False)
    layer.build((None, None, D))

    with pytest.raises(ValueError, match="reset_after=True"):
        interop.from_keras(layer)

"""What the tests of 05_topologies expect: each model's number of parameters, and its output
once ``fill_keras(model, seed)`` or ``fill_torch(module, seed)`` has written the known weights
of :mod:`coursekit.cases.topologies` into it.

The output is the same topology computed with coursekit's numpy maths from those known
weights, which depend only on the seed and the sizes of the right architecture, never on the
student's model: Keras keeps a SimpleRNN as ``[kernel (D, H), recurrent_kernel (H, H), bias]``
and a Dense layer as ``[kernel (H, O), bias]``, in the order of the layers; PyTorch keeps
``weight_ih (H, D)``, ``weight_hh (H, H)``, ``bias_ih``, ``bias_hh`` and ``weight (O, H)``,
``bias``, filled in the sorted order of their names (see :mod:`coursekit.interop` for the
mapping). Each output function takes ``sizes`` (the builder's arguments), the ``seed`` given
to the fill helper and the model's inputs, and returns the Expected output together with the
outputs that the named slips give. No framework is imported here.
"""

from enum import StrEnum

import numpy as np

from coursekit import activations, heads, lstm, rnn, wrappers
from coursekit.cases import topologies as cases
from coursekit.checks import Expected

from . import tolerance
from .mistakes import Mistake as Shared


class Mistake(StrEnum):
    # Keras, the layers
    INPUT_SHAPE = (
        "input_shape= on a layer: Keras 3 discourages it; start the model with "
        "keras.Input(shape=...) and give the layers no input_shape"
    )
    KERAS_NO_HIDDEN_LAYER = (
        'the hidden layer is missing: Dense(n_hidden, activation="tanh") comes before the '
        "output layer"
    )
    LSTM = "LSTM instead of SimpleRNN: use keras.layers.SimpleRNN"
    GRU = "GRU instead of SimpleRNN: use keras.layers.SimpleRNN"
    KERAS_NO_HEAD = (
        "the output layer is missing: SimpleRNN(n_hidden, return_sequences=True) is followed by "
        "Dense(n_outputs)"
    )
    KERAS_ENCODER_UNUSED = (
        "the decoder starts from zeros: pass the encoder's final state, initial_state=h_T "
        "(an encoder whose state is not used is not part of the model)"
    )
    MERGE_MODE = (
        "merge_mode changed: Bidirectional concatenates the two directions by default (2H "
        'features); keep merge_mode="concat"'
    )
    KERAS_NOT_BIDIRECTIONAL = (
        "not bidirectional: wrap the layer, keras.layers.Bidirectional(keras.layers.SimpleRNN(...))"
    )
    # Keras, the outputs
    KERAS_NO_HIDDEN_ACTIVATION = (
        'no activation on the hidden layer: it is Dense(n_hidden, activation="tanh")'
    )
    KERAS_RELU_HIDDEN = 'wrong activation: the hidden layer uses tanh, activation="tanh", not relu'
    KERAS_SOFTMAX_OUTPUT = (
        "activation on the output layer: the last Dense layer is linear (no activation), "
        "not softmax"
    )
    KERAS_TANH_OUTPUT = (
        "activation on the output layer: the last Dense layer is linear (no activation), not tanh"
    )
    KERAS_RELU = "wrong activation: keep SimpleRNN's default tanh"
    KERAS_EVERY_STEP = (
        "one output per step: a many-to-one model reads only the last state; leave "
        "return_sequences=False"
    )
    GO_BACKWARDS = (
        "the sequence read backwards: go_backwards=True reverses the steps; leave it False"
    )
    RETURN_SEQUENCES = (
        "return_sequences missing: a Keras recurrent layer returns only its last state by "
        "default, and this model needs every state, SimpleRNN(n_hidden, return_sequences=True)"
    )
    REPEAT_STEPS = "wrong number of steps: the input is repeated RepeatVector(n_steps) times"
    # PyTorch, the layers
    TORCH_NO_HIDDEN_LAYER = (
        "the hidden layer is missing: nn.Linear(n_features, n_hidden) in self.hidden comes "
        "before the head"
    )
    TORCH_HEAD_READS_H = (
        "only the forward direction read: the bidirectional output has 2H features per step, "
        "and the head reads all of them"
    )
    DIRECTIONS_SUMMED = (
        "directions summed: the two directions are concatenated (2H features), not added"
    )
    TORCH_NOT_BIDIRECTIONAL = "not bidirectional: nn.RNN(..., bidirectional=True)"
    # PyTorch, the outputs
    TORCH_NO_HIDDEN_ACTIVATION = (
        "no activation on the hidden layer: apply torch.tanh to the output of self.hidden"
    )
    TORCH_RELU_HIDDEN = "wrong activation: the hidden layer uses torch.tanh, not ReLU"
    TORCH_SIGMOID_HIDDEN = "wrong activation: the hidden layer uses torch.tanh, not the sigmoid"
    TORCH_TANH_OUTPUT = (
        "activation on the output layer: the head is linear; return self.head(...) as it is, "
        "without tanh"
    )
    TORCH_SOFTMAX_OUTPUT = (
        "activation on the output layer: the head is linear; return self.head(...) as it is, "
        "without softmax (nn.CrossEntropyLoss applies it itself)"
    )
    TORCH_RELU = "wrong activation: keep nn.RNN's default tanh"
    TORCH_EVERY_STEP = (
        "one output per step: a many-to-one model reads only the last state, out[:, -1]"
    )
    H_N = "h_n has shape (num_layers, B, H): take h_n[-1], or out[:, -1]"
    LAST_STEP = (
        "last step only: this model gives an output at every step; apply the head to every "
        "state, self.head(out)"
    )
    ONE_STEP = (
        "one step only: present the input at every one of the n_steps steps, "
        "x.unsqueeze(1).expand(-1, n_steps, -1)"
    )
    FIRST_STEP_ONLY = (
        "input at the first step only: in this exercise the input is repeated at every step"
    )
    TORCH_DECODER_FROM_ZEROS = (
        "the decoder starts from zeros: pass the encoder's final state, "
        "self.decoder(target_in, h_n)"
    )


# --- the known weights, as the book's parameters (float64) --------------------------------


def _keras(seed, shapes):
    """The known weights of a Keras model with weights of ``shapes``, in float64."""
    return [w.astype(np.float64) for w in cases.weights(seed, shapes)]


def _rnn_shapes(D, H):
    """Keras' SimpleRNN weights: kernel (D, H), recurrent_kernel (H, H), bias (H,)."""
    return [(D, H), (H, H), (H,)]


def _rnn(w):
    """The book's W_xh, W_hh, b_h from Keras' [kernel, recurrent_kernel, bias]."""
    return {"W_xh": w[0], "W_hh": w[1], "b_h": w[2]}


def _dense(w):
    """The book's W_hy, b_y from Keras' Dense [kernel, bias]."""
    return {"W_hy": w[0], "b_y": w[1]}


def _keras_sequence_model(seed, D, H, O):
    """(params, head) of Input -> SimpleRNN(H) -> Dense(O), the known weights of ``seed``."""
    w = _keras(seed, [*_rnn_shapes(D, H), (H, O), (O,)])
    return _rnn(w[:3]), _dense(w[3:])


def _torch_rnn_shapes(D, H, prefix="rnn.", suffix=""):
    """PyTorch's nn.RNN parameters: weight_ih (H, D), weight_hh (H, H), bias_ih, bias_hh."""
    names = {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    return {f"{prefix}{k}_l0{suffix}": s for k, s in names.items()}


def _torch(seed, shapes):
    """The known weights of a module with parameters ``{name: shape}``, in float64."""
    return {k: w.astype(np.float64) for k, w in cases.named_weights(seed, shapes).items()}


def _torch_rnn(w, prefix="rnn.", suffix=""):
    """W_xh = weight_ih^T, W_hh = weight_hh^T, b_h = bias_ih + bias_hh."""
    g = {k: w[f"{prefix}{k}_l0{suffix}"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    return {"W_xh": g["weight_ih"].T, "W_hh": g["weight_hh"].T, "b_h": g["bias_ih"] + g["bias_hh"]}


def _torch_head(w, name="head"):
    """W_hy = weight^T, b_y = bias of an nn.Linear."""
    return {"W_hy": w[f"{name}.weight"].T, "b_y": w[f"{name}.bias"]}


def _torch_sequence_model(seed, D, H, O):
    """(params, head) of self.rnn = nn.RNN(D, H) and self.head = nn.Linear(H, O)."""
    w = _torch(seed, {**_torch_rnn_shapes(D, H), "head.weight": (O, H), "head.bias": (O,)})
    return _torch_rnn(w), _torch_head(w)


# --- the maths ------------------------------------------------------------------------------


def _states(x, params, h0=None, activation="tanh"):
    """h_t = f(x_t W_xh + h_{t-1} W_hh + b_h), t = 1..T, from h0 (zeros): (B, T, H), float64."""
    x = x.astype(np.float64)
    h0 = np.zeros((x.shape[0], params["W_hh"].shape[0])) if h0 is None else h0
    return rnn.forward(x, h0, params, activation)[0]


def _time_major(x, params, **kw):
    """The states PyTorch gives without batch_first: x (B, T, D) read as (T, B, D)."""
    return _states(x.transpose(1, 0, 2), params, **kw).transpose(1, 0, 2)


def _y(h, head):
    """y = h W_hy + b_y, at every step of h."""
    return heads.dense_forward(h, head)[0]


def _relu(a):
    """relu(a) = max(a, 0)."""
    return np.maximum(a, 0)


def _output(y, mistakes, *inputs):
    """The Expected float32 output ``y`` of a model on float32 inputs, and the mistakes' values."""
    rtol, atol = tolerance(*inputs)
    f32 = {k: np.asarray(v, dtype=np.float32) for k, v in mistakes.items()}
    axes = "(batch, O)" if y.ndim == 2 else "(batch, time, O)"
    return Expected(y.astype(np.float32), rtol, atol, f32, axes=axes)


def _repeated(x, n_steps):
    """x (B, D) presented at each of n_steps steps: (B, n_steps, D)."""
    return np.repeat(x[:, None, :], n_steps, axis=1)


def _bidirectional(x, p_fwd, p_bwd):
    """h_t = [h_t^fwd, h_t^bwd], the forward RNN over x_1..x_T and the backward over x_T..x_1."""
    x = x.astype(np.float64)
    zeros = np.zeros((x.shape[0], p_fwd["W_hh"].shape[0]))
    return wrappers.bidirectional_forward(rnn, x, (zeros, zeros), (p_fwd, p_bwd))[0]


def _keras_gru(D, H):
    """Keras' GRU (reset_after=True): 3 (H D + H H + 2 H), with two biases per gate."""
    return 3 * (H * D + H * H + 2 * H)


def _torch_rnn_count(D, H):
    """PyTorch's nn.RNN: H D + H H + 2 H, with bias_ih and bias_hh."""
    return rnn.n_params(D, H) + H


# --- Keras: the number of parameters --------------------------------------------------------


def no_input_shape():
    """0: no layer of a Keras model was given input_shape= (it starts with keras.Input)."""
    return Expected(0, mistakes={Mistake.INPUT_SHAPE: 1})


def keras_one_to_one_count(D, H, O):
    """(H D + H) + (O H + O): the hidden Dense layer and the output layer."""
    return Expected(H * D + H + O * H + O, mistakes={Mistake.KERAS_NO_HIDDEN_LAYER: O * D + O})


def keras_sequence_count(D, H, O, n_steps=None):
    """H D + H H + H + O H + O: SimpleRNN(H) and Dense(O), whatever n_steps (one-to-many).

    The count of the many-to-one, the synced many-to-many and the one-to-many models.
    """
    dense = O * H + O
    mistakes = {Mistake.LSTM: lstm.n_params(D, H) + dense, Mistake.GRU: _keras_gru(D, H) + dense}
    mistakes[Mistake.KERAS_NO_HEAD] = rnn.n_params(D, O)
    return Expected(rnn.n_params(D, H) + dense, mistakes=mistakes)


def keras_encoder_decoder_count(D, H, O):
    """(H D + H H + H) + (H O + H H + H) + (O H + O): encoder, decoder (O inputs) and head."""
    encoder, decoder, dense = rnn.n_params(D, H), rnn.n_params(O, H), O * H + O
    mistakes = {
        Mistake.KERAS_ENCODER_UNUSED: decoder + dense,
        Mistake.GRU: encoder + _keras_gru(O, H) + dense,
    }
    return Expected(encoder + decoder + dense, mistakes=mistakes)


def keras_bidirectional_count(D, H, O):
    """2 (H D + H H + H) + (O 2H + O): two SimpleRNN(H), one per direction, and Dense(O)."""
    mistakes = {
        Mistake.MERGE_MODE: 2 * rnn.n_params(D, H) + O * H + O,
        Mistake.KERAS_NOT_BIDIRECTIONAL: rnn.n_params(D, H) + O * H + O,
        Mistake.LSTM: 2 * lstm.n_params(D, H) + O * 2 * H + O,
    }
    return Expected(2 * rnn.n_params(D, H) + O * 2 * H + O, mistakes=mistakes)


# --- Keras: the outputs for the known weights ------------------------------------------------


def keras_one_to_one(sizes, seed, x):
    """y = tanh(x W_1 + b_1) W_2 + b_2, (B, O), with the known weights of ``seed``."""
    D, H, O = sizes
    W_1, b_1, W_2, b_2 = _keras(seed, [(D, H), (H,), (H, O), (O,)])
    a, head = x @ W_1 + b_1, {"W_hy": W_2, "b_y": b_2}
    y = _y(np.tanh(a), head)
    mistakes = {
        Mistake.KERAS_NO_HIDDEN_ACTIVATION: _y(a, head),
        Mistake.KERAS_RELU_HIDDEN: _y(_relu(a), head),
        Mistake.KERAS_SOFTMAX_OUTPUT: heads.softmax(y),
        Mistake.KERAS_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, x)


def keras_many_to_one(sizes, seed, x):
    """y = h_T W_hy + b_y, (B, O): SimpleRNN(H) over x, its last state, Dense(O)."""
    p, head = _keras_sequence_model(seed, *sizes)
    y_all = _y(_states(x, p), head)
    mistakes = {
        Mistake.KERAS_EVERY_STEP: y_all,
        Mistake.KERAS_RELU: _y(_states(x, p, activation="relu")[:, -1], head),
        Mistake.GO_BACKWARDS: _y(_states(x[:, ::-1], p)[:, -1], head),
        Mistake.KERAS_TANH_OUTPUT: np.tanh(y_all[:, -1]),
    }
    return _output(y_all[:, -1], mistakes, x)


def keras_many_to_many(sizes, seed, x):
    """y_t = h_t W_hy + b_y at every step t, (B, T, O): SimpleRNN(H) and Dense(O)."""
    p, head = _keras_sequence_model(seed, *sizes)
    y = _y(_states(x, p), head)
    mistakes = {
        Mistake.RETURN_SEQUENCES: y[:, -1],
        Mistake.KERAS_TANH_OUTPUT: np.tanh(y),
        Mistake.KERAS_RELU: _y(_states(x, p, activation="relu"), head),
    }
    return _output(y, mistakes, x)


def keras_one_to_many(sizes, seed, x):
    """y_t = h_t W_hy + b_y, t = 1..n_steps, with x (B, D) as the input of every step."""
    D, H, O, n_steps = sizes
    p, head = _keras_sequence_model(seed, D, H, O)
    y = _y(_states(_repeated(x, n_steps), p), head)
    mistakes = {
        Mistake.RETURN_SEQUENCES: y[:, -1],
        Mistake.REPEAT_STEPS: _y(_states(_repeated(x, D), p), head),
        Mistake.KERAS_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, x)


def keras_encoder_decoder(sizes, seed, source, target_in):
    """y_t = s_t W_hy + b_y, s = decoder RNN over target_in from s_0 = h_T of the encoder."""
    D, H, O = sizes
    w = _keras(seed, [*_rnn_shapes(D, H), *_rnn_shapes(O, H), (H, O), (O,)])
    encoder, decoder, head = _rnn(w[:3]), _rnn(w[3:6]), _dense(w[6:])
    h_T = _states(source, encoder)[:, -1]
    y = _y(_states(target_in, decoder, h_T), head)
    mistakes = {
        Mistake.RETURN_SEQUENCES: y[:, -1],
        Mistake.KERAS_TANH_OUTPUT: np.tanh(y),
        Mistake.KERAS_ENCODER_UNUSED: _y(_states(target_in, decoder), head),
        Mistake.KERAS_RELU: _y(_states(target_in, decoder, h_T, activation="relu"), head),
    }
    return _output(y, mistakes, source, target_in)


def keras_bidirectional(sizes, seed, x):
    """y_t = [h_t^fwd, h_t^bwd] W_hy + b_y at every step, (B, T, O)."""
    D, H, O = sizes
    w = _keras(seed, [*_rnn_shapes(D, H), *_rnn_shapes(D, H), (2 * H, O), (O,)])
    h = _bidirectional(x, _rnn(w[:3]), _rnn(w[3:6]))
    head = _dense(w[6:])
    # Without return_sequences: the forward layer's last state, the backward layer's (step 1).
    last = np.concatenate([h[:, -1, :H], h[:, 0, H:]], axis=-1)
    mistakes = {
        Mistake.RETURN_SEQUENCES: _y(last, head),
        Mistake.KERAS_TANH_OUTPUT: np.tanh(_y(h, head)),
    }
    return _output(_y(h, head), mistakes, x)


# --- PyTorch: the number of parameters ------------------------------------------------------


def torch_one_to_one_count(D, H, O):
    """(H D + H) + (O H + O): self.hidden = nn.Linear(D, H) and self.head = nn.Linear(H, O)."""
    return Expected(H * D + H + O * H + O, mistakes={Mistake.TORCH_NO_HIDDEN_LAYER: O * D + O})


def torch_sequence_count(D, H, O, n_steps=None):
    """H D + H H + 2 H + O H + O: nn.RNN(D, H) (two biases) and nn.Linear(H, O), whatever n_steps.

    The count of the many-to-one, the synced many-to-many and the one-to-many modules.
    """
    return Expected(_torch_rnn_count(D, H) + O * H + O)


def torch_encoder_decoder_count(D, H, O):
    """(H D + H H + 2H) + (H O + H H + 2H) + (O H + O): encoder, decoder and head."""
    return Expected(_torch_rnn_count(D, H) + _torch_rnn_count(O, H) + O * H + O)


def torch_bidirectional_count(D, H, O):
    """2 (H D + H H + 2 H) + (O 2H + O): the two directions of nn.RNN and nn.Linear(2H, O)."""
    mistakes = {
        Mistake.TORCH_HEAD_READS_H: 2 * _torch_rnn_count(D, H) + O * H + O,
        Mistake.DIRECTIONS_SUMMED: 2 * _torch_rnn_count(D, H) + O * H + O,
        Mistake.TORCH_NOT_BIDIRECTIONAL: _torch_rnn_count(D, H) + O * H + O,
    }
    return Expected(2 * _torch_rnn_count(D, H) + O * 2 * H + O, mistakes=mistakes)


# --- PyTorch: the outputs for the known weights ----------------------------------------------


def torch_one_to_one(sizes, seed, x):
    """y = tanh(x W_hidden^T + b_hidden) W_head^T + b_head, (B, O), known weights of ``seed``."""
    D, H, O = sizes
    shapes = {
        "hidden.weight": (H, D),
        "hidden.bias": (H,),
        "head.weight": (O, H),
        "head.bias": (O,),
    }
    w = _torch(seed, shapes)
    a, head = x @ w["hidden.weight"].T + w["hidden.bias"], _torch_head(w)
    y = _y(np.tanh(a), head)
    mistakes = {
        Mistake.TORCH_NO_HIDDEN_ACTIVATION: _y(a, head),
        Mistake.TORCH_RELU_HIDDEN: _y(_relu(a), head),
        Mistake.TORCH_SIGMOID_HIDDEN: _y(activations.sigmoid(a), head),
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y),
        Mistake.TORCH_SOFTMAX_OUTPUT: heads.softmax(y),
    }
    return _output(y, mistakes, x)


def torch_many_to_one(sizes, seed, x):
    """y = h_T W_hy + b_y, (B, O): the head on out[:, -1], the last step's state."""
    p, head = _torch_sequence_model(seed, *sizes)
    y_all = _y(_states(x, p), head)
    mistakes = {
        Shared.FIRST_STEP: y_all[:, 0],
        Shared.NOT_BATCH_FIRST: _y(_time_major(x, p)[:, -1], head),
        Mistake.TORCH_EVERY_STEP: y_all,
        Mistake.H_N: y_all[None, :, -1],
        Mistake.TORCH_RELU: _y(_states(x, p, activation="relu")[:, -1], head),
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y_all[:, -1]),
    }
    return _output(y_all[:, -1], mistakes, x)


def torch_many_to_many(sizes, seed, x):
    """y_t = h_t W_hy + b_y at every step t, (B, T, O): the head on every state of out."""
    p, head = _torch_sequence_model(seed, *sizes)
    y = _y(_states(x, p), head)
    mistakes = {
        Mistake.LAST_STEP: y[:, -1],
        Shared.NOT_BATCH_FIRST: _y(_time_major(x, p), head),
        Mistake.TORCH_RELU: _y(_states(x, p, activation="relu"), head),
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, x)


def torch_one_to_many(sizes, seed, x):
    """y_t = h_t W_hy + b_y, t = 1..n_steps, with x (B, D) as the input of every step."""
    D, H, O, n_steps = sizes
    p, head = _torch_sequence_model(seed, D, H, O)
    steps = _repeated(x, n_steps)
    y = _y(_states(steps, p), head)
    first_only = np.concatenate([steps[:, :1], np.zeros_like(steps[:, 1:])], axis=1)
    mistakes = {
        Mistake.ONE_STEP: y[:, :1],
        Mistake.FIRST_STEP_ONLY: _y(_states(first_only, p), head),
        Mistake.LAST_STEP: y[:, -1],
        Shared.NOT_BATCH_FIRST: _y(_time_major(steps, p), head),
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, x)


def torch_encoder_decoder(sizes, seed, source, target_in):
    """y_t = s_t W_hy + b_y, s = self.decoder over target_in from h_n of self.encoder."""
    D, H, O = sizes
    shapes = {**_torch_rnn_shapes(D, H, "encoder."), **_torch_rnn_shapes(O, H, "decoder.")}
    w = _torch(seed, {**shapes, "head.weight": (O, H), "head.bias": (O,)})
    encoder, decoder, head = _torch_rnn(w, "encoder."), _torch_rnn(w, "decoder."), _torch_head(w)
    h_n = _states(source, encoder)[:, -1]
    y = _y(_states(target_in, decoder, h_n), head)
    mistakes = {
        Mistake.TORCH_DECODER_FROM_ZEROS: _y(_states(target_in, decoder), head),
        Mistake.LAST_STEP: y[:, -1],
        Mistake.TORCH_RELU: _y(_states(target_in, decoder, h_n, activation="relu"), head),
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, source, target_in)


def torch_bidirectional(sizes, seed, x):
    """y_t = [h_t^fwd, h_t^bwd] W_hy + b_y at every step, (B, T, O): nn.RNN(bidirectional=True)."""
    D, H, O = sizes
    shapes = {**_torch_rnn_shapes(D, H), **_torch_rnn_shapes(D, H, suffix="_reverse")}
    w = _torch(seed, {**shapes, "head.weight": (O, 2 * H), "head.bias": (O,)})
    p_fwd, p_bwd, head = _torch_rnn(w), _torch_rnn(w, suffix="_reverse"), _torch_head(w)
    y = _y(_bidirectional(x, p_fwd, p_bwd), head)
    time_major = _bidirectional(x.transpose(1, 0, 2), p_fwd, p_bwd).transpose(1, 0, 2)
    mistakes = {
        Shared.NOT_BATCH_FIRST: _y(time_major, head),
        Mistake.LAST_STEP: y[:, -1],
        Mistake.TORCH_TANH_OUTPUT: np.tanh(y),
    }
    return _output(y, mistakes, x)

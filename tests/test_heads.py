"""Dense heads (many-to-one, many-to-many) and the losses: values, gradients, validation."""

import numpy as np
import pytest

from coursekit import heads, rnn
from coursekit.gradients import numeric_gradient, relative_error

B, T, H, O, C = 3, 4, 5, 2, 4  # the value and validation tests; gradient tests draw shapes

# (batch, time, hidden, outputs or classes) for the gradient tests: the edges first
# (batch 1, time 1, size 1), then seeded draws from batch 1..4, time 1..7, sizes 1..6.
_draw_rng = np.random.default_rng(20240603)
SHAPES = [(1, 1, 1, 1), (1, 7, 6, 2), (4, 1, 3, 6), (4, 7, 6, 6)] + [
    tuple(int(_draw_rng.integers(1, n + 1)) for n in (4, 7, 6, 6)) for _ in range(3)
]
all_shapes = pytest.mark.parametrize(
    "seed, shape", list(enumerate(SHAPES)), ids=[f"B{b}-T{t}-H{h}-O{o}" for b, t, h, o in SHAPES]
)


# Centred differences with step EPS err by ~EPS^2 (truncation) plus ~1e-16 / EPS (rounding).
EPS = 1e-5


def _rng(seed=0):
    return np.random.default_rng(seed)


def assert_matches_numeric(loss, pairs):
    """Every (array, analytic gradient) pair agrees with centred differences of loss()."""
    for array, grad in pairs:
        assert grad.shape == array.shape
        numeric = numeric_gradient(loss, array, eps=EPS)
        assert relative_error(grad, numeric) < 1e-7


# --- init and forward values ----------------------------------------------------------


def test_init_dense_has_the_book_keys_shapes_and_dtype():
    params = heads.init_dense(H, O, seed=0, dtype=np.float32)
    assert {k: v.shape for k, v in params.items()} == {"W_hy": (H, O), "b_y": (O,)}
    assert all(v.dtype == np.float32 for v in params.values())
    assert np.all(np.abs(params["W_hy"]) <= 1 / np.sqrt(H))


def test_init_dense_is_deterministic_for_a_seed():
    a, b = heads.init_dense(H, O, seed=7), heads.init_dense(H, O, seed=7)
    np.testing.assert_array_equal(a["W_hy"], b["W_hy"])
    assert not np.array_equal(a["W_hy"], heads.init_dense(H, O, seed=8)["W_hy"])


@pytest.mark.parametrize("shape", [(B, H), (B, T, H)], ids=["one_step", "sequence"])
def test_dense_forward_is_h_times_w_hy_plus_b_y(shape):
    h = _rng().normal(size=shape)
    params = heads.init_dense(H, O, seed=1)
    y, _ = heads.dense_forward(h, params)
    assert y.shape == shape[:-1] + (O,)
    np.testing.assert_allclose(y, h @ params["W_hy"] + params["b_y"])


def test_many_to_one_forward_reads_only_the_last_state():
    h = _rng().normal(size=(B, T, H))
    params = heads.init_dense(H, O, seed=1)
    y, _ = heads.many_to_one_forward(h, params)
    np.testing.assert_allclose(y, h[:, -1] @ params["W_hy"] + params["b_y"])
    h[:, :-1] = 0.0
    np.testing.assert_allclose(heads.many_to_one_forward(h, params)[0], y)


def test_many_to_many_forward_applies_the_same_head_at_every_step():
    h = _rng().normal(size=(B, T, H))
    params = heads.init_dense(H, O, seed=1)
    y, _ = heads.many_to_many_forward(h, params)
    assert y.shape == (B, T, O)
    for t in range(T):
        np.testing.assert_allclose(y[:, t], h[:, t] @ params["W_hy"] + params["b_y"])


# --- gradients --------------------------------------------------------------------------


@all_shapes
@pytest.mark.parametrize("per_step", [False, True], ids=["one_step", "sequence"])
def test_dense_backward_matches_numeric_gradient(seed, shape, per_step):
    B, T, H, O = shape
    rng = _rng(seed)
    h = rng.normal(size=(B, T, H) if per_step else (B, H))
    params = heads.init_dense(H, O, seed=rng)
    w = rng.normal(size=h.shape[:-1] + (O,))

    def loss():
        return np.sum(heads.dense_forward(h, params)[0] * w)

    _, cache = heads.dense_forward(h, params)
    dh, grads = heads.dense_backward(w, cache)
    assert_matches_numeric(loss, [(h, dh)] + [(params[k], grads[k]) for k in params])


@all_shapes
def test_many_to_one_with_mse_matches_numeric_gradient(seed, shape):
    B, T, H, O = shape
    rng = _rng(seed)
    h, y_true = rng.normal(size=(B, T, H)), rng.normal(size=(B, O))
    params = heads.init_dense(H, O, seed=rng)

    def loss():
        return heads.mse_loss(heads.many_to_one_forward(h, params)[0], y_true)[0]

    y, cache = heads.many_to_one_forward(h, params)
    dh, grads = heads.many_to_one_backward(heads.mse_loss(y, y_true)[1], cache)
    assert dh.shape == (B, T, H)
    np.testing.assert_array_equal(dh[:, :-1], 0.0)
    assert_matches_numeric(loss, [(h, dh)] + [(params[k], grads[k]) for k in params])


@all_shapes
def test_many_to_many_with_cross_entropy_matches_numeric_gradient(seed, shape):
    B, T, H, C = shape  # a classification head has one output per class, O = C
    rng = _rng(seed)
    h, labels = rng.normal(size=(B, T, H)), rng.integers(0, C, size=(B, T))
    params = heads.init_dense(H, C, seed=rng)

    def loss():
        return heads.softmax_cross_entropy(heads.many_to_many_forward(h, params)[0], labels)[0]

    logits, cache = heads.many_to_many_forward(h, params)
    dh, grads = heads.many_to_many_backward(heads.softmax_cross_entropy(logits, labels)[1], cache)
    assert_matches_numeric(loss, [(h, dh)] + [(params[k], grads[k]) for k in params])


@all_shapes
@pytest.mark.parametrize("per_step", [False, True], ids=["many_to_one", "many_to_many"])
def test_mse_loss_is_the_mean_over_every_element_and_its_gradient_matches(seed, shape, per_step):
    B, T, _, O = shape
    rng = _rng(seed)
    y_pred, y_true = (rng.normal(size=(B, T, O) if per_step else (B, O)) for _ in range(2))
    loss, dy = heads.mse_loss(y_pred, y_true)
    assert loss == pytest.approx(np.mean((y_pred - y_true) ** 2))
    assert_matches_numeric(lambda: heads.mse_loss(y_pred, y_true)[0], [(y_pred, dy)])


@all_shapes
@pytest.mark.parametrize("per_step", [False, True], ids=["per_sequence", "per_step"])
def test_softmax_cross_entropy_gradient_matches_numeric_gradient(seed, shape, per_step):
    B, T, _, C = shape
    rng = _rng(seed)
    logits = 3.0 * rng.normal(size=(B, T, C) if per_step else (B, C))
    labels = rng.integers(0, C, size=logits.shape[:-1])
    _, dlogits = heads.softmax_cross_entropy(logits, labels)
    loss = lambda: heads.softmax_cross_entropy(logits, labels)[0]  # noqa: E731
    assert_matches_numeric(loss, [(logits, dlogits)])


def test_softmax_cross_entropy_of_equal_logits_is_log_of_the_number_of_classes():
    loss, _ = heads.softmax_cross_entropy(np.zeros((B, T, C)), np.zeros((B, T), dtype=int))
    assert loss == pytest.approx(np.log(C))


def test_softmax_cross_entropy_is_the_mean_negative_log_probability_of_the_labels():
    rng = _rng(10)
    logits, labels = rng.normal(size=(B, C)), rng.integers(0, C, size=B)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss, dlogits = heads.softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(B), labels])))
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_cross_entropy_stays_finite_for_huge_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    loss, dlogits = heads.softmax_cross_entropy(logits, np.array([1, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx((2000.0 + 1.0 + np.log1p(np.exp(-1.0))) / 2)


def test_softmax_sums_to_one_and_ignores_a_constant_shift():
    logits = _rng(11).normal(size=(B, T, C))
    p = heads.softmax(logits)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(heads.softmax(logits + 100.0), p)
    np.testing.assert_allclose(p, np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True))


def test_softmax_does_not_overflow_for_large_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = heads.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0]])


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, C])
def test_softmax_cross_entropy_rejects_labels_out_of_range(bad):
    labels = np.array([0, bad, 1])
    with pytest.raises(ValueError, match=rf"labels must lie in 0\.\.{C - 1}"):
        heads.softmax_cross_entropy(np.zeros((3, C)), labels)


def test_softmax_cross_entropy_rejects_labels_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"labels has shape \(3, 4\), expected \(3,\)"):
        heads.softmax_cross_entropy(np.zeros((3, C)), np.zeros((3, 4), dtype=int))


def test_softmax_cross_entropy_rejects_float_labels():
    with pytest.raises(TypeError, match="integer"):
        heads.softmax_cross_entropy(np.zeros((3, C)), np.zeros(3))


def test_dense_forward_names_h_its_shape_and_the_expected_shape():
    with pytest.raises(ValueError, match=r"h has shape \(3, 4, 6\), expected \(\?, \?, 5\)"):
        heads.dense_forward(np.zeros((3, 4, 6)), heads.init_dense(5, 2))


def test_dense_forward_rejects_h_without_a_batch_axis():
    with pytest.raises(ValueError, match=r"h has shape \(5,\)"):
        heads.dense_forward(np.zeros(5), heads.init_dense(5, 2))


def test_many_to_one_forward_needs_a_time_axis():
    with pytest.raises(ValueError, match=r"h has shape \(3, 5\), expected \(\?, \?, 5\)"):
        heads.many_to_one_forward(np.zeros((3, 5)), heads.init_dense(5, 2))


def test_dense_forward_names_a_missing_parameter():
    with pytest.raises(ValueError, match=r"missing \['b_y'\]"):
        heads.dense_forward(np.zeros((3, 5)), {"W_hy": np.zeros((5, 2))})


def test_dense_backward_rejects_dy_of_the_wrong_shape():
    _, cache = heads.dense_forward(np.zeros((3, 5)), heads.init_dense(5, 2))
    with pytest.raises(ValueError, match=r"dy has shape \(3, 3\), expected \(3, 2\)"):
        heads.dense_backward(np.zeros((3, 3)), cache)


def test_mse_loss_rejects_targets_of_another_shape():
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\), expected \(3, 1\)"):
        heads.mse_loss(np.zeros((3, 1)), np.zeros(3))


# --- end to end -----------------------------------------------------------------------------


def test_many_to_one_rnn_with_dense_head_learns_a_toy_task_by_gradient_descent():
    # The target is a scaled sum of the sequence: the RNN has to accumulate it in its state.
    rng = _rng(12)
    x = rng.uniform(-1.0, 1.0, size=(64, 6, 1))
    y_true = x.sum(axis=1) / 2.0
    params, head = rnn.init_params(1, 8, seed=0), heads.init_dense(8, 1, seed=1)
    h0 = np.zeros((64, 8))
    losses = []
    for _ in range(300):
        h, cache = rnn.forward(x, h0, params)
        y, head_cache = heads.many_to_one_forward(h, head)
        loss, dy = heads.mse_loss(y, y_true)
        dh, head_grads = heads.many_to_one_backward(dy, head_cache)
        _, _, grads = rnn.backward(dh, cache)
        for p, g in [(params, grads), (head, head_grads)]:
            for k in p:
                p[k] -= 0.05 * g[k]
        losses.append(loss)
    assert losses[-1] < 0.1 * losses[0]
    assert losses[-1] < 0.1 * np.var(y_true)

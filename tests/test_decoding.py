"""coursekit.decoding: softmax with a temperature, sampling, perplexity and greedy decoding."""

import numpy as np
import pytest

from coursekit import decoding, heads


def _logits(shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(size=shape) * scale


# --- softmax_temperature ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5)])
def test_softmax_temperature_of_one_is_the_softmax(shape):
    z = _logits(shape)

    p = decoding.softmax_temperature(z, 1.0)

    np.testing.assert_allclose(p, heads.softmax(z), rtol=1e-12)


@pytest.mark.parametrize("temperature", [0.25, 1.0, 4.0])
def test_softmax_temperature_scales_log_odds_by_one_over_temperature(temperature):
    z = _logits((2, 6), seed=1)

    p = decoding.softmax_temperature(z, temperature)

    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    log_odds = np.log(p[:, 1:] / p[:, :1])
    np.testing.assert_allclose(log_odds, (z[:, 1:] - z[:, :1]) / temperature, rtol=1e-9)


def test_softmax_temperature_tends_to_one_hot_when_cold_and_uniform_when_hot():
    z = np.array([2.0, 1.0, 0.0, -1.0])

    cold = decoding.softmax_temperature(z, 1e-3)
    hot = decoding.softmax_temperature(z, 1e6)

    np.testing.assert_allclose(cold, [1.0, 0.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(hot, np.full(4, 0.25), rtol=1e-5)


def test_softmax_temperature_stays_finite_on_rows_far_apart():
    z = np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]])

    p = decoding.softmax_temperature(z, 0.5)

    np.testing.assert_allclose(p, np.tile(decoding.softmax_temperature(z[0], 0.5), (3, 1)))


def test_softmax_temperature_keeps_float32():
    z = _logits((3, 4)).astype(np.float32)

    assert decoding.softmax_temperature(z, 0.7).dtype == np.float32


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan")])
def test_softmax_temperature_refuses_a_temperature_that_is_not_positive(temperature):
    with pytest.raises(ValueError, match="temperature must be > 0"):
        decoding.softmax_temperature(np.zeros(3), temperature)


# --- sample_next ---------------------------------------------------------------------------


def test_sample_next_is_rng_choice_with_the_tempered_probabilities():
    z = _logits(6, seed=2)
    p = decoding.softmax_temperature(z, 1.5)
    mine, theirs = np.random.default_rng(7), np.random.default_rng(7)

    ids = [decoding.sample_next(z, 1.5, mine) for _ in range(50)]

    assert ids == [int(theirs.choice(6, p=p)) for _ in range(50)]
    assert all(type(i) is int for i in ids)


def test_sample_next_draws_each_id_about_as_often_as_its_probability():
    z = np.array([1.0, 0.0, -1.0])
    rng = np.random.default_rng(3)

    ids = np.array([decoding.sample_next(z, 1.0, rng) for _ in range(20000)])

    frequencies = np.bincount(ids, minlength=3) / ids.size
    np.testing.assert_allclose(frequencies, decoding.softmax_temperature(z), atol=0.01)


def test_sample_next_at_a_tiny_temperature_is_the_argmax():
    z = _logits(8, seed=4)
    rng = np.random.default_rng(5)

    ids = {decoding.sample_next(z, 1e-4, rng) for _ in range(100)}

    assert ids == {int(np.argmax(z))}


def test_sample_next_refuses_more_than_one_position():
    with pytest.raises(ValueError, match=r"expected \(V,\)"):
        decoding.sample_next(np.zeros((2, 3)), 1.0, np.random.default_rng(0))


# --- perplexity ----------------------------------------------------------------------------


def test_perplexity_of_equal_logits_is_the_vocabulary_size():
    targets = np.random.default_rng(6).integers(0, 7, size=(3, 4))

    assert decoding.perplexity(np.zeros((3, 4, 7)), targets) == pytest.approx(7.0, rel=1e-12)


def test_perplexity_of_a_sure_and_right_model_is_one():
    targets = np.array([[0, 2, 1]])
    logits = np.where(np.eye(3, dtype=bool)[targets], 50.0, -50.0)

    assert decoding.perplexity(logits, targets) == pytest.approx(1.0, abs=1e-12)


def test_perplexity_is_exp_of_the_mean_cross_entropy():
    z = _logits((2, 5, 6), seed=8)
    targets = np.random.default_rng(9).integers(0, 6, size=(2, 5))
    p = heads.softmax(z)
    mean_cross_entropy = -np.mean(np.log(np.take_along_axis(p, targets[..., None], -1)))

    ppl = decoding.perplexity(z, targets)

    assert type(ppl) is float
    assert ppl == pytest.approx(np.exp(mean_cross_entropy), rel=1e-12)


def test_perplexity_stays_finite_for_large_and_for_hopeless_logits():
    z = _logits((1, 4, 5), seed=10)
    targets = np.array([[0, 1, 2, 3]])
    hopeless = z.copy()
    hopeless[0, 0, 0] = z[0, 0].max() - 800.0  # exp(-800) is 0 in float64

    shifted = decoding.perplexity(z + 1000.0, targets)
    far = decoding.perplexity(hopeless, targets)

    assert shifted == pytest.approx(decoding.perplexity(z, targets), rel=1e-9)
    assert np.isfinite(far) and np.log(far) > 800.0 / 4


def test_perplexity_refuses_logits_without_a_time_axis():
    with pytest.raises(ValueError, match=r"expected \(B, T, V\)"):
        decoding.perplexity(np.zeros((2, 3)), np.zeros(2, dtype=int))


# --- greedy_decode -------------------------------------------------------------------------


def _table_step(next_id, V):
    """A step whose logits favour next_id[token] and whose state counts the steps taken."""

    def step(token, state):
        logits = np.zeros(V)
        logits[next_id[token]] = 1.0 + state[0]
        return logits, state + 1

    return step


def test_greedy_decode_follows_the_argmax_and_stops_before_the_end_id():
    step = _table_step({0: 3, 3: 2, 2: 4, 4: 1}, V=5)  # 0 -> 3 -> 2 -> 4 -> end (1)

    ids = decoding.greedy_decode(step, np.zeros(1), start_id=0, end_id=1, max_len=10)

    assert ids.dtype == np.int64
    assert ids.tolist() == [3, 2, 4]


def test_greedy_decode_returns_at_most_max_len_ids():
    step = _table_step({0: 2, 2: 3, 3: 2}, V=4)  # never reaches the end id 1

    assert decoding.greedy_decode(step, np.zeros(1), 0, 1, 5).tolist() == [2, 3, 2, 3, 2]
    assert decoding.greedy_decode(step, np.zeros(1), 0, 1, 0).shape == (0,)


def test_greedy_decode_that_ends_at_once_returns_an_empty_int64_array():
    ids = decoding.greedy_decode(_table_step({0: 1}, V=2), np.zeros(1), 0, 1, 4)

    assert ids.dtype == np.int64 and ids.shape == (0,)


def test_greedy_decode_feeds_back_the_state_and_leaves_the_given_one_alone():
    seen = []
    state = np.zeros(2)

    def step(token, s):
        seen.append((token, float(s[0])))
        return np.eye(3)[(token + 1) % 3], s + 1

    decoding.greedy_decode(step, state, start_id=0, end_id=2, max_len=5)

    assert seen == [(0, 0.0), (1, 1.0)]
    assert state.tolist() == [0.0, 0.0]


def test_greedy_decode_refuses_a_negative_max_len():
    with pytest.raises(ValueError, match="max_len"):
        decoding.greedy_decode(_table_step({0: 1}, V=2), np.zeros(1), 0, 1, -1)

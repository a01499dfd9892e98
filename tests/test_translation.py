"""Tests for coursekit.translation: number words, vocabularies, splits, arrays, scores."""

import numpy as np
import pytest

from coursekit import translation
from coursekit.translation import END_ID, PAD_ID, START_ID, Level, Pair, Side, Vocabulary

# ---------------------------------------------------------------- number words


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (42, "forty-two"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (342, "three hundred and forty-two"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (1100, "one thousand one hundred"),
        (200_000, "two hundred thousand"),
        (342_506, "three hundred and forty-two thousand five hundred and six"),
        (999_999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
    ],
)
def test_number_to_words_writes_known_numbers_in_british_english(n, words):
    assert translation.number_to_words(n) == words


def test_number_to_words_gives_every_number_different_words():
    every = [translation.number_to_words(n) for n in range(translation.MAX_NUMBER + 1)]

    assert len(set(every)) == translation.MAX_NUMBER + 1


@pytest.mark.parametrize(
    "n, error, message",
    [
        (-1, ValueError, "at least 0"),
        (1_000_000, ValueError, "at most 999999"),
        (3.0, TypeError, "must be an int"),
        (True, TypeError, "must be an int"),
    ],
)
def test_number_to_words_rejects_what_it_cannot_write(n, error, message):
    with pytest.raises(error, match=message):
        translation.number_to_words(n)


def test_the_source_vocabulary_holds_every_word_of_every_number():
    source_vocab, _ = translation.number_vocabularies()

    used = {word for n in range(0, 1_000_000, 7) for word in translation.number_to_words(n).split()}

    assert used == set(source_vocab.symbols)
    assert len(source_vocab) == 3 + 103


# ---------------------------------------------------------------- vocabularies


@pytest.mark.parametrize(
    "vocab, text",
    [
        (translation.number_vocabularies()[0], "three hundred and forty-two"),
        (translation.number_vocabularies()[1], "9051"),
        (Vocabulary(tuple("abc"), Level.CHARACTER), "cab"),
        (Vocabulary(list("ab "), Level.CHARACTER), "ab ba"),
    ],
)
def test_decode_inverts_encode(vocab, text):
    ids = vocab.encode(text)

    assert ids.dtype == np.int64 and ids.min() >= 3
    assert vocab.decode(ids) == text


def test_encode_gives_the_ids_in_token_order():
    vocab = Vocabulary(("one", "two"), Level.WORD)

    np.testing.assert_array_equal(vocab.encode("two one two"), [4, 3, 4])
    assert vocab.tokens == ("<pad>", "<s>", "</s>", "one", "two")


def test_decode_skips_padding_and_start_and_stops_at_the_end_token():
    vocab = Vocabulary(tuple("0123456789"), Level.CHARACTER)
    four, two = vocab.encode("42")

    text = vocab.decode([START_ID, PAD_ID, four, two, END_ID, four, four])

    assert text == "42"


@pytest.mark.parametrize(
    "text, message",
    [
        ("three hundred and fourty-two", r"\['fourty-two'\] in .* are not symbols"),
        ("three  hundred", r"\[''\]"),  # a double space makes an empty word
        ("three </s>", r"\['</s>'\]"),  # special tokens are not text
    ],
)
def test_encode_names_the_words_it_does_not_know(text, message):
    source_vocab, _ = translation.number_vocabularies()

    with pytest.raises(ValueError, match=message):
        source_vocab.encode(text)


@pytest.mark.parametrize("ids", [[0, 13], [-1], [[3, 4]], [3.0]])
def test_decode_rejects_ids_outside_the_vocabulary_or_of_the_wrong_shape(ids):
    _, target_vocab = translation.number_vocabularies()

    with pytest.raises(ValueError, match="ids must"):
        target_vocab.decode(np.array(ids))


@pytest.mark.parametrize(
    "symbols, level, error, message",
    [
        (("a", "a"), Level.CHARACTER, ValueError, "distinct"),
        (("a", "</s>"), Level.WORD, ValueError, "special tokens"),
        (("ab",), Level.CHARACTER, ValueError, "single characters"),
        (("a b",), Level.WORD, ValueError, "no space"),
        (("",), Level.WORD, ValueError, "non-empty"),
        (("a",), "word", TypeError, "must be a Level"),
    ],
)
def test_a_vocabulary_refuses_symbols_it_could_not_round_trip(symbols, level, error, message):
    with pytest.raises(error, match=message):
        Vocabulary(symbols, level)


# ---------------------------------------------------------------- training and test pairs


def test_train_test_pairs_is_the_same_for_the_same_seed_and_differs_for_another():
    first = translation.train_test_pairs(50, 20, seed=3)
    again = translation.train_test_pairs(50, 20, seed=3)
    other = translation.train_test_pairs(50, 20, seed=4)

    assert first == again
    assert first.train != other.train


def test_train_test_pairs_never_puts_a_sentence_in_both_sets():
    split = translation.train_test_pairs(900, 100, max_number=999, seed=0)  # all of 0..999

    train_sources = {pair.source for pair in split.train}
    test_sources = {pair.source for pair in split.test}

    assert len(split.train) == len(train_sources) == 900
    assert len(split.test) == len(test_sources) == 100
    assert not train_sources & test_sources
    assert {int(pair.target) for pair in split.train + split.test} == set(range(1000))


def test_each_pair_is_a_number_in_words_and_in_digits():
    split = translation.train_test_pairs(30, 10, seed=1)

    for pair in split.train + split.test:
        assert isinstance(pair, Pair)
        assert pair.target == str(int(pair.target))
        assert pair.source == translation.number_to_words(int(pair.target))


@pytest.mark.parametrize(
    "n_train, n_test, max_number, message",
    [
        (0, 10, 100, "n_train must be at least 1"),
        (10, 0, 100, "n_test must be at least 1"),
        (90, 12, 100, "cannot be drawn"),
        (10, 10, 1_000_000, "at most 999999"),
    ],
)
def test_train_test_pairs_rejects_impossible_sizes(n_train, n_test, max_number, message):
    with pytest.raises(ValueError, match=message):
        translation.train_test_pairs(n_train, n_test, max_number=max_number)


# ---------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    "side, expected",
    [(Side.LEFT, [[0, 0, 5, 6], [7, 8, 9, 3]]), (Side.RIGHT, [[5, 6, 0, 0], [7, 8, 9, 3]])],
)
def test_pad_fills_with_the_padding_id_on_the_chosen_side(side, expected):
    ids = translation.pad([np.array([5, 6]), np.array([7, 8, 9, 3])], 4, side)

    np.testing.assert_array_equal(ids, expected)


def test_pad_rejects_a_sequence_longer_than_the_length_and_a_side_that_is_not_a_side():
    with pytest.raises(ValueError, match="sequence 1 has 3 ids, more than length = 2"):
        translation.pad([np.array([1]), np.array([1, 2, 3])], 2, Side.RIGHT)
    with pytest.raises(TypeError, match="side must be a Side"):
        translation.pad([np.array([1])], 2, "left")


def test_make_arrays_shifts_the_target_behind_a_start_token_and_ends_it():
    source_vocab, target_vocab = translation.number_vocabularies()
    pairs = [Pair("forty-two", "42"), Pair("one hundred and five", "105")]

    arrays = translation.make_arrays(pairs, source_vocab, target_vocab)

    four, two = target_vocab.encode("42")
    assert arrays.source.shape == (2, 4) and arrays.decoder_input.shape == (2, 4)
    np.testing.assert_array_equal(
        arrays.source[0], [PAD_ID] * 3 + [source_vocab.encode("forty-two")[0]]
    )
    np.testing.assert_array_equal(arrays.decoder_input[0], [START_ID, four, two, PAD_ID])
    np.testing.assert_array_equal(arrays.decoder_target[0], [four, two, END_ID, PAD_ID])
    np.testing.assert_array_equal(arrays.decoder_input[1, 1:], arrays.decoder_target[1, :-1])
    assert [source_vocab.decode(row) for row in arrays.source] == [p.source for p in pairs]
    assert [target_vocab.decode(row) for row in arrays.decoder_target] == [p.target for p in pairs]


def test_make_arrays_needs_pairs():
    source_vocab, target_vocab = translation.number_vocabularies()

    with pytest.raises(ValueError, match="non-empty sequence of Pair"):
        translation.make_arrays([("forty-two", "42")], source_vocab, target_vocab)


# ---------------------------------------------------------------- scores

TARGET = np.array([[5, 6, 7, END_ID], [5, 6, END_ID, PAD_ID]])


def test_cut_after_end_blanks_what_follows_the_first_end_token():
    ids = np.array([[5, END_ID, 7, END_ID], [5, 6, 7, 8]])

    np.testing.assert_array_equal(translation.cut_after_end(ids), [[5, END_ID, 0, 0], [5, 6, 7, 8]])


def test_token_accuracy_counts_target_tokens_and_ignores_padding():
    predicted = np.array([[5, 9, 7, END_ID], [5, 6, END_ID, 4]])  # one of 7 tokens wrong

    assert translation.token_accuracy(predicted, TARGET) == pytest.approx(6 / 7)


def test_a_prediction_shorter_than_the_target_misses_the_tokens_it_lacks():
    predicted = np.array([[5, 6], [5, 6]])

    assert translation.token_accuracy(predicted, TARGET) == pytest.approx(4 / 7)
    assert translation.exact_match(predicted, TARGET) == 0.0


def test_exact_match_needs_every_target_token_right():
    predicted = np.array([[5, 6, 7, 3], [5, 6, END_ID, 9]])  # the first misses its end

    assert translation.exact_match(predicted, TARGET) == 0.5


def test_after_first_mistake_marks_only_the_target_tokens_after_it():
    predicted = np.array([[5, 9, 9, END_ID], [5, 6, END_ID, PAD_ID]])

    after = translation.after_first_mistake(predicted, TARGET)

    np.testing.assert_array_equal(after, [[False, False, True, True], [False, False, False, False]])
    assert translation.token_accuracy(predicted, TARGET, where=after) == 0.5


def test_scores_reject_predictions_for_another_number_of_sequences():
    with pytest.raises(ValueError, match=r"must both be \(N, T\)"):
        translation.token_accuracy(np.zeros((3, 4), dtype=int), TARGET)

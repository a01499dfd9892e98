"""Tests for coursekit.text: the shipped text, the vocabulary, the split and the windows."""

import numpy as np
import pytest

from coursekit import text

# ---------------------------------------------------------------- the shipped text


def test_load_text_returns_the_whole_shipped_book():
    book = text.load_text()

    assert len(book) == 144_600
    assert book.startswith("[Illustration]")
    assert "Alice was beginning to get very tired" in book
    assert book.endswith("THE END")


def test_load_text_names_the_shipped_texts_when_the_name_is_unknown():
    with pytest.raises(ValueError, match=r"'hamlet'.*\['alice_in_wonderland'\]"):
        text.load_text("hamlet")


# ---------------------------------------------------------------- the vocabulary


def test_vocabulary_from_text_holds_each_character_once_sorted():
    vocabulary = text.Vocabulary.from_text("hello world")

    assert vocabulary.characters == (" ", "d", "e", "h", "l", "o", "r", "w")
    assert vocabulary.size == 8


@pytest.mark.parametrize("sample", ["", "a", "Down the Rabbit-Hole\n“Curiouser!”"])
def test_decode_of_encode_gives_the_text_back(sample):
    vocabulary = text.Vocabulary.from_text("Down the Rabbit-Hole\n“Curiouser!”")

    ids = vocabulary.encode(sample)

    assert ids.dtype == np.int64 and ids.shape == (len(sample),)
    assert vocabulary.decode(ids) == sample


def test_encode_gives_each_character_its_index_in_the_vocabulary():
    vocabulary = text.Vocabulary(("a", "b", "c"))

    np.testing.assert_array_equal(vocabulary.encode("cab"), [2, 0, 1])


def test_the_whole_book_round_trips_through_its_vocabulary():
    book = text.load_text()
    vocabulary = text.Vocabulary.from_text(book)

    assert vocabulary.decode(vocabulary.encode(book)) == book


def test_encode_names_an_unknown_character_and_its_position():
    vocabulary = text.Vocabulary.from_text("abc ")

    with pytest.raises(ValueError, match=r"character 'é' at position 5 is not in the vocabulary"):
        vocabulary.encode("abc cé")


@pytest.mark.parametrize(
    "ids, message",
    [
        ([0, 3], r"id 3 at position 1 is not in the vocabulary of 3 characters"),
        ([-1], r"id -1 at position 0"),
        ([[0, 1]], r"shape \(1, 2\), expected a 1-D array"),
    ],
)
def test_decode_rejects_ids_outside_the_vocabulary_with_a_clear_message(ids, message):
    vocabulary = text.Vocabulary(("a", "b", "c"))

    with pytest.raises(ValueError, match=message):
        vocabulary.decode(ids)


@pytest.mark.parametrize(
    "characters, message",
    [(("a", "a"), "distinct"), (("ab",), "single characters"), ((1,), "single characters")],
)
def test_vocabulary_rejects_characters_that_are_not_distinct_single_characters(characters, message):
    with pytest.raises(ValueError, match=message):
        text.Vocabulary(characters)


# ---------------------------------------------------------------- the split


def test_train_validation_split_keeps_reading_order_and_the_last_part_for_validation():
    ids = np.arange(100)

    train, validation = text.train_validation_split(ids, val_fraction=0.2)

    np.testing.assert_array_equal(train, np.arange(80))
    np.testing.assert_array_equal(validation, np.arange(80, 100))


@pytest.mark.parametrize(
    "sequence, val_fraction, message",
    [
        ("abcdefghij", 0.0, "strictly between 0 and 1"),
        ("abcdefghij", 1.0, "strictly between 0 and 1"),
        ("abcdefghij", 0.05, "leaves 10 for training and 0 for validation"),
        ("abc", 0.5, "each part needs at least 2"),
    ],
)
def test_train_validation_split_rejects_a_part_too_small_to_hold_a_target(
    sequence, val_fraction, message
):
    with pytest.raises(ValueError, match=message):
        text.train_validation_split(sequence, val_fraction)


# ---------------------------------------------------------------- the windows


@pytest.mark.parametrize("n_ids, batch_size, n_steps", [(101, 4, 5), (1000, 3, 7), (9, 2, 4)])
def test_bptt_windows_shape_is_windows_by_batch_by_time(n_ids, batch_size, n_steps):
    inputs, targets = text.bptt_windows(np.arange(n_ids), batch_size, n_steps)

    n_windows = (n_ids - 1) // batch_size // n_steps
    assert inputs.shape == targets.shape == (n_windows, batch_size, n_steps)
    assert inputs.dtype == targets.dtype == np.int64


def test_bptt_windows_targets_are_the_inputs_shifted_by_one_step():
    ids = np.arange(1000) * 7 % 53  # not increasing, so a shift is not the identity

    inputs, targets = text.bptt_windows(ids, batch_size=3, n_steps=7)

    # each row of windows, laid end to end, is one contiguous stretch of the text
    rows_in = inputs.transpose(1, 0, 2).reshape(3, -1)
    rows_out = targets.transpose(1, 0, 2).reshape(3, -1)
    np.testing.assert_array_equal(rows_out[:, :-1], rows_in[:, 1:])
    np.testing.assert_array_equal(rows_in[0], ids[: rows_in.shape[1]])  # row 0 starts the text
    np.testing.assert_array_equal(rows_out[0], ids[1 : rows_out.shape[1] + 1])


def test_bptt_windows_row_b_of_each_window_continues_row_b_of_the_window_before():
    ids = np.arange(10_001)  # id = position in the text

    inputs, targets = text.bptt_windows(ids, batch_size=4, n_steps=25)

    np.testing.assert_array_equal(inputs[1:, :, 0], inputs[:-1, :, -1] + 1)
    np.testing.assert_array_equal(inputs[1:, :, 0], targets[:-1, :, -1])
    # the rows are consecutive stretches of R = 2500 ids: row b starts at id b * R
    np.testing.assert_array_equal(inputs[0, :, 0], [0, 2500, 5000, 7500])


def test_bptt_windows_fits_exactly_batch_times_steps_plus_one_ids():
    inputs, targets = text.bptt_windows(np.arange(13), batch_size=3, n_steps=4)

    np.testing.assert_array_equal(inputs[0], [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    np.testing.assert_array_equal(targets[0], inputs[0] + 1)


@pytest.mark.parametrize(
    "ids, batch_size, n_steps, error, message",
    [
        (np.arange(12), 3, 4, ValueError, r"12 ids are too few.* = 13 ids"),
        (np.arange(12).reshape(3, 4), 1, 2, ValueError, r"shape \(3, 4\), expected a 1-D array"),
        (np.linspace(0, 1, 50), 2, 3, TypeError, "ids must be integers"),
        (np.arange(50), 0, 3, ValueError, "batch_size must be at least 1"),
        (np.arange(50), 2, 2.5, TypeError, "n_steps must be an int"),
    ],
)
def test_bptt_windows_rejects_bad_arguments_with_a_clear_message(
    ids, batch_size, n_steps, error, message
):
    with pytest.raises(error, match=message):
        text.bptt_windows(ids, batch_size, n_steps)

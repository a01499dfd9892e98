r"""A synthetic translation task: English number words to digits, in plain numpy.

The source language is the English (British) way of writing a whole number from 0 to
999 999, the target language its decimal digits:

    "three hundred and forty-two thousand five hundred and six"  ->  "342506"

Nothing is downloaded: :func:`number_to_words` writes every source sentence from a rule,
and :func:`train_test_pairs` draws distinct numbers with a seeded generator, so the
training and the test sentences never overlap. The source is read word by word (a
hyphenated compound such as "forty-two" is one word), the target digit by digit.

Every vocabulary starts with three special tokens: ``<pad>`` (id 0), which fills short
sequences up to the length of the longest, ``<s>`` (id 1), the start token the decoder
reads first, and ``</s>`` (id 2), the end token it must emit last. For a target
y_1 .. y_n, teacher forcing gives the decoder

    input  u = (<s>, y_1, ..., y_n),    target  (y_1, ..., y_n, </s>),

the target shifted left by one step (:func:`make_arrays`). Sources are padded at the
front, so that an encoder's final state is the state right after the last word.
"""

import enum
from dataclasses import dataclass

import numpy as np

from coursekit._validate import check_int

PAD, START, END = "<pad>", "<s>", "</s>"
SPECIALS = (PAD, START, END)
PAD_ID, START_ID, END_ID = 0, 1, 2
MAX_NUMBER = 999_999

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


class Level(enum.Enum):
    """How a vocabulary splits a text into tokens: one per character, or per word."""

    CHARACTER = "character"
    WORD = "word"


class Side(enum.Enum):
    """Where padding goes: before the tokens (LEFT) or after them (RIGHT)."""

    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class Pair:
    """One translation example: a source sentence and its target."""

    source: str
    target: str


@dataclass(frozen=True)
class Split:
    """Training and test pairs whose numbers (hence sentences) never coincide."""

    train: tuple[Pair, ...]
    test: tuple[Pair, ...]


@dataclass(frozen=True)
class Seq2SeqArrays:
    """Integer id arrays for an encoder-decoder, batch first.

    source (N, T_in), padded at the front; decoder_input (N, T_out), the targets
    behind a start token; decoder_target (N, T_out), the targets followed by the end
    token; both decoder arrays padded at the back with PAD_ID.
    """

    source: np.ndarray
    decoder_input: np.ndarray
    decoder_target: np.ndarray


@dataclass(frozen=True)
class Vocabulary:
    """Token ids for one language: the three specials, then ``symbols`` in order.

    Token k has id k: ``tokens = (PAD, START, END, *symbols)``. A CHARACTER vocabulary
    splits a text into its characters (a space may be one of them), a WORD vocabulary
    at single spaces (so a word holds no space).
    """

    symbols: tuple[str, ...]
    level: Level

    def __post_init__(self):
        object.__setattr__(self, "symbols", tuple(self.symbols))  # a list would do too
        if not isinstance(self.level, Level):
            raise TypeError(f"level must be a Level, got {self.level!r}")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("the symbols of a vocabulary must be distinct")
        clash = set(self.symbols) & set(SPECIALS)
        if clash:
            raise ValueError(f"{sorted(clash)} are special tokens, not symbols")
        for symbol in self.symbols:
            if self.level is Level.CHARACTER and len(symbol) != 1:
                raise ValueError(f"a character vocabulary holds single characters, got {symbol!r}")
            if self.level is Level.WORD and (not symbol or " " in symbol):
                raise ValueError(f"a word must be non-empty and hold no space, got {symbol!r}")

    @property
    def tokens(self):
        """All tokens in id order: PAD, START, END, then the symbols."""
        return SPECIALS + self.symbols

    def __len__(self):
        return len(SPECIALS) + len(self.symbols)

    def split(self, text):
        """The tokens of ``text``: its characters, or its words between single spaces."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return list(text) if self.level is Level.CHARACTER else text.split(" ")

    def encode(self, text):
        """Ids of the tokens of ``text``, without start or end token.

        Parameters
        ----------
        text : str

        Returns
        -------
        ids : ndarray of shape (L,), int64
            ids[i] is the id of the i-th token; L is the number of tokens.
        """
        index = {token: i for i, token in enumerate(self.tokens)}
        pieces = self.split(text)
        unknown = sorted({piece for piece in pieces if piece not in index or piece in SPECIALS})
        if unknown:
            raise ValueError(f"{unknown} in {text!r} are not symbols of this vocabulary")
        return np.array([index[piece] for piece in pieces], dtype=np.int64)

    def decode(self, ids):
        """The text of a row of ids: PAD and START skipped, reading stops at END.

        Parameters
        ----------
        ids : array_like of int, shape (L,)

        Returns
        -------
        text : str
            The inverse of :meth:`encode`: ``decode(encode(text)) == text``.
        """
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-D array of integers, got {ids.dtype} {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in 0 .. {len(self) - 1}, got {ids.min()}..{ids.max()}")
        pieces = []
        for i in ids.tolist():
            if i == END_ID:
                break
            if i not in (PAD_ID, START_ID):
                pieces.append(self.tokens[i])
        return ("" if self.level is Level.CHARACTER else " ").join(pieces)


def _below_hundred(n):
    if n < 20:
        return _UNITS[n]
    tens, units = divmod(n, 10)
    return _TENS[tens] + (f"-{_UNITS[units]}" if units else "")


def _below_thousand(n):
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    words = f"{_UNITS[hundreds]} hundred"
    return f"{words} and {_below_hundred(rest)}" if rest else words


def number_to_words(n):
    """The English words for a whole number 0 <= n <= 999 999, British style.

    n = 1000 a + b with a, b in 0 .. 999 is written "<a> thousand <b>"; a group
    100 c + d is "<c> hundred and <d>", and "and" also joins the thousands to a last
    group below one hundred. Compounds take a hyphen: 42 is "forty-two",
    1005 "one thousand and five", 342 506 "three hundred and forty-two thousand five
    hundred and six". Different numbers give different words.

    Parameters
    ----------
    n : int

    Returns
    -------
    words : str
        Lower case, words separated by single spaces.
    """
    n = check_int("n", n, 0, MAX_NUMBER)
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _below_thousand(rest)
    words = f"{_below_thousand(thousands)} thousand"
    if not rest:
        return words
    joiner = " and " if rest < 100 else " "
    return words + joiner + _below_thousand(rest)


def number_vocabularies():
    """The word vocabulary of :func:`number_to_words` and the digit vocabulary.

    Returns
    -------
    source : Vocabulary
        WORD level: "zero" .. "nineteen", the tens, their 72 hyphenated compounds,
        "hundred", "thousand" and "and" (3 + 103 tokens).
    target : Vocabulary
        CHARACTER level: the digits "0" .. "9" (3 + 10 tokens).
    """
    compounds = [_below_hundred(n) for n in range(20, 100)]
    words = (*_UNITS, *compounds, "hundred", "thousand", "and")
    return Vocabulary(tuple(words), Level.WORD), Vocabulary(tuple("0123456789"), Level.CHARACTER)


def train_test_pairs(n_train, n_test, max_number=MAX_NUMBER, seed=0):
    """Distinct numbers drawn from 0 .. max_number, as (words, digits) pairs.

    n_train + n_test numbers are drawn without replacement; the first n_train are the
    training set, the rest the test set, so no number, and (since
    :func:`number_to_words` is one-to-one) no source sentence, is in both.

    Parameters
    ----------
    n_train, n_test : int
        At least 1 each; together at most max_number + 1.
    max_number : int
        The largest number that may be drawn, at most MAX_NUMBER.
    seed : int or numpy.random.Generator
        Same seed, same pairs.

    Returns
    -------
    split : Split
        ``split.train[i] == Pair(number_to_words(k), str(k))`` for a drawn number k.
    """
    n_train = check_int("n_train", n_train, 1)
    n_test = check_int("n_test", n_test, 1)
    max_number = check_int("max_number", max_number, 1, MAX_NUMBER)
    if n_train + n_test > max_number + 1:
        raise ValueError(
            f"n_train + n_test = {n_train + n_test} distinct numbers cannot be drawn from "
            f"0 .. {max_number}"
        )
    rng = np.random.default_rng(seed)
    drawn = rng.choice(max_number + 1, size=n_train + n_test, replace=False).tolist()
    pairs = tuple(Pair(number_to_words(k), str(k)) for k in drawn)
    return Split(train=pairs[:n_train], test=pairs[n_train:])


def pad(sequences, length, side):
    """Stack id sequences into one (N, length) array, filling with PAD_ID.

    Parameters
    ----------
    sequences : sequence of 1-D int arrays
        N sequences, none longer than ``length``.
    length : int
    side : Side
        LEFT puts the padding before the ids, RIGHT after them.

    Returns
    -------
    ids : ndarray of shape (N, length), int64
    """
    if not isinstance(side, Side):
        raise TypeError(f"side must be a Side, got {side!r}")
    length = check_int("length", length, 1)
    out = np.full((len(sequences), length), PAD_ID, dtype=np.int64)
    for row, ids in enumerate(sequences):
        if len(ids) > length:
            raise ValueError(f"sequence {row} has {len(ids)} ids, more than length = {length}")
        start = length - len(ids) if side is Side.LEFT else 0
        out[row, start : start + len(ids)] = ids
    return out


def make_arrays(pairs, source_vocab, target_vocab):
    """Encoder and teacher-forcing decoder arrays for a list of pairs.

    For a target y_1 .. y_n: decoder_input = (<s>, y_1, .., y_n), decoder_target =
    (y_1, .., y_n, </s>), so that at step t the decoder reads the true token t - 1 and
    is trained to emit token t.

    Parameters
    ----------
    pairs : sequence of Pair
    source_vocab, target_vocab : Vocabulary

    Returns
    -------
    arrays : Seq2SeqArrays
        source (N, T_in) with T_in the longest source, padded at the front;
        decoder_input and decoder_target (N, T_out) with T_out = longest target + 1,
        padded at the back.
    """
    if not pairs or not all(isinstance(pair, Pair) for pair in pairs):
        raise ValueError("pairs must be a non-empty sequence of Pair")
    sources = [source_vocab.encode(pair.source) for pair in pairs]
    targets = [target_vocab.encode(pair.target) for pair in pairs]
    T_in = max(len(ids) for ids in sources)
    T_out = max(len(ids) for ids in targets) + 1
    return Seq2SeqArrays(
        source=pad(sources, T_in, Side.LEFT),
        decoder_input=pad([np.r_[START_ID, ids] for ids in targets], T_out, Side.RIGHT),
        decoder_target=pad([np.r_[ids, END_ID] for ids in targets], T_out, Side.RIGHT),
    )


def cut_after_end(ids):
    """What a decoder that stops at its end token has emitted: PAD after the first END.

    Greedy decoding of a batch runs every row for the same number of steps; a row whose
    decoder emitted END at step t has stopped there, so its later ids are replaced by
    PAD_ID (and count as missing tokens in :func:`token_accuracy`).

    Parameters
    ----------
    ids : int array of shape (N, T)

    Returns
    -------
    ids : ndarray of shape (N, T), int64
        A copy, equal to the input up to and including each row's first END.
    """
    ids = np.asarray(ids)
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be an (N, T) array of integers, got {ids.dtype} {ids.shape}")
    ended = np.cumsum(ids == END_ID, axis=1) - (ids == END_ID) > 0  # an END came before
    return np.where(ended, PAD_ID, ids).astype(np.int64)


def _right_and_mask(predicted, target):
    """(N, T) booleans: is each position right, and does it hold a target token."""
    predicted, target = np.asarray(predicted), np.asarray(target)
    if predicted.ndim != 2 or target.ndim != 2 or len(predicted) != len(target):
        raise ValueError(
            f"predicted {predicted.shape} and target {target.shape} must both be (N, T) "
            "for the same N"
        )
    T = target.shape[1]
    if predicted.shape[1] < T:  # a shorter prediction is padded, so it misses those tokens
        predicted = np.pad(predicted, ((0, 0), (0, T - predicted.shape[1])), constant_values=-1)
    return predicted[:, :T] == target, target != PAD_ID


def token_accuracy(predicted, target, where=None):
    """The fraction of target tokens predicted right, position by position.

    accuracy = sum_{n,t} [p_{n,t} = y_{n,t}] m_{n,t} / sum_{n,t} m_{n,t}, with
    m_{n,t} = 1 where y_{n,t} is not PAD (digits and the end token count) and, if
    given, ``where[n, t]`` is True.

    Parameters
    ----------
    predicted : int array of shape (N, T')
        Predicted ids; a longer row is cut to T, a shorter one counts as wrong where it
        has no token.
    target : int array of shape (N, T)
        For example ``Seq2SeqArrays.decoder_target``.
    where : bool array of shape (N, T), optional
        Count only these positions, e.g. :func:`after_first_mistake`.

    Returns
    -------
    accuracy : float
        NaN if no position counts.
    """
    right, mask = _right_and_mask(predicted, target)
    if where is not None:
        mask &= np.asarray(where, dtype=bool)
    return float(right[mask].mean()) if mask.any() else float("nan")


def exact_match(predicted, target):
    """The fraction of sequences whose every non-PAD target token is predicted right.

    Parameters
    ----------
    predicted : int array of shape (N, T')
    target : int array of shape (N, T)

    Returns
    -------
    accuracy : float
        An exact match means the decoded prediction equals the target text.
    """
    right, mask = _right_and_mask(predicted, target)
    return float((right | ~mask).all(axis=1).mean())


def after_first_mistake(predicted, target):
    """Mark the target tokens that come after each row's first wrong prediction.

    With f_n the first position t where p_{n,t} != y_{n,t} (and y_{n,t} is not PAD),
    the mask is True at the non-PAD positions t > f_n; rows without a mistake are all
    False.

    Parameters
    ----------
    predicted : int array of shape (N, T')
    target : int array of shape (N, T)

    Returns
    -------
    mask : ndarray of shape (N, T), bool
    """
    right, mask = _right_and_mask(predicted, target)
    wrong = ~right & mask
    T = target.shape[1]
    first = np.where(wrong.any(axis=1), wrong.argmax(axis=1), T)
    return (np.arange(T) > first[:, None]) & mask

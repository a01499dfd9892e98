r"""Real text for a character-level language model, in plain numpy.

A language model reads a text one character at a time and predicts the next one: the
characters become ids s_0, s_1, ..., s_{N-1}, and the model
learns p(s_{n+1} | s_0, ..., s_n). This module gives it the text and the arrays:

- :func:`load_text`, a public-domain book shipped inside coursekit (``coursekit/texts/``,
  whose README states the source and why the text is free to share); nothing is
  downloaded;
- :class:`Vocabulary`, the characters of a text and their ids;
- :func:`train_validation_split`, the text cut in two in reading order;
- :func:`bptt_windows`, the ids cut into (batch, time) windows for truncated
  backpropagation through time, laid out so that the hidden state can be carried from
  one window to the next.

The window layout. The stream s_0 .. s_{N-1} is cut into B rows of R = (N - 1) // B
consecutive ids, row b starting at id bR; window k holds steps kT .. kT + T - 1 of
every row, and its targets are the same positions one step later:

    inputs[k, b, t] = s_{bR + kT + t},    targets[k, b, t] = s_{bR + kT + t + 1}.

Row b of window k + 1 therefore continues row b of window k exactly, so the final state
of row b after window k is the right initial state for row b of window k + 1.
"""

from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from coursekit._validate import check_int

DEFAULT_TEXT = "alice_in_wonderland"
"""Lewis Carroll, *Alice's Adventures in Wonderland* (1865), 144 600 characters."""


def _shipped_texts():
    names = (item.name for item in resources.files("coursekit").joinpath("texts").iterdir())
    return sorted(name.removesuffix(".txt") for name in names if name.endswith(".txt"))


def load_text(name=DEFAULT_TEXT):
    """The full text of a public-domain work shipped in ``coursekit/texts/``.

    Parameters
    ----------
    name : str
        The file name without ``.txt``; by default Lewis Carroll's *Alice's Adventures
        in Wonderland*. ``coursekit/texts/README.md`` states each text's source and
        public-domain status.

    Returns
    -------
    str
        The text, decoded from UTF-8, exactly as shipped.

    Raises
    ------
    ValueError
        If no text of that name is shipped; the message lists those that are.
    """
    if name not in _shipped_texts():
        raise ValueError(f"no shipped text is called {name!r}; choose one of {_shipped_texts()}")
    path = resources.files("coursekit").joinpath("texts", f"{name}.txt")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Vocabulary:
    """The characters a model can read and write, and their ids: id(characters[k]) = k.

    Build it from the whole text with :meth:`from_text`, so that every character of the
    training and the validation part has an id.
    """

    characters: tuple[str, ...]
    _ids: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "characters", tuple(self.characters))
        for character in self.characters:
            if not isinstance(character, str) or len(character) != 1:
                raise ValueError(f"a vocabulary holds single characters, got {character!r}")
        if len(set(self.characters)) != len(self.characters):
            raise ValueError("the characters of a vocabulary must be distinct")
        object.__setattr__(self, "_ids", {c: k for k, c in enumerate(self.characters)})

    @classmethod
    def from_text(cls, text):
        """The distinct characters of ``text``, sorted by code point."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return cls(tuple(sorted(set(text))))

    @property
    def size(self):
        """V, the number of characters: the width of a one-hot input and of the logits."""
        return len(self.characters)

    def encode(self, text):
        """s_n = id(text[n]): the id of every character of ``text``.

        Parameters
        ----------
        text : str
            N characters, each of them in the vocabulary.

        Returns
        -------
        ids : ndarray of dtype int64, shape (N,)

        Raises
        ------
        ValueError
            If a character is not in the vocabulary; the message names the first such
            character and its position in ``text``.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        try:
            return np.fromiter((self._ids[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError:
            position = next(n for n, c in enumerate(text) if c not in self._ids)
            raise ValueError(
                f"character {text[position]!r} at position {position} is not in the "
                f"vocabulary of {self.size} characters; build the vocabulary from a "
                "text that contains it"
            ) from None

    def decode(self, ids):
        """text[n] = characters[s_n]: the text whose ids are ``ids``.

        Parameters
        ----------
        ids : array_like of int, shape (N,)
            Ids in 0 .. V - 1.

        Returns
        -------
        str
            N characters.

        Raises
        ------
        ValueError
            If ``ids`` is not 1-D, or an id lies outside 0 .. V - 1 (the message names
            the first such id and its position).
        """
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"ids has shape {ids.shape}, expected a 1-D array of shape (N,)")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
        bad = np.flatnonzero((ids < 0) | (ids >= self.size))
        if bad.size:
            position = int(bad[0])
            raise ValueError(
                f"id {int(ids[position])} at position {position} is not in the vocabulary "
                f"of {self.size} characters (ids 0 .. {self.size - 1})"
            )
        return "".join(self.characters[k] for k in ids)


def train_validation_split(sequence, val_fraction=0.1):
    """The first part of a text for training, the rest for validation, in reading order.

    With N items and n_val = round(val_fraction N), the training part is items
    0 .. N - n_val - 1 and the validation part the last n_val items. Nothing is shuffled:
    the model is scored on a passage it never read.

    Parameters
    ----------
    sequence : str or ndarray of shape (N,)
        A text or its ids.
    val_fraction : float
        Strictly between 0 and 1.

    Returns
    -------
    train, validation : the type of ``sequence``
        Of lengths N - n_val and n_val, each at least 2 (one input and its target).
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    n = len(sequence)
    n_val = round(val_fraction * n)
    if n_val < 2 or n - n_val < 2:
        raise ValueError(
            f"a sequence of {n} items with val_fraction = {val_fraction} leaves "
            f"{n - n_val} for training and {n_val} for validation; each part needs at "
            "least 2 (one input and its next-item target)"
        )
    return sequence[: n - n_val], sequence[n - n_val :]


def bptt_windows(ids, batch_size, n_steps):
    """Inputs and next-id targets cut into (batch, time) windows for truncated BPTT.

    With B = ``batch_size``, T = ``n_steps``, R = (N - 1) // B ids per row and
    K = R // T windows,

        inputs[k, b, t] = s_{bR + kT + t},    targets[k, b, t] = s_{bR + kT + t + 1},

    so row b of window k + 1 continues row b of window k: carry the final state of one
    window into the next, row for row. What does not fill a whole window is left out:
    fewer than T ids at the end of each row and fewer than B at the end of the text.

    Parameters
    ----------
    ids : integer ndarray of shape (N,)
        The ids of a text, in reading order (from :meth:`Vocabulary.encode`).
    batch_size : int
        B >= 1, the number of rows, each a contiguous stretch of the text.
    n_steps : int
        T >= 1, the steps of one window: gradients flow back at most T steps.

    Returns
    -------
    inputs, targets : ndarray of dtype int64, shape (K, B, T)
        ``inputs[k]`` is window k, the batch of one training step; ``targets[k]`` holds
        the id that follows each of its ids.

    Raises
    ------
    ValueError
        If ``ids`` is not 1-D, or is too short to give every row one full window
        (N < B T + 1).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids has shape {ids.shape}, expected a 1-D array of shape (N,)")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    B = check_int("batch_size", batch_size, 1)
    T = check_int("n_steps", n_steps, 1)
    R = (len(ids) - 1) // B
    K = R // T
    if K == 0:
        raise ValueError(
            f"{len(ids)} ids are too few for batch_size = {B} and n_steps = {T}: one "
            f"window needs batch_size * n_steps + 1 = {B * T + 1} ids; use a longer "
            "text, a smaller batch or fewer steps"
        )

    def windows(stream):
        rows = stream[: B * R].reshape(B, R)[:, : K * T]
        return rows.reshape(B, K, T).transpose(1, 0, 2).astype(np.int64)

    return windows(ids[:-1]), windows(ids[1:])

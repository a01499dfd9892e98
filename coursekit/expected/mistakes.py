"""Hints for mistakes that more than one assignment looks for (each defined once here).

A hint says what went wrong and what to do instead, in the words a student reads in a
failing test. Hints that belong to one assignment live in that assignment's module.
"""

from enum import StrEnum


class Mistake(StrEnum):
    """Mistakes shared by several assignments."""

    NORM_AFTER_CLIPPING = "returned the norm after clipping: return the global norm before clipping"

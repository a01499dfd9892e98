"""Hints for mistakes that more than one assignment looks for (each defined once here).

A hint says what went wrong and what to do instead, in the words a student reads in a
failing test. Hints that belong to one assignment live in that assignment's module.
"""

from enum import StrEnum


class Mistake(StrEnum):
    """Mistakes shared by several assignments."""

    NORM_AFTER_CLIPPING = "returned the norm after clipping: return the global norm before clipping"
    MISSING_BIAS = "missing bias: b_h was never added to a_t"
    OUTPUT_MISSING_BIAS = "missing bias: b_y was never added to the output"
    TRANSPOSED_W_HH = (
        "transposed weight: W_hh was used transposed; in row-vector code the product is "
        "h_{t-1} @ W_hh"
    )
    OUTPUT_ACTIVATION = (
        "activation on the output: the output layer is affine, y_t = h_t W_hy + b_y, with no "
        "tanh or relu"
    )
    COUNT_W_HH_AS_HD = (
        "W_hh counted as H * D: a recurrent matrix maps a state to a state, so it is H * H"
    )
    CLIP_BY_VALUE = (
        "clipping by value instead of by norm: scale every gradient by the same factor "
        "max_norm / ||g||, which keeps the direction"
    )
    CLIP_SCALED_UP = "scaled up: gradients whose global norm is at most max_norm are left unchanged"
    FIRST_STEP = "first step read: the head reads the last step's state, out[:, -1]"
    NOT_BATCH_FIRST = "batch_first missing: without batch_first=True PyTorch reads x as (T, B, D)"

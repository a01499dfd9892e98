"""What the exercises' tests expect: the trusted side of every check.

One module per assignment (``rnn_cell`` for 01_rnn_cell, ``bptt`` for 03_bptt, ...). Each
function takes the inputs a test gives to a student's function and returns what the check
compares the student's result with: a :class:`coursekit.checks.Expected` (the right value
from the reference maths, the tolerance, and the values that named mistakes produce) or a
:class:`coursekit.checks.Rule` (for results that must agree with the student's own other
values). A test cell therefore states only what it calls, with which inputs, and which
check applies::

    check_array("h_t", call(rnn_cell_forward, x, h, p), expected.cell_forward(x, h, p))

Every hint that names a mistake is defined once: in the assignment's ``Mistake`` enum, or,
when several assignments share it, in :mod:`coursekit.expected.mistakes`.

This package is trusted code. In the grader's sandbox it is replaced by a stub and every
check call is cut to ``check_x(name, actual)``, so none of it runs, and nothing it computes
exists, in a student's process: the grader resolves it in its reference run of the
solutions and decides outside (see ``coursekit.grader``). Under stock nbgrader it runs in
the notebook, like any test code.
"""

import numpy as np

TOLERANCE = {np.dtype(np.float64): (1e-6, 1e-8), np.dtype(np.float32): (1e-4, 1e-5)}
"""(rtol, atol) for results computed in float64 and in float32."""


def tolerance(*arrays):
    """The (rtol, atol) of the lowest floating precision among ``arrays`` (dicts allowed)."""
    dtypes = []
    for a in arrays:
        values = a.values() if isinstance(a, dict) else [a]
        dtypes += [np.asarray(v).dtype for v in values if np.asarray(v).dtype.kind == "f"]
    lowest = min(dtypes, key=lambda d: d.itemsize, default=np.dtype(np.float64))
    return TOLERANCE.get(lowest, TOLERANCE[np.dtype(np.float32)])

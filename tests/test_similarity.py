"""Similarity between submissions: planted copies are found, independent work is not.

The answers are written for exercise 01 (the RNN cell): rnn_cell_forward, rnn_output,
rnn_param_count and the values by hand, one string per answer cell, as
:func:`coursekit.grader.similarity.answer_code` returns them. The release's answer cells
are the boilerplate, as the grader passes them.
"""

import csv
from pathlib import Path

from coursekit.grader import similarity
from coursekit.grader.assignment import ANSWER, LOCKED, TEST, load_assignment
from coursekit.grader.results import CellResult, NotebookResult, StudentResult

ROOT = Path(__file__).resolve().parents[1]
(SPEC,) = load_assignment(ROOT, "01_rnn_cell").notebooks
RELEASE = [c.release for c in SPEC.cells if c.role == ANSWER]
REFERENCE = [c.source for c in SPEC.cells if c.role == ANSWER]

# Alice: helpers for the affine map and the activation, a dict for the parameter count.
ALICE = [
    '''def _affine(x, W, b=None):
    out = x @ W
    if b is not None:
        out = out + b
    return out


def _activate(a, name):
    # tanh is the default, relu the alternative
    if name == "tanh":
        return np.tanh(a)
    elif name == "relu":
        return np.maximum(a, 0.0)
    raise ValueError("unknown activation: " + str(name))


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
    # YOUR CODE HERE
    pre = _affine(x_t, params["W_xh"]) + _affine(h_prev, params["W_hh"], params["b_h"])
    return _activate(pre, activation)
''',
    '''def rnn_output(h_t, params):
    """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
    # YOUR CODE HERE
    return _affine(h_t, params["W_hy"], params["b_y"])
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
    """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
    # YOUR CODE HERE
    sizes = {
        "W_xh": n_inputs * n_hidden,
        "W_hh": n_hidden * n_hidden,
        "b_h": n_hidden,
        "W_hy": n_hidden * n_outputs,
        "b_y": n_outputs,
    }
    total = 0
    for name, size in sizes.items():
        total += size
    return int(total)
''',
    """# Your values by hand, each a numpy array of shape (2,), for example
# a1_by_hand = np.array([0.123, -0.456]); the same for h1_by_hand, a2_by_hand and h2_by_hand.
a1_by_hand = np.array([1.0, -0.25])
h1_by_hand = np.array([0.762, -0.245])
a2_by_hand = np.array([1.134, 0.631])
h2_by_hand = np.array([0.812, 0.559])
""",
]

# Mallory copied Alice: every name changed, comments and messages reworded, two-space
# indents and other spacing, the helpers reordered and one moved to another cell.
MALLORY = [
    '''def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
  """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
  # pre-activation then squash
  z = lin(x_t, params["W_xh"]) + lin(h_prev, params["W_hh"], params["b_h"])
  return squash(z, activation)

def squash(v, kind):
  if kind=="tanh":
    return np.tanh(v)
  elif kind=="relu":
    return np.maximum(v, 0.0)
  raise ValueError("activation not supported: %s" % kind)
''',
    '''def lin(inp, M, bias=None):
  """Affine map."""
  res = inp@M
  if bias is not None:
    res = res+bias
  return res

def rnn_output(h_t, params):
  """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
  return lin(h_t, params["W_hy"], params["b_y"])
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
  """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
  counts = {"W_xh": n_inputs*n_hidden, "W_hh": n_hidden*n_hidden, "b_h": n_hidden,
            "W_hy": n_hidden*n_outputs, "b_y": n_outputs}
  s = 0
  for key, c in counts.items():
    s += c   # add them up
  return int(s)
''',
    """a1_by_hand = np.array([1.0, -0.25])
h1_by_hand = np.array([0.762, -0.245])
a2_by_hand = np.array([1.134, 0.631])
h2_by_hand = np.array([0.812, 0.559])
""",
]

# Bob: vectorised with @, if/else, np.where for relu, the count in one factored formula.
BOB = [
    '''def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    a_t = x_t @ W_xh + h_prev @ W_hh + b_h
    if activation == "relu":
        h_t = np.where(a_t > 0, a_t, 0)
    elif activation == "tanh":
        h_t = np.tanh(a_t)
    else:
        raise ValueError(f"unsupported activation {activation}")
    return h_t.astype(a_t.dtype)
''',
    '''def rnn_output(h_t, params):
    """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
    y_t = h_t @ params["W_hy"]
    y_t = y_t + params["b_y"]
    return y_t
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
    """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
    return (n_inputs + n_hidden + 1) * n_hidden + (n_hidden + 1) * n_outputs
''',
    """a1_by_hand = np.array([1.0, -0.25])
h1_by_hand = np.array([0.762, -0.245])
a2_by_hand = np.array([1.134, 0.631])
h2_by_hand = np.array([0.812, 0.559])
""",
]

# Carol: explicit loops over the batch and the hidden units, a function per activation.
CAROL = [
    '''def relu(a):
    out = a.copy()
    out[out < 0] = 0
    return out


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
    if activation not in ("tanh", "relu"):
        raise ValueError("activation must be tanh or relu")
    B, D = x_t.shape
    H = h_prev.shape[1]
    a = np.zeros((B, H), dtype=np.result_type(x_t, h_prev))
    for i in range(B):
        for j in range(H):
            total = params["b_h"][j]
            for k in range(D):
                total += x_t[i, k] * params["W_xh"][k, j]
            for k in range(H):
                total += h_prev[i, k] * params["W_hh"][k, j]
            a[i, j] = total
    if activation == "tanh":
        return np.tanh(a)
    return relu(a)
''',
    '''def rnn_output(h_t, params):
    """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
    W, b = params["W_hy"], params["b_y"]
    rows = []
    for row in h_t:
        rows.append(row.dot(W) + b)
    return np.array(rows, dtype=h_t.dtype).reshape(h_t.shape[0], W.shape[1])
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
    """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
    weights = n_inputs * n_hidden + n_hidden**2 + n_hidden * n_outputs
    biases = n_hidden + n_outputs
    return weights + biases
''',
    """a1_by_hand = np.array([1, -0.25])
h1_by_hand = np.array([0.7616, -0.2449])
a2_by_hand = np.array([1.1841, 0.6308])
h2_by_hand = np.array([0.8285, 0.5587])
""",
]

# Dan: einsum, a table of activations, the count from the shapes of the parameters.
DAN = [
    '''ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
    try:
        f = ACTIVATIONS[activation]
    except KeyError:
        raise ValueError(f"activation={activation!r} is not one of {sorted(ACTIVATIONS)}")
    a = np.einsum("bd,dh->bh", x_t, params["W_xh"]) + np.einsum("bk,kh->bh", h_prev, params["W_hh"])
    return f(a + params["b_h"])
''',
    '''def rnn_output(h_t, params):
    """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
    return np.einsum("bh,ho->bo", h_t, params["W_hy"]) + params["b_y"]
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
    """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
    shapes = [(n_inputs, n_hidden), (n_hidden, n_hidden), (n_hidden,), (n_hidden, n_outputs), (n_outputs,)]
    return int(sum(np.prod(s) for s in shapes))
''',
    """a1_by_hand = np.array([1.0, -0.25])
h1_by_hand = np.tanh(a1_by_hand).round(3)  # tanh(1) = 0.762 from the calculator
a2_by_hand = np.array([1.134, 0.631])
h2_by_hand = np.array([0.812, 0.559])
""",
]

# Erin: np.dot and one helper for both layers, the activation checked first.
ERIN = [
    '''def linear(x, W, b):
    return np.dot(x, W) + b


def rnn_cell_forward(x_t, h_prev, params, activation="tanh"):
    """One step: h_t = f(x_t W_xh + h_prev W_hh + b_h); returns h_t of shape (B, H)."""
    if activation != "tanh" and activation != "relu":
        raise ValueError("activation should be 'tanh' or 'relu'")
    a = linear(np.concatenate([x_t, h_prev], axis=1), np.vstack([params["W_xh"], params["W_hh"]]), params["b_h"])
    return np.tanh(a) if activation == "tanh" else a * (a > 0)
''',
    '''def rnn_output(h_t, params):
    """The output layer: y_t = h_t W_hy + b_y; returns y_t of shape (B, O)."""
    return linear(h_t, params["W_hy"], params["b_y"])
''',
    '''def rnn_param_count(n_inputs, n_hidden, n_outputs):
    """Number of entries in W_xh, W_hh, b_h, W_hy and b_y."""
    D, H, O = n_inputs, n_hidden, n_outputs
    return H * (D + H + 1) + O * (H + 1)
''',
    """a1_by_hand = np.array([1.0, -0.25])
h1_by_hand = np.array([0.762, -0.245])
a2_by_hand = np.array([1.134, 0.631])
h2_by_hand = np.array([0.812, 0.559])
""",
]

INDEPENDENT = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dan": DAN, "erin": ERIN}


def blank_but_comment(cells):
    """The release cells with the ``# YOUR CODE HERE`` line deleted, and nothing written."""
    return [
        c.replace("    # YOUR CODE HERE\n", "").replace("# YOUR CODE HERE\n", "") for c in cells
    ]


def test_renamed_reworded_reordered_copy_is_the_top_pair():
    codes = {**INDEPENDENT, "mallory": MALLORY}

    pairs = similarity.find_pairs(codes, boilerplate=RELEASE)

    assert pairs, "the planted copy was not found"
    assert (pairs[0].a, pairs[0].b) == ("alice", "mallory")
    assert pairs[0].score >= 0.8


def test_reordered_and_moved_helpers_keep_every_fingerprint():
    helpers, forward = ALICE[0].split("\n\n\ndef rnn_cell_forward")
    affine, activate = helpers.split("\n\n\n")
    moved = [f"def rnn_cell_forward{forward}\n\n{activate}", f"{ALICE[1]}\n{affine}", *ALICE[2:]]

    pairs = similarity.find_pairs({"alice": ALICE, "moved": moved}, boilerplate=RELEASE)

    assert [(p.a, p.b, p.score) for p in pairs] == [("alice", "moved", 1.0)]


def test_answers_that_do_not_parse_are_still_compared():
    broken = [cell + "x = (\n" for cell in MALLORY]

    pairs = similarity.find_pairs({"alice": ALICE, "broken": broken}, boilerplate=RELEASE)

    assert [(p.a, p.b) for p in pairs] == [("alice", "broken")]


def test_independent_solutions_in_different_styles_are_not_flagged():
    pairs = similarity.find_pairs(INDEPENDENT, boilerplate=RELEASE)

    assert pairs == []


def test_blank_submissions_are_not_flagged():
    codes = {
        "frank": list(RELEASE),
        "grace": list(RELEASE),
        "heidi": blank_but_comment(RELEASE),
        "ivan": RELEASE[:2] + [BOB[2]] + RELEASE[3:],  # one line of their own
        "judy": RELEASE[:2] + [BOB[2]] + RELEASE[3:],
    }

    pairs = similarity.find_pairs(codes, boilerplate=RELEASE)

    assert pairs == []


# A release cell with starter code (as later exercises have): the loop over time is given.
STARTER = '''def rnn_forward(xs, h0, params):
    """Run the cell over time: xs (T, B, D) and h0 (B, H) give hs (T, B, H)."""
    if xs.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"xs must be (T, B, D) and h0 (B, H), got {xs.shape} and {h0.shape}")
    T, B, _ = xs.shape
    H = h0.shape[1]
    hs = np.zeros((T, B, H), dtype=xs.dtype)
    h = h0
    for t in range(T):
        # YOUR CODE HERE
        raise NotImplementedError()
    return hs
'''
FILLED_IN = {
    "kim": STARTER.replace(
        "raise NotImplementedError()", "h = rnn_cell_forward(xs[t], h, params)\n        hs[t] = h"
    ),
    "lee": STARTER.replace(
        "raise NotImplementedError()",
        'hs[t] = h = np.tanh(xs[t] @ params["W_xh"] + h @ params["W_hh"] + params["b_h"])',
    ),
}


def test_starter_code_of_the_release_is_not_evidence():
    codes = {student: [cell] for student, cell in FILLED_IN.items()}

    pairs = similarity.find_pairs(codes, boilerplate=[STARTER])

    assert pairs == []


def test_starter_code_alone_would_make_a_pair():
    codes = {student: [cell] for student, cell in FILLED_IN.items()}

    pairs = similarity.find_pairs(codes)

    assert [(p.a, p.b) for p in pairs] == [("kim", "lee")]


def test_the_reference_solution_given_as_boilerplate_is_not_evidence():
    codes = {"mia": list(REFERENCE), "noah": list(REFERENCE)}

    pairs = similarity.find_pairs(codes, boilerplate=RELEASE + REFERENCE)

    assert pairs == []


def test_code_a_large_share_of_the_class_writes_alike_is_not_evidence():
    n = similarity.MIN_COMMON + 1
    codes = {f"student{i:02}": list(REFERENCE) for i in range(n)}

    pairs = similarity.find_pairs(codes, boilerplate=RELEASE)

    assert pairs == []


def test_the_listing_and_the_csv_hold_the_score(tmp_path):
    pairs = similarity.find_pairs({**INDEPENDENT, "mallory": MALLORY}, boilerplate=RELEASE)
    path = tmp_path / "similarity.csv"

    similarity.write_csv(path, pairs)

    rows = list(csv.DictReader(path.open(newline="")))
    assert [(r["student_a"], r["student_b"]) for r in rows] == [(p.a, p.b) for p in pairs]
    assert rows[0]["score"] == f"{pairs[0].score:.3f}"
    assert int(rows[0]["shared_fingerprints"]) == pairs[0].shared > 0


def test_answer_code_is_the_students_answer_and_added_code_cells():
    cells = [
        CellResult("setup", "code", LOCKED, "instructor", "import numpy as np"),
        CellResult("rnn_output", "code", ANSWER, "student", "written"),
        CellResult("rnn_param_count", "code", ANSWER, "blank", "the release's cell"),
        CellResult("test_rnn_output", "code", TEST, "instructor", "check(...)"),
        CellResult("extra-1", "code", "extra", "extra", "a helper"),
        CellResult("extra-2", "markdown", "extra", "extra", "a note"),
    ]
    result = StudentResult("alice", notebooks={"01_rnn_cell": NotebookResult(cells=cells)})

    code = similarity.answer_code(result)

    assert code == ["written", "a helper"]

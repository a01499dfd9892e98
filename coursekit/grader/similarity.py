"""Pairs of submissions whose answer code is near-identical, for the instructor to look at.

The method is MOSS's: token k-grams, winnowed (Schleimer, Wilkerson and Aiken, "Winnowing:
local algorithms for document fingerprinting", SIGMOD 2003,
https://theory.stanford.edu/~aiken/publications/papers/sigmod03.pdf).

1. **Units.** An answer cell, after :func:`.source.plain_python`, is cut into its top-level
   functions and classes (decorators included) and the runs of other statements between
   them, each a unit of its own (a cell that does not parse is one unit). No k-gram spans
   two units, so reordering helpers, or moving them to another cell, keeps every
   fingerprint.
2. **Given code.** A line that is a line of ``boilerplate`` (compared without any
   whitespace: the release's answer cells, so the signatures, docstrings and ``raise
   NotImplementedError()`` that a blank answer keeps) is dropped from the unit.
3. **Tokens.** The rest is read with :mod:`tokenize`. Comments, blank lines, indentation
   and docstrings (a string that is a statement of its own) are dropped; a line end and
   ``;`` are one token; a comma before a closing bracket is dropped. Every name becomes
   ``V`` except keywords, builtins, the usual module names (:data:`MODULES`) and attribute
   names after a dot, so renaming variables, parameters and helpers changes nothing, while
   ``np.tanh`` stays apart from ``np.maximum``. Strings become ``S`` (messages are reworded
   freely); numbers keep their value (``1.0`` and ``1.00`` are one token), so values
   computed by hand and rounded differently stay different.
4. **Fingerprints.** Each k-gram of :data:`K` tokens is hashed (64-bit BLAKE2b, the same in
   every run) and the smallest hash of every window of :data:`WINDOW` consecutive k-grams
   is kept. Any run of at least K + WINDOW - 1 = 14 common tokens is then certain to share
   a fingerprint, and no run shorter than K can. A unit shorter than K tokens has none. A
   student's fingerprints are the set over all their units.
5. **Common code.** Fingerprints held by more than ``max(MIN_COMMON, COMMON_SHARE * n)`` of
   the n submissions are dropped (MOSS's ``-m``: code most of a class writes alike). A
   submission left with fewer than ``min_fingerprints`` (default :data:`MIN_FINGERPRINTS`,
   about 30 tokens of its own) is too small to judge and is skipped.
6. **Score.** The Jaccard index of two students' remaining sets, ``|A & B| / |A | B|``:
   about 1 for copies; a copy of part of the work scores about the part's share of both
   together. Pairs scoring at least ``threshold`` (default :data:`THRESHOLD`) are listed.
   The counts come from an inverted index (fingerprint -> students), so only pairs that
   share a fingerprint are ever looked at, not all n(n - 1)/2.

A listed pair is a lead for the instructor, never proof; similarity changes no grade.
"""

import ast
import builtins
import csv
import hashlib
import io
import keyword
import math
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from . import source
from .assignment import ANSWER

__all__ = ["Pair", "answer_code", "find_pairs", "write_csv"]

K = 10  # tokens per k-gram
WINDOW = 5  # k-gram hashes per winnowing window
THRESHOLD = 0.5  # the Jaccard index from which a pair is listed
MIN_FINGERPRINTS = 8  # fewer of a student's own: too little code to judge
MIN_COMMON, COMMON_SHARE = 10, 0.02  # held by more submissions than this: common code
MODULES = frozenset({"np", "numpy", "math", "random", "itertools", "functools", "operator"})

_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | MODULES
_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}
_END = ";"  # the token for the end of a statement
_CLOSING = {")", "]", "}"}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Pair:
    """Two students whose answer code is near-identical.

    ``score`` is the Jaccard index of their fingerprint sets and ``shared`` the number of
    fingerprints they have in common.
    """

    a: str
    b: str
    score: float
    shared: int


def answer_code(result):
    """The code a student wrote: their answer cells and added code cells, every notebook.

    Parameters
    ----------
    result : StudentResult
        The student's result, with the cells of each notebook as they ran.

    Returns
    -------
    list of str
        One source per cell, notebook by notebook in order; answers left blank (the
        release's cell, put back by the rebuild) are not included.
    """
    return [
        cell.source
        for nb in result.notebooks.values()
        for cell in nb.cells
        if cell.cell_type == "code"
        and ((cell.role == ANSWER and cell.origin == "student") or cell.origin == "extra")
    ]


def _units(cell):
    """The cell's top-level functions and classes, and the runs of statements between them.

    Each unit is source text, whole lines of the cell (after :func:`.source.plain_python`).
    """
    code = source.plain_python(cell)
    try:
        body = source.parse(code).body
    except (SyntaxError, ValueError):
        return [code]
    lines = code.splitlines(keepends=True)
    units, run, done = [], [], 0  # done: the lines already in a unit
    for stmt in body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        text = "".join(lines[max(first - 1, done) : stmt.end_lineno])
        done = stmt.end_lineno
        if isinstance(stmt, _DEFINITIONS):
            units += ["".join(run), text] if run else [text]
            run = []
        else:
            run.append(text)
    return units + ["".join(run)] if run else units


def _tokens(unit):
    """The unit's tokens as compared (the module docstring, step 3)."""
    raw = []
    try:
        raw.extend(tokenize.generate_tokens(io.StringIO(unit).readline))
    except (tokenize.TokenError, SyntaxError):
        pass  # code that does not tokenize: its tokens up to the error
    raw = [t for t in raw if t.type not in _SKIPPED]
    out = []
    for i, tok in enumerate(raw):
        if tok.type == tokenize.NEWLINE or tok.string == _END:
            if out and out[-1] != _END:
                out.append(_END)
        elif tok.type == tokenize.STRING:
            if not _is_docstring(raw, i, out):
                out.append("S")
        elif tok.type == tokenize.NUMBER:
            out.append(_number(tok.string))
        elif tok.type == tokenize.NAME:
            kept = tok.string in _KEPT_NAMES or (out and out[-1] == ".")
            out.append(tok.string if kept else "V")
        else:
            if tok.string in _CLOSING and out and out[-1] == ",":
                out.pop()
            out.append(tok.string)
    return out


def _is_docstring(raw, i, out):
    """Whether string token ``raw[i]`` is a statement of its own (a docstring, or a no-op)."""
    at_start = not out or out[-1] in (_END, ":")
    after = raw[i + 1] if i + 1 < len(raw) else None
    return at_start and (after is None or after.type == tokenize.NEWLINE or after.string == _END)


def _number(text):
    """A number literal by its value: ``1.0``, ``1.00`` and ``1_0e-1`` are one token."""
    for kind in (lambda t: int(t, 0), float, complex):
        try:
            return repr(kind(text))
        except ValueError:
            continue
    return text


def _kgram_hashes(tokens):
    """The 64-bit hash of every run of :data:`K` consecutive tokens."""
    return [
        int.from_bytes(
            hashlib.blake2b("\x1f".join(tokens[i : i + K]).encode(), digest_size=8).digest()
        )
        for i in range(len(tokens) - K + 1)
    ]


def _bare(line):
    """``line`` without any whitespace, as lines of boilerplate are compared."""
    return "".join(line.split())


def _fingerprints(cells, given):
    """The winnowed k-gram hashes of ``cells`` without the ``given`` lines (bare, steps 1-4)."""
    found = set()
    for cell in cells:
        for unit in _units(cell):
            lines = unit.splitlines(keepends=True)
            own = "".join(line for line in lines if _bare(line) not in given)
            hashes = _kgram_hashes(_tokens(own))
            last = max(len(hashes) - WINDOW, 0) if hashes else -1
            found.update(min(hashes[i : i + WINDOW]) for i in range(last + 1))
    return found


def find_pairs(codes, boilerplate=(), threshold=THRESHOLD, min_fingerprints=MIN_FINGERPRINTS):
    """The pairs of students whose answer code is near-identical (the module docstring).

    Parameters
    ----------
    codes : dict of str to list of str
        Each student's code, one source per cell (:func:`answer_code`).
    boilerplate : sequence of str, optional
        Code anyone may share and that is no evidence: the release's answer cells (and,
        if the canonical answer should not count either, the reference solution's).
    threshold : float, optional
        The lowest Jaccard index listed, in [0, 1].
    min_fingerprints : int, optional
        Students with fewer fingerprints of their own are not compared.

    Returns
    -------
    list of Pair
        Highest score first (then by name); ``a`` sorts before ``b`` in each pair.
    """
    given = {_bare(line) for text in boilerplate for line in text.splitlines()} - {""}
    own = {student: _fingerprints(cells, given) for student, cells in codes.items()}
    holders = Counter(h for found in own.values() for h in found)
    most = max(MIN_COMMON, math.floor(COMMON_SHARE * len(codes)))
    own = {s: {h for h in found if holders[h] <= most} for s, found in own.items()}
    index = defaultdict(list)  # fingerprint -> the students who have it, in order
    for student in sorted(s for s, found in own.items() if len(found) >= min_fingerprints):
        for h in own[student]:
            index[h].append(student)
    shared = Counter(pair for students in index.values() for pair in combinations(students, 2))
    pairs = []
    for (a, b), n in shared.items():
        score = n / (len(own[a]) + len(own[b]) - n)
        if score >= threshold:
            pairs.append(Pair(a, b, score, n))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def write_csv(path, pairs):
    """Write ``pairs`` to ``path`` as CSV: student_a, student_b, score (3 decimals), shared.

    Parameters
    ----------
    path : str or Path
        The file to write (replaced if it exists).
    pairs : list of Pair
        As :func:`find_pairs` returns them.
    """
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student_a", "student_b", "score", "shared_fingerprints"])
        out.writerows([p.a, p.b, f"{p.score:.3f}", p.shared] for p in pairs)

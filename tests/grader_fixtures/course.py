"""A tiny nbgrader course for the grader's tests, and students' notebooks made from it.

The assignment ``toy`` has three answer cells (``affine``, ``count_params``, ``tanh_half``),
five autograded test cells (10 points; the tests follow the rules for test cells on the
book's page for instructors: inputs from a local rng, expected values inline in the check
call, the reference passed lazily) and one written answer graded by hand.
``make_course(root)`` writes the course; ``notebook(answers)`` builds a student's notebook
with the given answer code, as a dict, so a test can tamper with it before writing it.
"""

import copy
import json
from pathlib import Path

SETUP = """import numpy as np

from coursekit.checks import call, check_array, check_float, check_int
"""

AFFINE = '''def affine(x, W, b):
    """y = x W + b for x (B, D), W (D, O), b (O,)."""
    ### BEGIN SOLUTION
    return x @ W + b
    ### END SOLUTION
'''

TEST_AFFINE = """from coursekit import heads as _heads

_rng = np.random.default_rng(0)
_x, _W, _b = _rng.normal(size=(2, 3)), _rng.normal(size=(3, 4)), _rng.normal(size=4)
check_array(
    "affine(x, W, b)",
    call(affine, _x, _W, _b),
    lambda: _heads.dense_forward(_x, {"W_hy": _W, "b_y": _b})[0],
    rtol=1e-6,
    atol=1e-9,
    mistakes={"forgot the bias": lambda: _x @ _W},
)
print("affine: correct")
"""

TEST_AFFINE_HIDDEN = """# Hidden tests: other shapes, float32.
### BEGIN HIDDEN TESTS
def _reference(x, W, b):
    \"\"\"A helper of the hidden tests that computes the right answer.\"\"\"
    return x @ W + b


for _B, _D, _O, _seed in [(1, 1, 1, 1), (4, 5, 3, 2)]:
    _rng = np.random.default_rng(_seed)
    _x, _W, _b = _rng.normal(size=(_B, _D)), _rng.normal(size=(_D, _O)), _rng.normal(size=_O)
    check_array(
        f"affine on ({_B}, {_D})",
        call(affine, _x, _W, _b),
        lambda: _reference(_x, _W, _b),
        rtol=1e-6,
        atol=1e-9,
    )
_x32 = np.ones((2, 2), dtype=np.float32)
check_array(
    "affine keeps float32",
    call(affine, _x32, np.eye(2, dtype=np.float32), np.zeros(2, dtype=np.float32)),
    lambda: _x32.copy(),
    rtol=1e-6,
    atol=1e-6,
)
### END HIDDEN TESTS
"""

COUNT = '''def count_params(n_inputs, n_outputs):
    """Entries of W (D, O) and b (O,)."""
    ### BEGIN SOLUTION
    return n_inputs * n_outputs + n_outputs
    ### END SOLUTION
'''

TEST_COUNT = """check_int("count_params(3, 4)", call(count_params, 3, 4), 16, mistakes={"forgot the bias": 12})
"""

TEST_COUNT_HIDDEN = """### BEGIN HIDDEN TESTS
for _D, _O in [(1, 1), (7, 2)]:
    check_int(f"count_params({_D}, {_O})", call(count_params, _D, _O), lambda: _D * _O + _O)
### END HIDDEN TESTS
"""

TANH = """### BEGIN SOLUTION
tanh_half = float(np.tanh(0.5))
### END SOLUTION
"""

TEST_TANH = """check_float("tanh_half", tanh_half, lambda: float(np.tanh(0.5)), rtol=1e-3, atol=1e-4)
"""

WRITTEN = "The bias shifts every output by the same amount."

SOLUTIONS = {"affine": AFFINE, "count_params": COUNT, "tanh_half": TANH}
POINTS = {
    "test_affine": 2,
    "test_affine_hidden": 3,
    "test_count": 1,
    "test_count_hidden": 2,
    "test_tanh": 2,
}
MAX_SCORE = sum(POINTS.values())


def _meta(grade_id, solution=False, grade=False, points=None, locked=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": (not solution) if locked is None else locked,
        "schema_version": 3,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind, grade_id, source, **meta):
    cell = {
        "cell_type": kind,
        "id": grade_id,
        "metadata": _meta(grade_id, **meta),
        "source": source,
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def source_notebook():
    cells = [
        _cell("markdown", "header", "# Toy assignment\n\nAn affine map, a count and a number."),
        _cell("code", "setup", SETUP),
        _cell("markdown", "task_affine", "## Task 1\n\nWrite `affine(x, W, b)`."),
        _cell("code", "affine", AFFINE, solution=True),
        _cell("code", "test_affine", TEST_AFFINE, grade=True, points=POINTS["test_affine"]),
        _cell("code", "test_affine_hidden", TEST_AFFINE_HIDDEN, grade=True, points=3),
        _cell("code", "count_params", COUNT, solution=True),
        _cell("code", "test_count", TEST_COUNT, grade=True, points=1),
        _cell("code", "test_count_hidden", TEST_COUNT_HIDDEN, grade=True, points=2),
        _cell("code", "tanh_half", TANH, solution=True),
        _cell("code", "test_tanh", TEST_TANH, grade=True, points=2),
        _cell("markdown", "written", WRITTEN, solution=True, grade=True, points=2),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _strip_solution(text, stub):
    out, inside = [], False
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in stub]
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out) + "\n"


def release_notebook():
    nb = source_notebook()
    for cell in nb["cells"]:
        meta = cell["metadata"]["nbgrader"]
        if meta["solution"] and cell["cell_type"] == "code":
            cell["source"] = _strip_solution(
                cell["source"], ["# YOUR CODE HERE", "raise NotImplementedError()"]
            )
        elif meta["solution"]:
            cell["source"] = "YOUR ANSWER HERE"
        if "### BEGIN HIDDEN TESTS" in cell["source"]:
            head = cell["source"].split("### BEGIN HIDDEN TESTS")[0]
            cell["source"] = head
    return nb


def make_course(root):
    """Write the course (nbgrader_config.py, solutions/toy, exercises/toy) under root."""
    root = Path(root)
    (root / "solutions" / "toy").mkdir(parents=True, exist_ok=True)
    (root / "exercises" / "toy").mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.source_directory = "solutions"\n'
        'c.CourseDirectory.release_directory = "exercises"\n'
    )
    (root / "solutions" / "toy" / "toy.ipynb").write_text(json.dumps(source_notebook(), indent=1))
    (root / "exercises" / "toy" / "toy.ipynb").write_text(json.dumps(release_notebook(), indent=1))
    return root


def notebook(answers=None, blank=False):
    """A student's notebook: the release notebook with ``answers`` (grade_id -> code).

    Answers not given are the solution's (without the nbgrader markers), or the blank
    stub when ``blank``.
    """
    nb = release_notebook()
    answers = answers or {}
    for cell in nb["cells"]:
        gid = cell["metadata"]["nbgrader"]["grade_id"]
        if gid in answers:
            cell["source"] = answers[gid]
        elif gid in SOLUTIONS and not blank:
            cell["source"] = "\n".join(
                line for line in SOLUTIONS[gid].splitlines() if "###" not in line
            )
        elif gid == "written" and not blank:
            cell["source"] = "Because b is added to every row."
    return copy.deepcopy(nb)


def write(path, nb):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    else:
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb))
    return path


def cell(nb, grade_id):
    return next(
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )

"""The nbgrader course works end to end, checked with the real nbgrader commands.

Everything here is discovered from the repository, so adding an assignment means adding files,
never editing this module:

1. ``solutions/NN_name/NN_name.ipynb``: the instructor's notebook with nbgrader metadata. Per task:
   a markdown cell with the task (given, locked code cells may follow it), a solution cell
   (``### BEGIN SOLUTION`` / ``### END SOLUTION``, at most one function), a graded cell of
   visible tests, a graded cell of hidden tests (``### BEGIN HIDDEN TESTS``). The header cell
   states ``**Total: N points (A autograded, M graded by hand)**``. Written answers are
   markdown cells with grade and solution both true.
2. ``exercises/NN_name/``: regenerate with ``nbgrader generate_assignment NN_name --force`` from
   the repository root and commit the result.
3. ``tests/wrong_answers/NN_name/<mistake>.py``: a wrong implementation. Its first lines are
   comments: ``# grade_id: <solution cell>`` (required; the file's code replaces that cell's
   source) and ``# message: <text>`` (optional; the autograded output of the cells that test that
   cell must contain the text, normally the name of the mistake the check helpers report).
   Every solution cell that defines a function needs at least four (see its README).

The slow tests copy the course to a temporary folder, run ``nbgrader generate_assignment`` for
all assignments once, then ``nbgrader autograde`` once per assignment on several "students":
``solution`` (the solution notebook), ``blank`` (the release, unanswered) and ``wrongNN`` (the
solution notebook with one or more wrong answers substituted). Which graded cells depend on
which solution cells is read from the names the cells define and use; two wrong answers share
a notebook only when neither can change the score of a cell that tests the other, which keeps
the number of kernels small. A test checks that every cell no wrong answer can reach still
earns full marks, so a missed dependency shows up as a failure. Scores come from nbgrader's
gradebook (nbgrader.api.Gradebook) and messages from the autograded notebooks.
"""

import ast
import csv
import filecmp
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
WRONG_ANSWERS = Path(__file__).resolve().parent / "wrong_answers"

ASSIGNMENTS = sorted(
    p.name for p in SOLUTIONS.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists()
)
HEADER_TOTAL = re.compile(r"\*\*Total: (\d+) points \((\d+) autograded, (\d+) graded by hand\)\*\*")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------- the notebooks


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def is_solution_code(cell):
    m = _nbgrader(cell)
    return cell.cell_type == "code" and m.get("solution", False) and not m.get("grade", False)


def is_test(cell):
    m = _nbgrader(cell)
    return cell.cell_type == "code" and m.get("grade", False) and not m.get("solution", False)


def is_manual(cell):
    m = _nbgrader(cell)
    return cell.cell_type == "markdown" and m.get("grade", False) and m.get("solution", False)


@cache
def source_notebook(assignment):
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)


def defined_names(source):
    """Top-level names a cell defines: functions, classes and assigned variables."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def used_names(source):
    """Names a cell reads without binding them itself: what it needs from earlier cells.

    Approximate on purpose (scopes are flattened): a name bound anywhere in the cell, as a
    variable, loop target, argument or function, counts as the cell's own.
    """
    tree = ast.parse(source)
    loads, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return loads - bound


@dataclass(frozen=True)
class Structure:
    """Which graded cells depend on which solution cells, for one assignment."""

    solutions: dict  # solution grade_id -> names it defines
    tests: dict  # test grade_id -> points
    direct: dict  # solution grade_id -> test grade_ids that use its names
    reach: dict  # solution grade_id -> test grade_ids that depend on it, also through others


@cache
def structure(assignment):
    cells = source_notebook(assignment).cells
    solutions = {
        _nbgrader(c)["grade_id"]: defined_names(c.source) for c in cells if is_solution_code(c)
    }
    sol_uses = {
        _nbgrader(c)["grade_id"]: used_names(c.source) for c in cells if is_solution_code(c)
    }
    test_uses = {_nbgrader(c)["grade_id"]: used_names(c.source) for c in cells if is_test(c)}
    tests = {_nbgrader(c)["grade_id"]: _nbgrader(c)["points"] for c in cells if is_test(c)}
    direct = {
        s: {t for t, uses in test_uses.items() if uses & names} for s, names in solutions.items()
    }
    reach = {}
    for s in solutions:
        closure, frontier = {s}, [s]
        while frontier:
            names = solutions[frontier.pop()]
            for other, uses in sol_uses.items():
                if other not in closure and uses & names:
                    closure.add(other)
                    frontier.append(other)
        reach[s] = set().union(*(direct[c] for c in closure))
    return Structure(solutions, tests, direct, reach)


# --------------------------------------------------------------------------- wrong answers


@dataclass(frozen=True)
class WrongAnswer:
    assignment: str
    name: str
    grade_id: str
    message: str | None
    code: str

    @property
    def id(self):
        return f"{self.assignment}/{self.name}"


def read_wrong_answer(path):
    header = {}
    for line in path.read_text().splitlines():
        m = re.match(r"#\s*(grade_id|message):\s*(.+?)\s*$", line)
        if m:
            header[m.group(1)] = m.group(2)
        elif not line.startswith("#"):
            break
    assert "grade_id" in header, f"{path} has no '# grade_id: ...' line at the top"
    return WrongAnswer(
        path.parent.name, path.stem, header["grade_id"], header.get("message"), path.read_text()
    )


def wrong_answers(assignment):
    folder = WRONG_ANSWERS / assignment
    return [read_wrong_answer(p) for p in sorted(folder.glob("*.py"))] if folder.exists() else []


ALL_WRONG = [w for a in ASSIGNMENTS for w in wrong_answers(a)]


def pack(assignment):
    """Group wrong answers into student notebooks.

    Two wrong answers may share a notebook when neither can change the score of a cell that
    tests the other's function: then every loss of points and every message in those cells is
    caused by the wrong answer they test.
    """
    s = structure(assignment)
    wrongs = wrong_answers(assignment)
    size = {g: sum(w.grade_id == g for w in wrongs) for g in s.solutions}
    packs = []  # each: list of WrongAnswer; the largest groups are placed first
    for wrong in sorted(wrongs, key=lambda w: (-size[w.grade_id], w.grade_id, w.name)):
        for group in packs:
            if all(
                w.grade_id != wrong.grade_id
                and not s.direct[w.grade_id] & s.reach[wrong.grade_id]
                and not s.direct[wrong.grade_id] & s.reach[w.grade_id]
                for w in group
            ):
                group.append(wrong)
                break
        else:
            packs.append([wrong])
    return {f"wrong{i:02d}": group for i, group in enumerate(packs, 1)}


# --------------------------------------------------------------------------- running nbgrader


def run(args, cwd):
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stderr[-6000:]}"
    return result


def nbgrader(*args, cwd):
    return run([sys.executable, "-m", "nbgrader", *args], cwd)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A temporary copy of the course with the release generated by nbgrader."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(SOLUTIONS, root / "solutions", ignore=shutil.ignore_patterns(".ipynb_*"))
    nbgrader("generate_assignment", "*", "--force", cwd=root)
    return root


@dataclass
class Graded:
    scores: dict  # student -> {test grade_id: (auto_score, max_score)}
    outputs: dict  # student -> {grade_id: text of the cell's outputs}
    packs: dict  # student -> [WrongAnswer]


def _outputs_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts += [out.ename, out.evalue, *out.traceback]
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return ANSI.sub("", "\n".join(parts))


def _submit(root, student, assignment, nb):
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


_graded_cache = {}


def graded(course, assignment):
    """Autograde all students of one assignment in one nbgrader run (cached per module)."""
    if assignment in _graded_cache:
        return _graded_cache[assignment]
    from nbgrader.api import Gradebook

    source = source_notebook(assignment)
    _submit(course, "solution", assignment, source)
    blank = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", 4)
    _submit(course, "blank", assignment, blank)
    packs = pack(assignment)
    for student, group in packs.items():
        nb = nbformat.from_dict(source)
        replace = {w.grade_id: w.code for w in group}
        for cell in nb.cells:
            gid = _nbgrader(cell).get("grade_id")
            if gid in replace:
                cell.source = replace[gid]
        _submit(course, student, assignment, nb)
    nbgrader("autograde", assignment, "--force", cwd=course)

    scores, outputs = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ["solution", "blank", *packs]:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            scores[student] = {
                g.name: (g.auto_score, g.max_score) for g in sub.grades if g.cell_type == "code"
            }
            nb = nbformat.read(
                course / "autograded" / student / assignment / f"{assignment}.ipynb", 4
            )
            outputs[student] = {_nbgrader(c).get("grade_id"): _outputs_text(c) for c in nb.cells}
    _graded_cache[assignment] = Graded(scores, outputs, packs)
    return _graded_cache[assignment]


def student_of(result, wrong):
    return next(s for s, group in result.packs.items() if wrong in group)


# --------------------------------------------------------------------------- fast checks


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_header_states_the_points_that_the_cells_carry(assignment):
    cells = source_notebook(assignment).cells
    m = HEADER_TOTAL.search(cells[0].source)
    assert m, f"{assignment}: the first cell must state '**Total: N points (A autograded, M ...)**'"
    auto = sum(_nbgrader(c)["points"] for c in cells if is_test(c))
    manual = sum(_nbgrader(c)["points"] for c in cells if is_manual(c))
    assert tuple(map(int, m.groups())) == (auto + manual, auto, manual)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_metadata_is_complete_and_ids_are_unique(assignment):
    nb = source_notebook(assignment)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [_nbgrader(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique nbgrader grade_id"
    for cell in nb.cells:
        m = _nbgrader(cell)
        assert m["schema_version"] == 3
        if m.get("grade"):
            assert m["points"] > 0, m["grade_id"]
        if not m.get("solution"):
            assert m.get("locked"), f"{m['grade_id']}: instructions and tests are read-only"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_task_reads_text_solution_visible_tests_hidden_tests(assignment):
    cells = source_notebook(assignment).cells
    for i, cell in enumerate(cells):
        if not is_solution_code(cell):
            continue
        gid = _nbgrader(cell)["grade_id"]
        before = i - 1
        while cells[before].cell_type == "code" and not _nbgrader(cells[before]).get("grade"):
            before -= 1  # given code (data, helpers) may sit between the task text and the solution
        visible, hidden = cells[i + 1], cells[i + 2]
        assert cells[before].cell_type == "markdown", f"{gid}: the task text comes before it"
        assert is_test(visible) and "### BEGIN HIDDEN TESTS" not in visible.source, gid
        assert is_test(hidden) and "### BEGIN HIDDEN TESTS" in hidden.source, gid


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_hidden_tests_and_written_answers(assignment):
    cells = source_notebook(assignment).cells
    assert sum("### BEGIN HIDDEN TESTS" in c.source for c in cells if is_test(c)) >= 2
    assert sum(is_manual(c) for c in cells) >= 2


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_cell_tests_some_solution(assignment):
    s = structure(assignment)
    tested = set().union(*s.direct.values())
    assert set(s.tests) <= tested, f"cells that test no solution: {set(s.tests) - tested}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_cells_define_at_most_one_function(assignment):
    for cell in source_notebook(assignment).cells:
        if is_solution_code(cell):
            body = ast.parse(cell.source).body
            assert sum(isinstance(n, ast.FunctionDef) for n in body) <= 1, (
                f"{_nbgrader(cell)['grade_id']}: one function per solution cell, so that a wrong "
                "answer replaces exactly one function"
            )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_and_class_has_four_wrong_answers(assignment):
    cells = source_notebook(assignment).cells
    functions = [
        _nbgrader(c)["grade_id"]
        for c in cells
        if is_solution_code(c)
        and any(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in ast.parse(c.source).body)
    ]
    count = {f: sum(w.grade_id == f for w in wrong_answers(assignment)) for f in functions}
    assert all(n >= 4 for n in count.values()), f"wrong answers per function: {count}"


@pytest.mark.parametrize("wrong", ALL_WRONG, ids=lambda w: w.id)
def test_wrong_answer_replaces_a_solution_cell_and_defines_the_tested_names(wrong):
    s = structure(wrong.assignment)
    assert wrong.grade_id in s.solutions, f"no solution cell {wrong.grade_id!r}"
    assert s.direct[wrong.grade_id], f"no graded cell tests {wrong.grade_id!r}"
    cells = {_nbgrader(c)["grade_id"]: c for c in source_notebook(wrong.assignment).cells}
    tested = s.solutions[wrong.grade_id] & set().union(
        *(used_names(cells[t].source) for t in s.direct[wrong.grade_id])
    )
    assert tested <= defined_names(wrong.code), f"{wrong.id} does not define {tested}"


REFERENCE_MODULES = r"(rnn|lstm|gru|wrappers|heads|gradients|interop|decoding|grader)"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_does_not_point_students_at_the_reference_code(assignment):
    # Data generators, plotting and the check helpers may be imported; the reference maths
    # (the answers) may only appear in hidden tests, which the release does not contain.
    release = (EXERCISES / assignment / f"{assignment}.ipynb").read_text()
    pattern = (
        rf"coursekit\.{REFERENCE_MODULES}\b|from coursekit import [^\n]*\b{REFERENCE_MODULES}\b"
    )
    assert not re.search(pattern, release)


# --------------------------------------------------------------------------- nbgrader runs


@pytest.mark.slow
def test_generated_release_is_byte_identical_to_committed_exercises(course):
    generated, committed = course / "exercises", EXERCISES
    cmp = filecmp.dircmp(generated, committed, ignore=[".ipynb_checkpoints", "__pycache__"])
    differences = []

    def walk(c, prefix=""):
        differences.extend(f"only generated: {prefix}{n}" for n in c.left_only)
        differences.extend(f"only committed: {prefix}{n}" for n in c.right_only)
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        differences.extend(f"differs: {prefix}{n}" for n in mismatch + errors)
        for name, sub in c.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(cmp)
    assert not differences, (
        "exercises/ is out of date; run `nbgrader generate_assignment <assignment> --force` from "
        "the repository root and commit the result:\n" + "\n".join(differences)
    )


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_full_marks_on_every_autograded_cell(course, assignment):
    scores = graded(course, assignment).scores["solution"]
    assert scores and all(got == full for got, full in scores.values()), scores


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_earns_zero_on_every_autograded_cell(course, assignment):
    scores = graded(course, assignment).scores["blank"]
    assert scores and all(got == 0 for got, _ in scores.values()), scores


@pytest.mark.slow
@pytest.mark.parametrize("wrong", ALL_WRONG, ids=lambda w: w.id)
def test_wrong_answer_loses_points_and_the_message_names_the_mistake(course, wrong):
    result = graded(course, wrong.assignment)
    student = student_of(result, wrong)
    cells = structure(wrong.assignment).direct[wrong.grade_id]
    got = sum(result.scores[student][c][0] for c in cells)
    full = sum(result.scores[student][c][1] for c in cells)
    assert got < full, f"{wrong.id} earned full marks ({full}) on {sorted(cells)}"
    if wrong.message:
        text = "\n".join(result.outputs[student][c] for c in cells)
        assert " ".join(wrong.message.split()) in " ".join(text.split()), (
            f"{wrong.id}: no message containing {wrong.message!r} in the output of "
            f"{sorted(cells)}:\n{text[-3000:]}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cells_no_wrong_answer_reaches_keep_full_marks(course, assignment):
    result, s = graded(course, assignment), structure(assignment)
    for student, group in result.packs.items():
        reached = set().union(*(s.reach[w.grade_id] for w in group))
        lost = {
            c: score
            for c, score in result.scores[student].items()
            if c not in reached and score[0] != score[1]
        }
        assert not lost, f"{student} ({[w.name for w in group]}) lost points on {lost}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_is_generated_for_the_solution(course, assignment):
    graded(course, assignment)
    nbgrader("generate_feedback", assignment, "--student", "solution", "--force", cwd=course)
    html = course / "feedback" / "solution" / assignment / f"{assignment}.html"
    assert html.exists() and "Score:" in html.read_text()


@pytest.mark.slow
def test_export_lists_every_assignment_for_every_student(course):
    for assignment in ASSIGNMENTS:
        graded(course, assignment)
    nbgrader("export", "--to", str(course / "grades.csv"), cwd=course)
    with open(course / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    solution = {
        r["assignment"]: float(r["raw_score"]) for r in rows if r["student_id"] == "solution"
    }
    full = {a: float(sum(structure(a).tests.values())) for a in ASSIGNMENTS}
    assert solution == full


@pytest.mark.slow
def test_solution_notebooks_run_clean_under_nbval(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    notebooks = sorted(str(p) for p in (tmp_path / "solutions").glob("*/*.ipynb"))
    run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            *notebooks,
        ],
        cwd=tmp_path,
    )


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_and_the_class_grader_give_the_same_points_cell_by_cell(course, assignment):
    """The notebooks nbgrader graded (solution, blank, every pack of wrong answers), graded
    again by `coursekit grade` in its sandbox: the same points in every test cell."""
    result = graded(course, assignment)
    out = course / "classgrader" / assignment
    run(
        [sys.executable, "-m", "coursekit", "grade", assignment, str(course / "submitted")]
        + ["--out", str(out), "--course", str(ROOT), "--workers", "2", "--quiet"],
        cwd=course,
    )
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    differences = {
        (student, cell): (nbgrader_points, rows[student][cell])
        for student, cells in result.scores.items()
        for cell, (nbgrader_points, _) in cells.items()
        if float(rows[student][cell] or 0) != nbgrader_points
    }
    assert not differences, f"(student, cell): (nbgrader, coursekit grade) {differences}"

"""What a student sees of their grading: coursekit's feedback pages, the autograded
notebooks and the pages nbgrader's ``generate_feedback`` makes of them.

A class of three takes 01_rnn_cell: the solution, the blank release and the solution with
``rnn_output`` replaced by tests/wrong_answers/01_rnn_cell/output_missing_bias.py. It is
graded once with the real command, then nbgrader's generate_feedback runs in the output
folder. Every page and notebook must render the notebook's markdown and maths, show each
test cell as released (hidden ones by name only) with its verdict, points and message, and
hold no hidden test, no hidden input and no hint of a mistake the student did not make.
"""

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.expected import mistakes, rnn_cell
from coursekit.grader import feedback
from coursekit.grader.assignment import HIDDEN, load_assignment

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_rnn_cell"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
WRONG = ROOT / "tests" / "wrong_answers" / ASSIGNMENT / "output_missing_bias.py"
STUDENTS = ("solution", "blank", "wrong")
MISTAKES_MADE = {"solution": set(), "blank": set(), "wrong": {mistakes.Mistake.OUTPUT_MISSING_BIAS}}
HINTS = [*rnn_cell.Mistake, *mistakes.Mistake]  # every hint 01 can show
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

slow = pytest.mark.slow


def wrong_notebook():
    """The solution notebook with the rnn_output cell replaced by the wrong answer's code."""
    notebook = json.loads((ROOT / "solutions" / ASSIGNMENT / NOTEBOOK).read_text())
    code = re.sub(r"\A(?:# (?:grade_id|message):.*\n)+", "", WRONG.read_text())  # its header
    (cell,) = [
        c
        for c in notebook["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_output"
    ]
    cell["source"] = code
    return json.dumps(notebook)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """OUT after `coursekit grade` and nbgrader's generate_feedback for the three students."""
    tmp = tmp_path_factory.mktemp("feedback")
    klass, out = tmp / "class", tmp / "out"
    for student in STUDENTS:
        (klass / student).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK, klass / "solution")
    shutil.copy(ROOT / "exercises" / ASSIGNMENT / NOTEBOOK, klass / "blank")
    (klass / "wrong" / NOTEBOOK).write_text(wrong_notebook())
    grade = [sys.executable, "-m", "coursekit", "grade", ASSIGNMENT, str(klass)]
    grade += ["--out", str(out), "--course", str(ROOT), "--workers", "2", "--quiet"]
    done = subprocess.run(grade, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    bindir = str(ROOT / ".venv" / "bin")
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_feedback", ASSIGNMENT],
        cwd=out,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def ours(out, student):
    return (out / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def nbgraders(out, student):
    return (out / "nbgrader_feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def autograded(out, student):
    return nbformat.read(out / "autograded" / student / ASSIGNMENT / NOTEBOOK, 4)


def page_text(page):
    """What a reader of an HTML page reads: the text without tags, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def notebook_text(nb):
    """Every source and output text of a notebook."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
            parts += output.get("traceback", []) + [output.get("data", {}).get("text/plain", "")]
    return "\n".join(parts)


def everything_shown(out, student):
    """(what, text) for each thing the student may be shown."""
    return [
        ("coursekit's feedback page", page_text(ours(out, student))),
        ("nbgrader's feedback page", page_text(nbgraders(out, student))),
        ("the autograded notebook", notebook_text(autograded(out, student))),
    ]


def hidden_lines():
    """The lines of the hidden test blocks of the source that the release does not have."""
    source = nbformat.read(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK, 4)
    release = (ROOT / "exercises" / ASSIGNMENT / NOTEBOOK).read_text()
    lines = set()
    for cell in source.cells:
        for block in HIDDEN.findall(cell.source):
            lines |= {line.strip() for line in block.splitlines() if line.strip()}
    return sorted(line for line in lines if json.dumps(line)[1:-1] not in release)


def code_blocks(page):
    """The text of every <pre> block of an HTML page."""
    return [
        html.unescape(re.sub(r"<[^>]+>", "", b)) for b in re.findall(r"<pre\b.*?</pre>", page, re.S)
    ]


# --- what is never shown -----------------------------------------------------------------


@slow
@pytest.mark.parametrize("student", STUDENTS)
def test_nothing_shown_holds_hidden_tests_or_hints_of_mistakes_not_made(graded, student):
    secrets = hidden_lines()
    assert any("for _B, _H, _O, _seed, _dtype in" in line for line in secrets)
    hints = [m.value for m in HINTS if m not in MISTAKES_MADE[student]]
    for what, text in everything_shown(graded, student):
        assert "BEGIN HIDDEN TESTS" not in text, what
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{what} of {student} shows hidden test code: {leaked[:3]}"
        shown = [hint for hint in hints if hint in text]
        assert not shown, f"{what} of {student} names mistakes not made: {shown}"


@slow
@pytest.mark.parametrize("student", STUDENTS)
def test_no_code_block_holds_a_run_of_ten_blank_lines(graded, student):
    blocks = code_blocks(ours(graded, student)) + code_blocks(nbgraders(graded, student))
    blocks += [c.source for c in autograded(graded, student).cells if c.cell_type == "code"]
    runs = [b for b in blocks if re.search(r"\n(?:[ \t]*\n){10,}", b)]
    assert not runs, runs[0][:300]


@slow
def test_autograded_notebooks_hold_the_release_of_every_test_cell(graded):
    spec = load_assignment(ROOT, ASSIGNMENT).notebooks[0]
    cells = {
        c.metadata.get("nbgrader", {}).get("grade_id"): c for c in autograded(graded, "wrong").cells
    }
    for test in spec.tests:
        assert cells[test.key].source == test.release, test.key


# --- what is shown -----------------------------------------------------------------------


@slow
@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_page_renders_markdown_and_maths_offline(graded, student):
    page = ours(graded, student)
    assert "<h2>Task 1: one step of the cell, with tanh or ReLU</h2>" in page
    assert "<th>Task</th>" in page  # the header's markdown table
    assert '<span class="math display tex2jax_process">$$a_t = x_t W_{xh}' in page
    (src,) = re.findall(r"<script defer src='([^']+)'>", page)
    assert src == "../../mathjax/tex-svg.js"
    page_dir = graded / "feedback" / student / ASSIGNMENT
    assert (page_dir / src).resolve().is_file(), "MathJax was not copied: run `npm ci` first"
    assert "http://" not in page and "https://" not in page


@slow
def test_copied_mathjax_typesets_every_formula_from_disk(graded):
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium"
    page = graded / "feedback" / "wrong" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000"]
    done = subprocess.run(
        [CHROMIUM, *args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    formulas = page.read_text().count('<span class="math')
    assert formulas > 20
    assert done.stdout.count("<mjx-container") == formulas, done.stderr[-2000:]
    assert 'data-mml-node="merror"' not in done.stdout.replace('g[data-mml-node="merror"]', "")


@slow
def test_wrong_answer_shows_verdict_points_and_the_mistake_it_made(graded):
    page = ours(graded, "wrong")
    hint = mistakes.Mistake.OUTPUT_MISSING_BIAS.value
    assert "Score: <b>14 / 18</b>" in page
    for tag in (
        "test test_rnn_output · 0 / 2 points · failed",
        "hidden test test_rnn_output_hidden · 0 / 2 points · failed",
        "test test_rnn_cell_forward · 3 / 3 points · passed",
    ):
        assert tag in page
    assert page_text(page).count(f"Likely cause: {hint}") == 2
    assert "has the right type, dtype and shape, but" in page
    assert "a hidden test&#x27;s expected value is not shown" in page
    nbgrader_page = page_text(nbgraders(graded, "wrong"))
    assert re.search(r"Score: 14\.0 / \d", nbgrader_page)
    assert nbgrader_page.count(f"Likely cause: {hint}") == 2


@slow
def test_test_cells_show_the_release_and_hidden_ones_no_code(graded):
    spec = load_assignment(ROOT, ASSIGNMENT).notebooks[0]
    page = ours(graded, "wrong")
    blocks = code_blocks(page)
    for test in spec.tests:
        if feedback.is_hidden(test):
            cell = page.split(f"id='{test.key}'>")[1].split("<div class='cell")[0]
            assert "<pre>" not in cell, test.key
            assert test.release.strip() not in page_text(page)
        else:
            assert test.release in blocks, test.key


@slow
def test_solution_shows_full_points(graded):
    assert "Score: <b>18 / 18</b>" in ours(graded, "solution")
    assert "failed" not in page_text(ours(graded, "solution"))
    assert re.search(r"Score: 18\.0 / \d", page_text(nbgraders(graded, "solution")))
    assert "Score: <b>0 / 18</b>" in ours(graded, "blank")


# --- the rules, on their own -------------------------------------------------------------


@pytest.mark.parametrize(
    "message, shown",
    [
        (
            "h has the right type, dtype and shape, but 1 of 4 values is wrong.\n"
            "The largest difference is 0.3 at index (0, 1): expected -0.06, got 0.24.",
            "h has the right type, dtype and shape, but 1 of 4 values is wrong.\n"
            "Your value at index (0, 1) is 0.24 (a hidden test's expected value is not shown).",
        ),
        ("n is 5, expected 7.", "n is 5, not the expected value."),
        (
            "f is NaN (not a number), expected -1.5e-05.",
            "f is NaN (not a number), not the expected value.",
        ),
        ("h has shape (2, 3), expected (3, 2).", "h has shape (2, 3), expected (3, 2)."),
        ("h has dtype float64, expected float32.", "h has dtype float64, expected float32."),
    ],
)
def test_hidden_messages_keep_the_students_value_but_not_the_expected_one(message, shown):
    assert feedback.without_expected_values(message) == shown


def test_markdown_escapes_raw_html_and_keeps_tex_readable():
    out = feedback.markdown_html(
        "## Task\n\n<script>alert(1)</script>\n\nSo $a < b$\n\n$$\nx_t\n$$\n"
    )
    assert "<h2>Task</h2>" in out and "<script>" not in out
    assert '<span class="math tex2jax_process">$a &lt; b$</span>' in out
    assert '<span class="math display tex2jax_process">$$x_t$$</span>' in out

"""``coursekit check``: the student's self-check runs the visible tests and says what passes.

Fast tests on the real exercise 01 (numpy only): blank, solved, with one wrong answer, and
broken in the ways a student's notebook breaks. tests/test_student_install.py runs the
same command in a fresh environment that has only the student install.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[1]
WRONG = ROOT / "tests" / "wrong_answers"


def solution_sources(assignment):
    """{grade_id: source} of the solution cells, the nbgrader markers taken out."""
    notebook = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    sources = {}
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            lines = "".join(cell["source"]).splitlines()
            kept = [line for line in lines if line.strip() not in MARKERS]
            sources[meta["grade_id"]] = "\n".join(kept)
    return sources


MARKERS = {"### BEGIN SOLUTION", "### END SOLUTION"}


def student_notebook(folder, assignment, answers=None):
    """The released notebook with ``answers`` ({grade_id: source}) written in; its path."""
    notebook = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if answers and grade_id in answers:
            cell["source"] = answers[grade_id]
    path = Path(folder) / f"{assignment}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def coursekit_check(path, *options):
    """Run ``coursekit check`` as a student would; return the CompletedProcess."""
    command = [sys.executable, "-m", "coursekit", "check", str(path), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


TASK_LINE = re.compile(
    r"^  (Task \d+:.*?)\s{2,}(passed|failed|not attempted|graded by hand)$", re.M
)


def task_lines(stdout):
    """{task title: outcome} from the output of ``coursekit check``."""
    return dict(TASK_LINE.findall(stdout))


def test_blank_notebook_reports_every_task_not_attempted_and_fails(tmp_path):
    result = coursekit_check(student_notebook(tmp_path, "01_rnn_cell"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert set(task_lines(result.stdout).values()) == {"not attempted"}, result.stdout
    assert "Visible tests: 0 of 8 points passed" in result.stdout
    assert "22 points: 18 autograded" in result.stdout


def test_solved_notebook_passes_every_visible_test(tmp_path):
    path = student_notebook(tmp_path, "01_rnn_cell", solution_sources("01_rnn_cell"))
    result = coursekit_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = task_lines(result.stdout)
    assert outcomes["Task 1: one step of the cell, with tanh or ReLU"] == "passed"
    assert outcomes["Task 5: ReLU or tanh in a recurrent cell"] == "graded by hand"
    assert "Visible tests: 8 of 8 points passed" in result.stdout
    assert "hidden tests hold 10" in result.stdout


def test_a_wrong_answer_fails_its_task_with_the_tests_message(tmp_path):
    answers = solution_sources("01_rnn_cell")
    answers["rnn_cell_forward"] = (WRONG / "01_rnn_cell" / "cell_missing_bias.py").read_text()
    result = coursekit_check(student_notebook(tmp_path, "01_rnn_cell", answers))
    assert result.returncode == 1
    outcomes = task_lines(result.stdout)
    assert outcomes["Task 1: one step of the cell, with tanh or ReLU"] == "failed"
    assert outcomes["Task 2: the output layer"] == "passed"
    assert "missing bias" in result.stdout
    assert "Visible tests: 5 of 8 points passed" in result.stdout


def test_code_that_raises_is_reported_with_its_error(tmp_path):
    answers = solution_sources("01_rnn_cell")
    answers["rnn_output"] = "def rnn_output(h_t, params):\n    return h_t @ params['W_hy'] + b_z\n"
    result = coursekit_check(student_notebook(tmp_path, "01_rnn_cell", answers))
    assert result.returncode == 1
    assert task_lines(result.stdout)["Task 2: the output layer"] == "failed"
    assert "b_z" in result.stdout


def test_a_notebook_that_exits_its_process_is_not_reported_as_passing(tmp_path):
    answers = solution_sources("01_rnn_cell")
    answers["rnn_cell_forward"] = "import sys\nsys.exit(0)\n"
    result = coursekit_check(student_notebook(tmp_path, "01_rnn_cell", answers))
    assert result.returncode == 1
    assert "ended its Python process" in result.stdout
    assert "passed" not in task_lines(result.stdout).values()


def test_what_the_cells_print_is_not_shown(tmp_path):
    answers = solution_sources("01_rnn_cell")
    answers["rnn_param_count"] += "\nprint('NOISE FROM THE STUDENT')\n"
    result = coursekit_check(student_notebook(tmp_path, "01_rnn_cell", answers))
    assert "NOISE FROM THE STUDENT" not in result.stdout + result.stderr


def test_a_file_that_is_not_a_notebook_exits_2_and_says_so(tmp_path):
    path = tmp_path / "notes.ipynb"
    path.write_text("not json")
    result = coursekit_check(path)
    assert result.returncode == 2
    assert "cannot read" in result.stderr


@pytest.mark.parametrize("command", [["check", "--help"], ["grade", "--help"], ["--help"]])
def test_help_is_plain_text_with_no_sphinx_markup(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(command)
    text = capsys.readouterr().out
    assert "coursekit" in text
    assert ":mod:" not in text and ":func:" not in text and "``" not in text, text

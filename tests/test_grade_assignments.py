"""`coursekit grade` on the course's own assignments: the solutions earn full marks in the
sandbox, and the blank release earns nothing, also when its first answer cell rebinds the
check helpers to record the expected values instead of the student's.

test_autograder.py proves the same with stock nbgrader; this proves it for the class grader,
whose sandbox hides the reference implementations and decides scores outside the student's
process, so a test cell that only works with the real coursekit at hand fails here.
"""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grader_fixtures.hostile import RIG_CHECKS

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(
    p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists()
)
AUTOGRADED_TOTAL = re.compile(r"\*\*Total: \d+ points \((\d+) autograded")

pytestmark = pytest.mark.slow


def rigged_blank(release):
    """The blank release whose first answer cell rebinds the check helpers."""
    notebook = json.loads(release.read_text())
    first = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    first["source"] = RIG_CHECKS + "".join(first["source"])
    return json.dumps(notebook)


def stated_autograded_points(assignment):
    text = (ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text()
    return int(AUTOGRADED_TOTAL.search(text).group(1))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_score_full_marks_and_blank_or_rigged_releases_zero(assignment, tmp_path):
    notebook = f"{assignment}.ipynb"
    for student, folder in (("solution", "solutions"), ("blank", "exercises")):
        (tmp_path / "class" / student).mkdir(parents=True)
        shutil.copy(ROOT / folder / assignment / notebook, tmp_path / "class" / student)
    (tmp_path / "class" / "rigged").mkdir()
    rigged = rigged_blank(ROOT / "exercises" / assignment / notebook)
    (tmp_path / "class" / "rigged" / notebook).write_text(rigged)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "coursekit", "grade", assignment, str(tmp_path / "class")]
        + ["--out", str(out), "--course", str(ROOT), "--workers", "2", "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "blank release notebook scores points" not in done.stdout + done.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    full = stated_autograded_points(assignment)
    assert float(rows["solution"]["max_score"]) == full
    assert float(rows["solution"]["total"]) == full, rows["solution"]
    assert rows["blank"]["status"] == "graded" and float(rows["blank"]["total"]) == 0
    assert rows["rigged"]["status"] == "graded" and float(rows["rigged"]["total"]) == 0, rows[
        "rigged"
    ]

"""The class command's LMS import and similarity listing, end to end on the toy assignment.

A Canvas export of four toy submissions (one a renamed copy of another, one from a student
who is not on the roster) is graded with ``--roster`` and a Canvas gradebook export that
also lists a student with no submission. The import file, similarity.csv, the console and
the report must all name what they should, and the copy keeps its grade.
"""

import csv
import subprocess
import sys

import pytest
from grader_fixtures import course

pytestmark = pytest.mark.slow

ALICE = '''def affine(x, W, b):
    """y = x W + b, written out."""
    product = np.matmul(x, W)
    shifted = product + b[np.newaxis, :]
    result = shifted.copy()
    return result
'''
COPY = """def affine(inputs, weights, bias):
    # my own work
    p = np.matmul(inputs, weights)
    s = p + bias[np.newaxis, :]
    r = s.copy()
    return r
"""
ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,toy (777),Current Score
    Points Possible,,,,,10.00,(read only)
"Lovelace, Ada",11,S11,ada,RNN 101,,0
"Núñez, José",12,S12,jose,RNN 101,4.00,0
"Müller, Zoë",13,S13,zoe,RNN 101,,0
"Turing, Alan",14,S14,alan,RNN 101,,0
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("roster")
    course.make_course(root / "course")
    export = root / "export"
    notebooks = {
        "lovelaceada_11_901_toy.ipynb": course.notebook({"affine": ALICE}),
        "nunezjose_12_902_toy.ipynb": course.notebook({"affine": COPY}),
        "mullerzoe_13_903_toy.ipynb": course.notebook(blank=True),
        "strangerdan_99_904_toy.ipynb": course.notebook(),
    }
    for name, nb in notebooks.items():
        course.write(export / name, nb)
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    command = [sys.executable, "-m", "coursekit", "grade", "toy", str(export)]
    command += ["--out", str(root / "out"), "--course", str(root / "course"), "--quiet"]
    command += ["--roster", str(root / "roster.csv"), "--workers", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "out", done


def test_the_canvas_import_holds_every_roster_student_under_the_canvas_column(graded):
    out, _ = graded
    with open(out / "canvas_import.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "toy (777)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "10.00"
    grades = {row[1]: row[5] for row in rows[2:]}
    assert grades == {"11": "10", "12": "10", "13": "0", "14": ""}
    assert [row[0] for row in rows[2:]][1] == "Núñez, José"


def test_the_console_and_report_name_who_is_missing_on_either_side(graded):
    out, done = graded
    report = (out / "report.html").read_text(encoding="utf-8")
    for text in (done.stderr, report):
        assert "Turing, Alan" in text and "strangerdan" in text
    assert "<h2>LMS roster</h2>" in report


def test_the_renamed_copy_is_listed_and_keeps_its_grade(graded):
    out, _ = graded
    with open(out / "similarity.csv", encoding="utf-8", newline="") as f:
        pairs = list(csv.DictReader(f))
    assert [(p["student_a"], p["student_b"]) for p in pairs] == [("lovelaceada", "nunezjose")]
    assert float(pairs[0]["score"]) >= 0.5
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Similar submissions</h2>" in report and "lovelaceada" in report
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        totals = {row["student"]: row["total"] for row in csv.DictReader(f)}
    assert totals["nunezjose"] == totals["lovelaceada"] == "10"


def test_an_unknown_roster_stops_before_grading(tmp_path):
    course.make_course(tmp_path / "course")
    course.write(tmp_path / "export" / "a" / "toy.ipynb", course.notebook())
    (tmp_path / "roster.csv").write_text("Name,Grade\nAda,1\n")
    command = [sys.executable, "-m", "coursekit", "grade", "toy", str(tmp_path / "export")]
    command += ["--out", str(tmp_path / "out"), "--course", str(tmp_path / "course")]
    done = subprocess.run(
        [*command, "--roster", str(tmp_path / "roster.csv")], capture_output=True, text=True
    )
    assert done.returncode == 1 and "--roster" in done.stderr
    assert not (tmp_path / "out" / "results").exists() or not any(
        (tmp_path / "out" / "results").iterdir()
    )

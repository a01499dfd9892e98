"""A whole class through the command line: 60 submissions, resume, --force, Ctrl-C, export.

The class mixes correct (in many styles), partial, blank, broken and hostile notebooks of
the toy assignment (tests/grader_fixtures/). It is graded once with ``python -m coursekit
grade``; the other tests reuse that run.
"""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from grader_fixtures import course, hostile

from coursekit.grader.grade import Grader, Options
from coursekit.grader.sandbox import Limits

pytestmark = pytest.mark.slow

AFFINES = [
    "return x @ W + b",
    "return np.dot(x, W) + b",
    "return np.einsum('bd,do->bo', x, W) + b",
    "return (x @ W) + b[np.newaxis, :]",
    "out = np.matmul(x, W)\n    out += b\n    return out",
]
COUNTS = [
    "return n_inputs * n_outputs + n_outputs",
    "return (n_inputs + 1) * n_outputs",
    "return int(n_outputs * (n_inputs + 1))",
]
TANHS = [
    "tanh_half = float(np.tanh(0.5))",
    "import math\ntanh_half = math.tanh(0.5)",
    "tanh_half = (np.exp(1.0) - 1) / (np.exp(1.0) + 1)",
]


def correct(i):
    return course.notebook(
        {
            "affine": f'def affine(x, W, b):\n    """Student {i}."""\n    {AFFINES[i % len(AFFINES)]}\n',
            "count_params": f"def count_params(n_inputs, n_outputs):\n    {COUNTS[i % len(COUNTS)]}\n",
            "tanh_half": TANHS[i % len(TANHS)] + "\n",
        }
    )


PARTIAL = [
    ({"affine": "def affine(x, W, b):\n    return x @ W\n"}, 5),
    ({"affine": "def affine(x, W, b):\n    return (x @ W + b).astype(np.float64)\n"}, 3),
    (
        {
            "count_params": "def count_params(n_inputs, n_outputs):\n    return n_inputs * n_outputs\n"
        },
        3,
    ),
    (
        {
            "count_params": "def count_params(n_inputs, n_outputs):\n    return float(n_inputs * n_outputs + n_outputs)\n"
        },
        3,
    ),
    ({"tanh_half": "tanh_half = 0.5\n"}, 2),
    ({"tanh_half": "tanh_half = np.array([np.tanh(0.5)])\n"}, 2),
    ({"affine": "def affine(x, W, b):\n    return W @ x + b\n", "tanh_half": "tanh_half = 0\n"}, 7),
]


def build_class(folder):
    """60 submissions; returns {student: expected score or None (not graded)}."""
    expected = {}
    for i in range(20):
        course.write(folder / f"correct_{i:02d}" / "toy.ipynb", correct(i))
        expected[f"correct_{i:02d}"] = course.MAX_SCORE
    for i in range(15):
        answers, lost = PARTIAL[i % len(PARTIAL)]
        course.write(folder / f"partial_{i:02d}" / "toy.ipynb", course.notebook(answers))
        expected[f"partial_{i:02d}"] = course.MAX_SCORE - lost
    for i in range(8):
        nb = (
            course.notebook(blank=True)
            if i < 5
            else course.notebook({"affine": "pass\n"}, blank=True)
        )
        course.write(folder / f"blank_{i}" / "toy.ipynb", nb)
        expected[f"blank_{i}"] = 0
    course.write(folder / "broken_json" / "toy.ipynb", '{"cells": [')
    course.write(folder / "broken_empty" / "toy.ipynb", "")
    course.write(
        folder / "broken_syntax" / "toy.ipynb",
        course.notebook({"affine": "def affine(x, W, b)\n    return 1\n"}),
    )
    course.write(folder / "broken_pdf" / "toy.pdf", "%PDF-1.4")
    course.write(
        folder / "broken_garbage_cells" / "toy.ipynb",
        json.dumps({"cells": [1, "two", None, {"cell_type": 3}]}),
    )
    course.write(
        folder / "broken_other_notebook" / "02_other.ipynb",
        json.dumps({"cells": [], "metadata": {}}),
    )
    course.write(
        folder / "broken_v3" / "toy.ipynb",
        json.dumps({"nbformat": 3, "worksheets": [{"cells": []}], "metadata": {}}),
    )
    expected.update(
        broken_json=None,
        broken_empty=None,
        broken_syntax=course.MAX_SCORE - 5,
        broken_pdf=None,
        broken_garbage_cells=0,
        broken_other_notebook=0,
        broken_v3=0,
    )
    ctx = {"cell_timeout": 2}
    for name, score in [
        ("always_equal", 0),
        ("monkeypatch", 0),
        ("hide_errors", 2),
        ("edit_test", 7),
        ("sys_exit", 5),
        ("infinite_loop", 7),
        ("memory_bomb", 7),
        ("fork_bomb", 7),
        ("claims_success", 2),
        ("imports_reference", None),
    ]:
        if name == "imports_reference":
            ctx.update(repo=Path("/nonexistent"), reference_source=Path("/nonexistent/rnn.py"))
            score = 2
        course.write(folder / f"hostile_{name}" / "toy.ipynb", hostile.CATALOGUE[name](ctx))
        expected[f"hostile_{name}"] = score
    assert len(expected) == 60
    return expected


def grade_command(course_dir, subs, out, *extra):
    return [
        sys.executable,
        "-m",
        "coursekit",
        "grade",
        "toy",
        str(subs),
        "--out",
        str(out),
        "--course",
        str(course_dir),
        "--workers",
        "2",
        "--timeout",
        "2:30",
        "--memory",
        "1024",
        *extra,
    ]


def klass_root(subs):
    return Path(subs).parent


def read_rows(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    course_dir = course.make_course(root / "course")
    subs, out = root / "submissions", root / "out"
    expected = build_class(subs)
    done = subprocess.run(
        grade_command(course_dir, subs, out),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=klass_root(subs),
    )
    return {
        "root": root,
        "course": course_dir,
        "subs": subs,
        "out": out,
        "expected": expected,
        "run": done,
        "csv": (out / "grades.csv").read_bytes() if done.returncode == 0 else b"",
    }


def test_class_of_60_every_student_has_a_row_and_the_expected_score(klass):
    assert klass["run"].returncode == 0, klass["run"].stderr[-3000:]
    rows = read_rows(klass["out"])
    assert set(rows) == set(klass["expected"])
    for student, score in klass["expected"].items():
        row = rows[student]
        if score is None:
            assert row["status"] == "not graded" and row["reason"], student
        else:
            assert row["status"] == "graded" and float(row["total"]) == score, (student, row)


def test_command_prints_a_progress_bar_and_a_one_line_summary(klass):
    out, err = klass["run"].stdout, klass["run"].stderr
    assert "60 students, 57 graded, 3 not graded" in out.splitlines()[0]
    assert "[##############################] 60/60" in err


def test_rerun_regrades_nothing_and_gives_the_same_grades_csv(klass):
    stamps = {p.name: p.stat().st_mtime_ns for p in (klass["out"] / "results").glob("*.json")}
    done = subprocess.run(
        grade_command(klass["course"], klass["subs"], klass["out"]),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=klass_root(klass["subs"]),
    )
    assert done.returncode == 0 and "(60 from an earlier run)" in done.stdout
    assert (klass["out"] / "grades.csv").read_bytes() == klass["csv"]
    assert stamps == {
        p.name: p.stat().st_mtime_ns for p in (klass["out"] / "results").glob("*.json")
    }


def test_interrupted_run_continues_where_it_stopped_with_the_same_result(klass):
    out = klass["root"] / "interrupted"
    process = subprocess.Popen(
        grade_command(klass["course"], klass["subs"], out),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=klass["root"],
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 10:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "run the same command again" in err, err[-3000:]
    kept = len(list((out / "results").glob("*.json")))
    assert 10 <= kept < 60
    done = subprocess.run(
        grade_command(klass["course"], klass["subs"], out),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=klass_root(klass["subs"]),
    )
    assert done.returncode == 0 and f"({kept} from an earlier run)" in done.stdout, done.stdout
    assert (out / "grades.csv").read_text().splitlines() == klass["csv"].decode().splitlines()


def test_force_regrades_everything_with_the_same_grades_csv(klass):
    out = klass["root"] / "forced"
    shutil.copytree(klass["out"], out, ignore=shutil.ignore_patterns("gradebook.db", "report.html"))
    done = subprocess.run(
        grade_command(klass["course"], klass["subs"], out, "--force"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=klass["root"],
    )
    assert done.returncode == 0 and "earlier run" not in done.stdout
    assert (out / "grades.csv").read_bytes() == klass["csv"]


def test_nbgrader_export_reads_the_gradebook(klass):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export"],
        cwd=klass["out"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with open(klass["out"] / "nbgrader_grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert len(rows) == 60
    assert float(rows["correct_00"]["raw_score"]) == course.MAX_SCORE
    assert float(rows["partial_00"]["raw_score"]) == course.MAX_SCORE - 5


def test_feedback_and_report_are_written_for_every_student(klass):
    pages = list((klass["out"] / "feedback").glob("*/toy/toy.html"))
    assert len(pages) == 60
    report = (klass["out"] / "report.html").read_text()
    for title in ("Score distribution", "Flagged submissions", "Not graded"):
        assert title in report or title.lower() in report.lower()


def test_without_bubblewrap_the_fallback_grades_and_warns(tmp_path):
    course_dir = course.make_course(tmp_path / "course")
    course.write(tmp_path / "subs" / "ok" / "toy.ipynb", course.notebook())
    course.write(tmp_path / "subs" / "half" / "toy.ipynb", course.notebook(PARTIAL[0][0]))
    options = Options(
        workers=1, sandbox="none", progress=False, outputs=False, limits=Limits(cell_timeout=10)
    )
    grader = Grader(course_dir, "toy", tmp_path / "subs", tmp_path / "out", options)
    summary = grader.run()
    rows = read_rows(tmp_path / "out")
    assert summary["graded"] == 2 and rows["ok"]["total"] == "10" and rows["half"]["total"] == "5"
    assert any("WITHOUT file-system or network isolation" in w for w in grader.warnings)
    assert {row["sandbox"] for row in rows.values()} == {"none"}
    assert not list((tmp_path / "out" / ".grader" / "tmp").iterdir())


def test_the_command_line_says_when_it_grades_without_the_sandbox(tmp_path):
    course_dir = course.make_course(tmp_path / "course")
    course.write(tmp_path / "subs" / "ok" / "toy.ipynb", course.notebook())

    done = subprocess.run(
        grade_command(course_dir, tmp_path / "subs", tmp_path / "out", "--sandbox", "none"),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "coursekit grade: warning: --sandbox none: submissions ran WITHOUT" in done.stderr
    assert read_rows(tmp_path / "out")["ok"]["sandbox"] == "none"
    report = (tmp_path / "out" / "report.html").read_text()
    assert "NONE: ran without isolation" in report and "WITHOUT file-system" in report


@pytest.mark.parametrize("bwrap", ["missing", "broken"])
def test_without_a_working_bubblewrap_grading_stops_and_names_the_fix(tmp_path, bwrap):
    course_dir = course.make_course(tmp_path / "course")
    course.write(tmp_path / "subs" / "ok" / "toy.ipynb", course.notebook())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if bwrap == "broken":  # on PATH, but its self-test cannot create namespaces
        (bin_dir / "bwrap").write_text(
            "#!/bin/sh\necho 'No permissions to create namespace' >&2\nexit 1\n"
        )
        (bin_dir / "bwrap").chmod(0o755)
    env = dict(os.environ, PATH=str(bin_dir))

    done = subprocess.run(
        grade_command(course_dir, tmp_path / "subs", tmp_path / "out"),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )

    assert done.returncode == 1
    assert "apt-get install bubblewrap" in done.stderr and "--sandbox none" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_nbgrader_generate_feedback_works_on_the_output_folder(klass):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_feedback", "toy"],
        cwd=klass["out"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pages = {p.parts[-3] for p in (klass["out"] / "nbgrader_feedback").glob("*/toy/toy.html")}
    graded = {s for s, score in klass["expected"].items() if score is not None}
    assert pages == graded
    page = (klass["out"] / "nbgrader_feedback" / "partial_00" / "toy" / "toy.html").read_text()
    # nbgrader's total includes the written answer, still to be graded by hand.
    assert re.search(rf"Score: {course.MAX_SCORE - 5:.1f} / \d", page)
    assert "Likely cause: forgot the bias" in page


DETACH = """import os
for _ in range(40):
    if os.fork() == 0:  # a child that detaches itself: a new session, a parent that has gone
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["{marker}", "600"])
        os._exit(0)
    os.wait()
"""


def _processes_named(marker):
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def test_nothing_a_submission_started_outlives_the_run(tmp_path):
    marker = f"coursekit-straggler-{os.getpid()}"
    course_dir = course.make_course(tmp_path / "course")
    for i in range(40):
        answers = {"count_params": DETACH.format(marker=marker)}
        course.write(tmp_path / "subs" / f"s{i:02d}" / "toy.ipynb", course.notebook(answers))

    done = subprocess.run(
        grade_command(course_dir, tmp_path / "subs", tmp_path / "out"),  # --workers 2
        capture_output=True,
        text=True,
        timeout=900,
    )
    left = _processes_named(marker)  # at once: the command has returned

    assert done.returncode == 0, done.stderr[-2000:]
    assert left == []
    for path in (tmp_path / "out" / "results").glob("*.json"):
        run = json.loads(path.read_text())["notebooks"]["toy"]["run"]
        assert run["stragglers"] >= 40 and run["left_running"] == 0, path.name

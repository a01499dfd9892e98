"""The grader against a class full of tricks: every required outcome, one graded batch.

One module-scoped run grades a folder mixing correct, blank, broken and hostile
submissions of the toy assignment (tests/grader_fixtures/) in the bubblewrap sandbox with
small limits (1 GiB memory, 64 processes, 16 MiB files, 1.5 s per cell, 6 s per notebook),
and each test asserts one outcome from its results. Points of the toy: test_affine 2,
test_affine_hidden 3, test_count 1, test_count_hidden 2, test_tanh 2 (10 in all).
"""

import csv
import io
import json
import re
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest
from grader_fixtures import course, hostile

import coursekit
from coursekit.grader import feedback
from coursekit.grader.grade import Grader, Options
from coursekit.grader.sandbox import Limits

pytestmark = pytest.mark.slow

AFFINE, COUNT, TANH = 5, 3, 2  # points per task
FULL = AFFINE + COUNT + TANH
CELL_TIMEOUT = 1.5


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    course_dir = course.make_course(root / "course")
    subs, out = root / "submissions", root / "out"
    good = json.dumps(course.notebook())
    for name in ("correct_1", "correct_2"):
        course.write(subs / name / "toy.ipynb", good)
    course.write(subs / "blank" / "toy.ipynb", course.notebook(blank=True))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    ctx = {
        "course": course_dir,
        "out": out,
        "repo": Path(coursekit.__file__).parents[1],
        "reference_source": Path(coursekit.__file__).parent / "rnn.py",
        "other_student": subs / "correct_1" / "toy.ipynb",
        "port": server.getsockname()[1],
        "cell_timeout": CELL_TIMEOUT,
        "write_targets": [
            course_dir / "solutions" / "toy" / "pwned.txt",
            out / "pwned.txt",
            subs / "correct_1" / "pwned.txt",
            root / "pwned.txt",
        ],
    }
    for name, build in hostile.CATALOGUE.items():
        nb = build(ctx)
        if name == "slow_everywhere":
            nap = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
            nb["cells"][1:1] = [
                dict(nap, source=f"import time\ntime.sleep({CELL_TIMEOUT * 0.8})\n")
                for _ in range(4)
            ]
        course.write(subs / name / "toy.ipynb", nb)
    # 11. broken files and archives
    course.write(subs / "corrupt" / "toy.ipynb", '{"cells": [ {"cell_type": "code", ')
    course.write(subs / "empty" / "toy.ipynb", "")
    course.write(subs / "renamed" / "my homework (final).ipynb", good)
    wrong_kernel = course.notebook()
    wrong_kernel["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    course.write(subs / "wrong_kernel" / "toy.ipynb", wrong_kernel)
    _zip(
        subs / "slipper_101_9001_submission.zip",
        {"../../../evil.ipynb": good, "/tmp/absolute_evil.ipynb": good, "toy.ipynb": good},
    )
    _zip(subs / "onlyevil_102_9002_submission.zip", {"../../escaped.txt": "x"})
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("hw/inner.tar.gz", _tar_gz({"work/toy.ipynb": good.encode()}))
    _zip(subs / "nested_103_9003_submission.zip", {"outer/inner.zip": inner.getvalue()})
    with zipfile.ZipFile(subs / "bomber_104_9004_submission.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("toy.ipynb", "w") as f:
            for _ in range(60):
                f.write(b"\0" * 2**20)
    deep = good.encode()
    for level in range(5):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("toy.ipynb" if level == 0 else f"level{level}.zip", deep)
        deep = buffer.getvalue()
    (subs / "deep_105_9005_submission.zip").write_bytes(deep)
    # Moodle and Canvas names
    course.write(subs / "Ada Lovelace_4242_assignsubmission_file_" / "toy.ipynb", good)
    course.write(subs / "Ada Lovelace_4242_assignsubmission_onlinetext_" / "onlinetext.html", "hi")
    course.write(subs / "turinga_LATE_777_8888_toy-1.ipynb", good)

    limits = Limits(
        memory_mb=1024,
        cell_timeout=CELL_TIMEOUT,
        notebook_timeout=6,
        processes=64,
        file_mb=16,
        workdir_mb=32,
    )
    options = Options(workers=2, limits=limits, sandbox="bwrap", progress=False)
    grader = Grader(course_dir, "toy", subs, out, options)
    summary = grader.run()
    server.close()
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {
        "results": results,
        "rows": rows,
        "summary": summary,
        "ctx": ctx,
        "root": root,
        "out": out,
    }


def score(graded, student):
    return graded["results"][student]["score"]


def passed(graded, student, question):
    return graded["results"][student]["questions"][question]["status"] == "passed"


def flags(graded, student):
    return " | ".join(graded["results"][student]["flags"])


def test_correct_submissions_get_full_marks(graded):
    for student in ("correct_1", "correct_2", "renamed", "wrong_kernel", "Ada_Lovelace", "turinga"):
        assert score(graded, student) == FULL, student


def test_blank_submission_scores_zero(graded):
    assert score(graded, "blank") == 0
    assert graded["rows"]["blank"]["status"] == "graded"


# 1. comparison tricks
@pytest.mark.parametrize("student, expected", [("always_equal", 0), ("ndarray_subclass", TANH)])
def test_always_true_eq_and_subclasses_earn_no_points(graded, student, expected):
    assert score(graded, student) == expected
    assert not passed(graded, student, "test_affine")


# 2. monkeypatching numpy, builtins and the checks
def test_monkeypatching_numpy_builtins_and_checks_gains_nothing(graded):
    assert score(graded, "monkeypatch") == 0
    assert "monkeypatches np.allclose" in flags(graded, "monkeypatch")


def test_checks_rebound_to_copy_the_expected_values_find_none(graded):
    assert score(graded, "rig_checks") == 0
    assert "rebinds the check helper" not in flags(graded, "rig_checks")  # globals() was used
    assert "touches the namespace with globals()" in flags(graded, "rig_checks")


def test_records_forged_from_an_answer_cell_count_for_nothing(graded):
    assert not passed(graded, "forge_records", "test_count")
    assert score(graded, "forge_records") == AFFINE + TANH


def test_a_cell_ended_by_a_forged_done_stops_the_run_and_zeroes_the_notebook(graded):
    assert score(graded, "forge_done") == 0
    assert "scores zero: a forged message tried to end cell" in flags(graded, "forge_done")


def test_records_written_by_a_child_process_zero_the_notebook(graded):
    assert score(graded, "forked_writer") == 0
    assert "came from a process the notebook started" in flags(graded, "forked_writer")


def test_a_process_that_speaks_for_the_executor_learns_no_answer(graded):
    # It read the cell's token from the executor's memory and answered every later cell
    # itself: it passes only the visible test whose answer the release shows, as a function
    # that returns 16 would; every test whose answer it did not know scores zero.
    assert not passed(graded, "impersonate", "test_count_hidden")
    assert score(graded, "impersonate") <= 1


def test_the_hidden_tests_helpers_are_out_of_reach_of_the_students_functions(graded):
    assert not passed(graded, "borrow_test_helpers", "test_affine_hidden")
    assert score(graded, "borrow_test_helpers") == COUNT + TANH


# 3. hiding errors
def test_hidden_errors_still_fail(graded):
    assert score(graded, "hide_errors") == TANH
    assert "hides errors" in flags(graded, "hide_errors")


# 4. tampering with test cells
@pytest.mark.parametrize(
    "student, expected, flag",
    [
        ("edit_test", AFFINE + TANH, "test cell test_count was edited (restored)"),
        ("delete_test", FULL, "test cell test_affine was deleted (restored)"),
        ("strip_metadata", AFFINE + COUNT, "test_tanh: nbgrader metadata was stripped"),
        ("retype_test", AFFINE + TANH, "test_count was changed to a markdown cell (restored)"),
        ("duplicate_test", FULL, "test cell test_affine appears 2 times"),
    ],
)
def test_tampered_test_cells_are_restored_run_and_flagged(graded, student, expected, flag):
    assert score(graded, student) == expected
    assert flag in flags(graded, student)


# 5. ending the process
@pytest.mark.parametrize(
    "student, words",
    [
        ("sys_exit", "sys.exit()"),
        ("os_exit", "died in cell"),
        ("segfault", "SIGSEGV"),
        ("kill_self", "SIGKILL"),
    ],
)
def test_killing_the_process_zeroes_the_remaining_cells_with_a_reason(graded, student, words):
    result = graded["results"][student]
    assert result["score"] == AFFINE  # the cells before the exit still count
    for question in ("test_count", "test_count_hidden", "test_tanh"):
        assert result["questions"][question]["points"] == 0
        assert result["questions"][question]["message"]
    assert words in graded["rows"][student]["reason"]


# 6. time limits
@pytest.mark.parametrize("student", ["infinite_loop", "long_sleep"])
def test_cell_timeout_interrupts_the_cell_and_grading_goes_on(graded, student):
    assert score(graded, student) == AFFINE + TANH
    assert "timed out" in flags(graded, student)


def test_cell_that_ignores_the_alarm_is_killed(graded):
    assert score(graded, "ignores_alarm") == AFFINE
    assert "could not be interrupted" in graded["rows"]["ignores_alarm"]["reason"]


def test_notebook_timeout_stops_the_notebook(graded):
    result = graded["results"]["slow_everywhere"]
    assert "time limit of 6 s" in graded["rows"]["slow_everywhere"]["reason"]
    assert result["runtime"] < 6 + 5
    assert result["score"] < FULL


# 7. resources
@pytest.mark.parametrize("student", ["memory_bomb", "fork_bomb", "disk_filler"])
def test_resource_bombs_only_hurt_their_own_submission(graded, student):
    result = graded["results"][student]
    assert passed(graded, student, "test_affine")
    assert result["questions"]["test_count"]["points"] == 0
    assert score(graded, "correct_2") == FULL
    assert score(graded, "turinga") == FULL  # queued after the bombs (students in name order)


def test_fork_bomb_hits_the_process_limit(graded):
    assert (
        "process limit" in flags(graded, "fork_bomb")
        or "resource temporarily" in json.dumps(graded["results"]["fork_bomb"]).lower()
    )


def test_disk_filler_is_stopped_by_the_file_and_folder_limits(graded):
    cells = graded["results"]["disk_filler"]["notebooks"]["toy"]["cells"]
    count = next(c for c in cells if c["key"] == "count_params")
    tanh = next(c for c in cells if c["key"] == "tanh_half")
    assert count["ename"] == "OSError" and "too large" in count["evalue"].lower()
    assert "disk full" in tanh["stdout"] and "No space left" in tanh["stdout"]
    assert passed(graded, "disk_filler", "test_tanh")


# 8. reaching outside the sandbox
def test_files_outside_the_working_copy_and_the_network_are_denied(graded):
    cells = graded["results"]["snoop"]["notebooks"]["toy"]["cells"]
    printed = next(c for c in cells if c["key"] == "count_params")["stdout"]
    assert "LEAKS []" in printed
    for target in graded["ctx"]["write_targets"]:
        assert not Path(target).exists()
    assert score(graded, "snoop") == FULL


# 9. output
def test_huge_output_is_truncated_and_a_warning_costs_only_the_test_cell_it_shows_in(graded):
    # As in nbgrader: a test cell that writes to stderr earns nothing. The warning from the
    # answer cell costs nothing; the one from affine shows once, in the first test that calls it.
    result = graded["results"]["noisy"]
    assert result["score"] == FULL - 2
    assert "wrote to stderr" in result["questions"]["test_affine"]["message"]
    stored = json.dumps(result)
    assert len(stored) < 500_000
    assert "more characters of output not shown" in stored


def test_printing_all_tests_passed_changes_nothing(graded):
    assert score(graded, "claims_success") == TANH


# 10. the reference implementations
def test_reference_implementations_are_unreachable_and_flagged(graded):
    assert score(graded, "imports_reference") == TANH
    text = flags(graded, "imports_reference")
    assert "imports coursekit.heads (reference implementation)" in text
    assert "uses importlib" in text
    message = graded["results"]["imports_reference"]["questions"]["test_affine"]["message"]
    assert "not available while grading" in message


# 11. broken files and archives
@pytest.mark.parametrize(
    "student, words",
    [
        ("corrupt", "invalid JSON"),
        ("empty", "empty"),
        ("onlyevil", "points outside the archive"),
        ("bomber", "zip bomb"),
        ("deep", "nested more than 3 deep"),
    ],
)
def test_broken_submissions_get_a_clear_reason(graded, student, words):
    row = graded["rows"][student]
    assert row["status"] == "not graded"
    assert words in row["reason"]
    log = (graded["out"] / "grading.log").read_text()
    assert any(student in line and words in line for line in log.splitlines()), student


@pytest.mark.parametrize(
    "student, words",
    [
        ("renamed", "renamed notebook"),
        ("wrong_kernel", "kernelspec 'ir' (R) ignored"),
        ("slipper", "points outside the archive"),
    ],
)
def test_recoverable_problems_are_graded_with_a_note(graded, student, words):
    row = graded["rows"][student]
    assert row["status"] == "graded" and words in row["reason"]


def test_nested_archives_are_unpacked(graded):
    assert score(graded, "nested") == FULL


def test_archives_write_nothing_outside_the_output_folder(graded):
    root, out = graded["root"], graded["out"]
    strays = [
        p
        for p in root.rglob("*")
        if p.name in ("evil.ipynb", "escaped.txt", "absolute_evil.ipynb")
        and not p.resolve().is_relative_to(out.resolve())
    ]
    assert strays == [] and not Path("/tmp/absolute_evil.ipynb").exists()


# 12. copies
def test_identical_solution_code_is_flagged_in_the_report(graded):
    assert "identical answer code to copy_b" in flags(graded, "copy_a")
    report = (graded["out"] / "report.html").read_text()
    assert "copy_a, copy_b" in report
    assert "identical answer code" not in flags(graded, "correct_1")


def test_every_student_has_a_row_with_a_score_or_a_reason(graded):
    rows = graded["rows"]
    assert set(rows) == set(graded["results"])
    for row in rows.values():
        assert row["total"] != "" or row["reason"] != ""
    assert len(rows) == graded["summary"]["students"]


def test_report_lists_plots_and_flagged_submissions(graded):
    report = (graded["out"] / "report.html").read_text()
    assert report.count("data:image/png;base64") >= 4 and "<h2>Runtime distribution</h2>" in report
    assert "Flagged submissions" in report and "monkeypatch" in report


def test_feedback_shows_the_check_message_for_a_failed_test(graded):
    page = graded["out"] / "feedback" / "claims_success" / "toy" / "toy.html"
    text = page.read_text()
    assert "Likely cause: forgot the bias" in text
    # No script but MathJax's own two (its settings and the library): the student's text
    # is escaped.
    text_without_mathjax = text.replace(f"<script>{feedback.MATHJAX_CONFIG}</script>", "")
    scripts = re.findall(r"<script[^>]*>", text_without_mathjax)
    assert all("mathjax/tex-svg.js" in tag for tag in scripts), scripts
    # The failed test cell printed "affine: correct" in the sandbox, where checks are only
    # recorded; the feedback shows the verdict instead of that line.
    assert "<pre class='out'>affine: correct" not in text

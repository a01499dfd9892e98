"""The class report: named mistakes per task, students by status, the runtime distribution.

Built from StudentResult objects made here (no grading run) and the real 01_rnn_cell
assignment, with real hints from coursekit.expected.
"""

import html
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pytest

import coursekit
from coursekit import checks
from coursekit.expected.mistakes import Mistake as Shared
from coursekit.expected.rnn_cell import Mistake
from coursekit.grader import report
from coursekit.grader.assignment import load_assignment
from coursekit.grader.compare import Question, Verdict
from coursekit.grader.results import Status, StudentResult

matplotlib.use("Agg")

ASSIGNMENT = load_assignment(Path(coursekit.__file__).parents[1], "01_rnn_cell")
COLUMNS = {ASSIGNMENT.column(nb, cell): cell.points for nb, cell in ASSIGNMENT.questions()}


def question(column, hints=None):
    """A passed test cell, or (``hints`` given) a failed one whose message names them."""
    if hints is None:
        return Question(column, COLUMNS[column], COLUMNS[column], Verdict.PASSED)
    if not hints:
        return Question(column, 0.0, COLUMNS[column], Verdict.ERROR, "ValueError: shapes")
    message = "h_t is wrong at [0, 1]\n" + checks.LIKELY + checks.OR.join(hints)
    return Question(
        column, 0.0, COLUMNS[column], Verdict.FAILED, message, checks.named_mistakes(message)
    )


def graded(student, failed=None, runtime=1.0, flags=()):
    """A graded student who passes every test cell but those in ``failed`` (column -> hints)."""
    failed = failed or {}
    questions = {c: question(c, failed.get(c)) for c in COLUMNS}
    return StudentResult(
        student,
        questions=questions,
        score=sum(q.points for q in questions.values()),
        max_score=ASSIGNMENT.max_score,
        runtime=runtime,
        flags=list(flags),
    )


def not_graded(student, reason):
    return StudentResult(student, status=Status.NOT_GRADED, reason=reason)


def write(tmp_path, results):
    grader = SimpleNamespace(
        assignment=ASSIGNMENT,
        warnings=[],
        ingest_problems=[],
        mode="bwrap",
        similar_pairs=[],
        lms_lines=[],
    )
    path = tmp_path / "report.html"
    report.write_report(path, grader, results)
    return path.read_text(encoding="utf-8")


def section(page, heading):
    """The HTML from ``heading`` (an h2 or h3's text) to the next heading."""
    start = page.index(heading)
    rest = page[start + len(heading) :]
    return rest[: min(i for i in (rest.find("<h2>"), rest.find("<h3>"), len(rest)) if i >= 0)]


def table_rows(html_text):
    """The cells of every table row without a header, as lists of strings."""
    rows = re.findall(r"<tr>((?:<td>.*?</td>)+)</tr>", html_text)
    return [re.findall(r"<td>(.*?)</td>", row) for row in rows]


OUTPUT, HIDDEN = "test_rnn_output", "test_rnn_output_hidden"
MISSING_BIAS, ACTIVATION = Shared.OUTPUT_MISSING_BIAS.value, Shared.OUTPUT_ACTIVATION.value


def output_class():
    """Ten graded students: 3 miss b_y (one in both cells), 1 applies tanh, 1 errors."""
    return [
        graded("both", {OUTPUT: [MISSING_BIAS], HIDDEN: [MISSING_BIAS]}),
        graded("visible", {OUTPUT: [MISSING_BIAS]}),
        graded("hidden", {HIDDEN: [MISSING_BIAS, ACTIVATION]}),
        graded("tanh", {OUTPUT: [ACTIVATION]}),
        graded("crashed", {HIDDEN: []}),
        *[graded(f"right_{i}") for i in range(5)],
    ]


def test_visible_and_hidden_test_of_a_task_are_one_task():
    groups = report.tasks(ASSIGNMENT)

    assert groups[OUTPUT] == [OUTPUT, HIDDEN]
    assert list(groups) == [
        "test_rnn_cell_forward",
        "test_rnn_output",
        "test_rnn_param_count",
        "test_by_hand",
    ]


def test_mistakes_are_ranked_by_students_and_a_student_counts_once_per_task():
    results = output_class()

    task = report.task_mistakes(OUTPUT, [OUTPUT, HIDDEN], results)

    assert task.ranked == [(MISSING_BIAS, 3), (ACTIVATION, 2)]
    assert (task.failed, task.unexplained) == (5, 1)


def test_report_ranks_the_mistakes_with_counts_and_shares_of_graded_students(tmp_path):
    page = write(tmp_path, output_class())

    part = section(page, f"<h3>{OUTPUT} + {HIDDEN}</h3>")

    assert table_rows(part) == [
        ["1", html.escape(MISSING_BIAS), "3", "30.0%"],
        ["2", html.escape(ACTIVATION), "2", "20.0%"],
        ["", "<i>failed for another reason</i>", "1", "10.0%"],
    ]
    assert "share of the 10 graded" in part
    assert "5 of 10 graded students failed this task" in part
    assert "explain 4 (80.0% of the failures)" in part
    assert "alt='Bar chart of the named mistakes in test_rnn_output" in part


def test_a_task_without_named_mistakes_says_so_in_one_line(tmp_path):
    results = [graded("slip", {"test_by_hand": []}), graded("right")]

    page = write(tmp_path, results)

    line = (
        "<p><b>test_by_hand + test_by_hand_hidden</b>: no named mistake; 1 of 2 graded "
        "students failed it for another reason.</p>"
    )
    assert line in page and "<h3>test_by_hand" not in page


@pytest.mark.parametrize("hint", [Mistake.BIAS_TWICE.value, Mistake.UNKNOWN_ACTIVATION.value])
def test_hint_text_is_escaped(tmp_path, hint):
    results = [graded("a", {"test_rnn_cell_forward_hidden": [hint]}), graded("b")]

    page = write(tmp_path, results)

    assert "'" in hint and hint not in page
    assert f"<td>{html.escape(hint)}</td>" in page


def test_status_shares_hold_every_student_once_and_add_up(tmp_path):
    no_notebook = "no notebook found (expected 01_rnn_cell.ipynb; got {})"
    results = [
        *[graded(f"full_{i}") for i in range(3)],
        graded("partial_1", {OUTPUT: [MISSING_BIAS]}),
        graded("partial_2", {"test_by_hand": []}),
        graded("zero", {c: [] for c in COLUMNS}),
        graded("flagged", flags=["monkeypatch: numpy.allclose was replaced"]),
        not_graded("empty_1", no_notebook.format("notes.txt")),
        not_graded("empty_2", no_notebook.format("no files")),
        not_graded("broken", "01_rnn_cell.ipynb: not a notebook: invalid JSON (line 3)"),
    ]

    page = write(tmp_path, results)

    rows = table_rows(section(page, "<h2>Students by status</h2>"))
    assert rows == [
        ["graded, full marks", "3", "30.0%"],
        ["graded, partial marks", "2", "20.0%"],
        ["graded, zero", "1", "10.0%"],
        ["graded, flagged (any score)", "1", "10.0%"],
        ["not graded: no notebook found", "2", "20.0%"],
        ["not graded: not a notebook", "1", "10.0%"],
    ]
    assert sum(int(r[1]) for r in rows) == 10
    assert sum(float(r[2].rstrip("%")) for r in rows) == pytest.approx(100)
    assert "share of the 10 students" in page and "Shares of all 10 students" in page


def test_runtime_section_gives_median_p90_and_max_and_names_the_axes(tmp_path):
    results = [graded(f"s{i}", runtime=float(i)) for i in range(1, 11)]
    results.append(not_graded("absent", "no notebook found"))

    part = section(write(tmp_path, results), "<h2>Runtime distribution</h2>")

    summary = "10 graded submissions: median 5.50 s, 90th percentile 9.10 s, max 10.00 s."
    assert summary in part
    assert "Horizontal axis: seconds per submission" in part
    assert "Vertical axis: students" in part
    assert "alt='Histogram of the runtimes of the 10 graded submissions, seconds across" in part


def test_runtime_histogram_has_labelled_axes_in_seconds_from_zero():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()

    report.runtime_histogram(ax, [0.8, 1.1, 2.3])

    assert ax.get_xlabel().startswith("seconds") and ax.get_ylabel() == "students"
    assert ax.get_xlim() == pytest.approx((0.0, 2.3))
    assert sum(p.get_height() for p in ax.patches) == 3
    assert all(float(t).is_integer() for t in ax.get_yticks())
    plt.close(fig)


def test_report_is_one_file_with_a_chart_per_task_with_mistakes(tmp_path):
    page = write(tmp_path, output_class())

    sources = re.findall(r"src='([^']*)'", page)

    assert all(s.startswith("data:image/png;base64,") for s in sources)
    # status, score distribution, pass rate, the one task with mistakes, runtimes
    assert len(sources) == 5
    assert "<link" not in page and "<script" not in page


def test_a_class_with_nobody_graded_still_gets_a_report(tmp_path):
    page = write(tmp_path, [not_graded("absent", "no notebook found (got no files)")])

    assert "No student was graded" in page
    assert table_rows(section(page, "<h2>Students by status</h2>"))[-1] == [
        "not graded: no notebook found",
        "1",
        "100.0%",
    ]

"""The class report (report.html): statuses, scores, pass rates, mistakes, runtimes and flags.

One self-contained HTML file (figures embedded as PNG) for the instructor: the share of
students in each status, the score distribution, the pass rate of every test cell, the
named mistakes of every task ranked by how many students made them, the runtime
distribution, the submissions that were flagged (edited tests, reference imports,
monkeypatching, limits hit, identical code ...), the students who could not be graded and
why, and warnings about the assignment itself.

A *task* is a visible test cell and its hidden test cell together: ``test_x`` and
``test_x_hidden`` (its grades.csv columns). A student counts once per mistake per task,
even when both cells name it; a student who failed a task (did not pass every one of its
cells) and whose cells name no mistake "failed for another reason".
"""

import base64
import html
import io
import math
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from .compare import Verdict
from .outputs import fmt
from .results import Status

HIDDEN_SUFFIX = "_hidden"  # test_x_hidden is the hidden test of the task test_x
RUNTIME_X = "seconds per submission (sandbox start to end)"
RUNTIME_Y = "students"


def _figure(draw, width=7.0, height=3.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f"<img alt='{{alt}}' src='data:image/png;base64,{data}'>"


def _img(draw, alt, **kw):
    return _figure(draw, **kw).replace("{alt}", html.escape(alt, quote=True))


def _integer_ticks(axis):
    """Ticks at whole numbers only on ``axis`` (an axis that counts students)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _plain(text, width=60):
    """``text`` shortened for a chart's label, with ``$`` kept from starting maths."""
    return textwrap.shorten(text, width, placeholder="…").replace("$", r"\$")


def _share(count, total):
    """``count`` as a percentage of ``total``, as the report writes it (30.0%)."""
    return f"{100 * count / max(1, total):.1f}%"


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}.warn{background:#fff8e1;padding:.5em}"
    ".caption{color:#555;font-size:.9em}"
)


class Standing(StrEnum):
    """Where a student stands in the report; each student has exactly one.

    :class:`.results.Status` ``GRADED`` splits into the first four (a flag first, as its
    score needs a look, then by the score); ``NOT_GRADED`` is the last, shown by reason.
    """

    FULL = "graded, full marks"
    PARTIAL = "graded, partial marks"
    ZERO = "graded, zero"
    FLAGGED = "graded, flagged (any score)"
    NOT_GRADED = "not graded"


def _standing(result, max_score):
    """The :class:`Standing` of ``result``, a StudentResult, out of ``max_score`` points."""
    if result.status != Status.GRADED:
        return Standing.NOT_GRADED
    if result.flags:
        return Standing.FLAGGED
    if result.score > 0 and (result.score >= max_score or math.isclose(result.score, max_score)):
        return Standing.FULL
    return Standing.PARTIAL if result.score > 0 else Standing.ZERO


def _reason_group(reason):
    """The kind of a not-graded ``reason``, without what is particular to one student.

    The details in parentheses, a leading file name and everything after the first
    ``:`` or ``;`` go: "toy.ipynb: not a notebook: invalid JSON (...)" is "not a notebook".
    """
    text = re.sub(r"\([^()]*\)", "", reason or "")
    parts = [p.strip() for p in text.split(";")[0].split(":")]
    if len(parts) > 1 and re.fullmatch(r"\S+\.\w+", parts[0]):
        parts = parts[1:]
    return parts[0] or reason or "no reason given"


@dataclass
class Share:
    """One row of the status table: a label and how many students it holds."""

    label: str
    students: int


def status_shares(results, max_score):
    """The rows of the status table: every graded :class:`Standing`, then each reason group.

    Parameters
    ----------
    results : list of StudentResult
    max_score : float
        The assignment's autograded points.

    Returns
    -------
    list of Share
        Together they hold every student once.
    """
    counts = Counter(_standing(r, max_score) for r in results)
    rows = [Share(s.value, counts[s]) for s in Standing if s != Standing.NOT_GRADED]
    reasons = Counter(_reason_group(r.reason) for r in results if r.status != Status.GRADED)
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows + [Share(f"{Standing.NOT_GRADED}: {g}", n) for g, n in ranked]


@dataclass
class TaskMistakes:
    """The named mistakes of one task, ranked by how many graded students made them."""

    name: str  # the visible test's grades.csv column
    columns: list  # the task's grades.csv columns, the visible test first
    failed: int = 0  # graded students who did not pass every cell of the task
    unexplained: int = 0  # of those, the ones whose cells name no mistake
    ranked: list = field(default_factory=list)  # (hint, students), most students first


def tasks(assignment):
    """The tasks of ``assignment``: each test cell with its hidden test cell.

    Parameters
    ----------
    assignment : Assignment

    Returns
    -------
    dict
        Task name (the visible test's grades.csv column) -> the task's grades.csv columns,
        in the assignment's order; ``test_x_hidden`` joins ``test_x``.
    """
    groups = {}
    for nb, cell in assignment.questions():
        column = assignment.column(nb, cell)
        groups.setdefault(column.removesuffix(HIDDEN_SUFFIX), []).append(column)
    return groups


def task_mistakes(name, columns, graded):
    """Count the named mistakes of the task ``name`` among the ``graded`` students.

    Parameters
    ----------
    name : str
    columns : list of str
        The task's grades.csv columns (its visible and hidden test cells).
    graded : list of StudentResult
        The graded students; each counts once per mistake, however many cells name it.

    Returns
    -------
    TaskMistakes
    """
    counts, failed, unexplained = Counter(), 0, 0
    for r in graded:
        questions = [r.questions.get(c) for c in columns]
        if all(q is not None and q.status == Verdict.PASSED for q in questions):
            continue
        named = {m for q in questions if q is not None for m in q.mistakes}
        counts.update(named)
        failed, unexplained = failed + 1, unexplained + (not named)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return TaskMistakes(name, list(columns), failed, unexplained, ranked)


def runtime_histogram(ax, runtimes):
    """Draw the histogram of the graded submissions' runtimes on ``ax``.

    The bins span the runtimes (from 0 when the fastest took under half the slowest's
    time), the median and the 90th percentile are drawn as lines, and the students axis
    has whole-number ticks.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    runtimes : sequence of float
        Seconds per submission (sandbox start to end), at least one.
    """
    times = np.asarray(runtimes, dtype=float)
    lo, hi = float(times.min()), float(times.max())
    lo = 0.0 if lo < hi / 2 else lo
    if hi - lo < 1e-9:
        lo, hi = max(0.0, lo - 0.5), hi + 0.5
    bins = min(20, max(5, math.ceil(math.sqrt(len(times)))))
    ax.hist(times, bins=bins, range=(lo, hi), color="#6a1b9a", edgecolor="white")
    for q, style, what in ((50, "--", "median"), (90, ":", "90th percentile")):
        value = float(np.percentile(times, q))
        ax.axvline(value, color="black", linestyle=style, label=f"{what} {value:.2f} s")
    ax.set_xlim(lo, hi)
    _integer_ticks(ax.yaxis)
    ax.set(xlabel=RUNTIME_X, ylabel=RUNTIME_Y, title="Runtime distribution (graded submissions)")
    ax.legend(fontsize=8)


def _rows(header, rows):
    """An HTML table (a list of lines) of ``rows``, whose cells are HTML already."""
    e = html.escape
    parts = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    return parts + ["</table>"]


def _table(title, header, rows):
    """An HTML section: a heading and a table, or "None." when there are no rows."""
    parts = [f"<h2>{html.escape(title)} ({len(rows)})</h2>"]
    return parts + (_rows(header, rows) if rows else ["<p>None.</p>"])


def _statuses(results, max_score):
    """The share of students in each status: a table and a bar chart."""
    shares, total = status_shares(results, max_score), len(results)
    parts = [
        "<h2>Students by status</h2>",
        f"<p>Shares of all {total} students, graded or not; each student is in one row. A "
        "graded student with a flag is in “graded, flagged” whatever the score (the flags "
        "need a look before the score is released).</p>",
    ]
    rows = [[html.escape(s.label), str(s.students), _share(s.students, total)] for s in shares]
    parts += _rows(["status", "students", f"share of the {total} students"], rows)

    def draw(ax):
        ax.barh(range(len(shares)), [100 * s.students / max(1, total) for s in shares])
        ax.set_yticks(range(len(shares)), [_plain(s.label, 45) for s in shares], fontsize=8)
        ax.invert_yaxis()
        ax.set(xlim=(0, 100), xlabel=f"% of the {total} students", title="Students by status")

    top = max(shares, key=lambda s: s.students)
    alt = (
        f"Bar chart: the share of the {total} students in each status; the largest, "
        f"{top.label}, holds {_share(top.students, total)}"
    )
    return parts + [_img(draw, alt, height=max(2.0, 0.3 * len(shares) + 1))]


def _passing(graded, column):
    """The share, in %, of the graded students who passed the test cell ``column``."""
    passed = sum(
        1 for r in graded if column in r.questions and r.questions[column].status == "passed"
    )
    return 100 * passed / max(1, len(graded))


def _scores(assignment, graded):
    """The score distribution and the pass rate per test cell."""
    columns = [assignment.column(nb, c) for nb, c in assignment.questions()]
    top = assignment.max_score

    def scores_plot(ax):
        bins = min(20, max(5, int(top) + 1))
        ax.hist(
            [r.score for r in graded], bins=bins, range=(0, top), color="#1565c0", edgecolor="white"
        )
        _integer_ticks(ax.yaxis)
        ax.set(xlabel=f"score (of {top:g})", ylabel="students", title="Score distribution")

    def pass_plot(ax):
        ax.barh(range(len(columns)), [_passing(graded, c) for c in columns], color="#2e7d32")
        ax.set_yticks(range(len(columns)), columns, fontsize=8)
        ax.invert_yaxis()
        ax.set(
            xlim=(0, 100), xlabel="% of graded students passing", title="Pass rate per test cell"
        )

    return [
        "<h2>Score distribution</h2>",
        _img(scores_plot, "Histogram of the students' total scores"),
        "<h2>Pass rate per test cell</h2>",
        _img(
            pass_plot,
            "Bar chart: the share of graded students passing each test cell",
            height=max(2.5, 0.3 * len(columns) + 1),
        ),
    ]


def _mistakes_chart(task, n_graded):
    """A horizontal bar per named mistake of ``task``: how many students made it."""
    counts = [n for _, n in task.ranked]

    def draw(ax):
        bars = ax.barh(range(len(counts)), counts, color="#c62828")
        labels = [f"{i}. {_plain(hint, 55)}" for i, (hint, _) in enumerate(task.ranked, 1)]
        ax.set_yticks(range(len(counts)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.bar_label(bars, [f"{n} ({_share(n, n_graded)})" for n in counts], fontsize=8, padding=2)
        ax.set_xlim(0, 1.25 * max(counts))
        _integer_ticks(ax.xaxis)
        title = f"Named mistakes: {_plain(task.name)}"
        ax.set(xlabel=f"students (of {n_graded} graded)", title=title)

    hint, n = task.ranked[0]
    alt = (
        f"Bar chart of the named mistakes in {task.name}, the most common on top: "
        f"'{_plain(hint)}', made by {n} of {n_graded} graded students"
    )
    return _img(draw, alt, width=9.0, height=max(2.2, 0.35 * len(counts) + 1.2))


def _task_section(task, n_graded):
    """One task's named mistakes, ranked: a table and a chart, or one line when it has none."""
    e = html.escape
    name = e(task.name) + "".join(f" + {e(c)}" for c in task.columns[1:])
    other = f"{task.unexplained} of {n_graded} graded students failed it for another reason"
    if not task.ranked:
        passed = f"all {n_graded} graded students passed it"
        return [f"<p><b>{name}</b>: no named mistake; {other if task.failed else passed}.</p>"]
    explained = task.failed - task.unexplained
    parts = [
        f"<h3>{name}</h3>",
        f"<p>{task.failed} of {n_graded} graded students failed this task: the named mistakes "
        f"explain {explained} ({_share(explained, task.failed)} of the failures); {other}.</p>",
    ]
    rows = [
        [str(i), e(hint), str(n), _share(n, n_graded)] for i, (hint, n) in enumerate(task.ranked, 1)
    ]
    other_share = _share(task.unexplained, n_graded)
    rows.append(["", "<i>failed for another reason</i>", str(task.unexplained), other_share])
    header = ["rank", "named mistake (the hint)", "students", f"share of the {n_graded} graded"]
    return parts + _rows(header, rows) + [_mistakes_chart(task, n_graded)]


def _mistakes(assignment, graded):
    """The named mistakes of every task, ranked by how many students made them."""
    parts = [
        "<h2>Named mistakes per task</h2>",
        "<p>A task is a test cell with its hidden test cell. A student counts once per "
        "mistake per task, even when both cells name it; the hints are those of the failed "
        "checks (“Likely cause: …”). “Failed for another reason”: the student did not pass "
        "every cell of the task, and none named a mistake (an error, a timeout, a cell not "
        "run, or a check without a hint).</p>",
    ]
    for name, columns in tasks(assignment).items():
        parts += _task_section(task_mistakes(name, columns, graded), len(graded))
    return parts


def _runtimes(graded):
    """The runtime distribution of the graded submissions: a histogram, median, p90, max."""
    parts = ["<h2>Runtime distribution</h2>"]
    times = [r.runtime for r in graded]
    median, p90, top = (float(np.percentile(times, q)) for q in (50, 90, 100))
    alt = (
        f"Histogram of the runtimes of the {len(times)} graded submissions, seconds across and "
        f"students up: median {median:.2f} s, slowest {top:.2f} s"
    )
    return parts + [
        f"<p>{len(times)} graded submissions: median {median:.2f} s, 90th percentile "
        f"{p90:.2f} s, max {top:.2f} s.</p>",
        _img(lambda ax: runtime_histogram(ax, times), alt),
        f"<p class='caption'>Horizontal axis: {RUNTIME_X}. Vertical axis: {RUNTIME_Y} "
        "(the number of graded submissions in each bin). The dashed line is the median, the "
        "dotted one the 90th percentile (interpolated between submissions).</p>",
    ]


def _score(r):
    return fmt(r.score) if r.graded else "–"


def _students(results):
    """The flagged submissions, the identical ones, those not graded, and everyone."""
    e = html.escape
    flagged = [
        [e(r.student), _score(r), "<ul>" + "".join(f"<li>{e(f)}</li>" for f in r.flags) + "</ul>"]
        for r in results
        if r.flags
    ]
    parts = _table("Flagged submissions", ["student", "score", "flags"], flagged)
    groups = {}
    for r in results:
        if r.identical_to:
            groups.setdefault(r.fingerprint, set()).add(r.student)
    if groups:
        members = sorted(sorted(g) for g in groups.values())
        parts += [
            "<h2>Identical answer code</h2><ul>",
            *[f"<li>{e(', '.join(m))}</li>" for m in members],
            "</ul>",
        ]
    not_graded = [[e(r.student), e(r.reason or "")] for r in results if not r.graded]
    parts += _table("Not graded", ["student", "reason"], not_graded)
    everyone = [
        [
            e(r.student),
            _score(r),
            f"{r.runtime:.2f}",
            "bubblewrap" if r.sandbox == "bwrap" else "NONE: ran without isolation",
            e("; ".join(r.notes) if r.graded else (r.reason or "")),
        ]
        for r in results
    ]
    return parts + _table(
        "All students", ["student", "score", "runtime (s)", "sandbox", "notes"], everyone
    )


def _graded_sections(assignment, graded):
    """The sections drawn from the graded students alone (none when nobody was graded)."""
    if not graded:
        return ["<p>No student was graded: no scores, mistakes or runtimes to show.</p>"]
    return [*_scores(assignment, graded), *_mistakes(assignment, graded), *_runtimes(graded)]


def _similar(pairs):
    """The pairs of near-identical answer code (coursekit.grader.similarity), with scores."""
    head = (
        "<h2>Similar submissions</h2><p>Answer code compared after names, comments, layout "
        "and the given code are taken out (similarity.csv; grades are not changed).</p>"
    )
    if not pairs:
        return [head, "<p>No pair of submissions is near-identical.</p>"]
    rows = "".join(
        f"<tr><td>{html.escape(p.a)}</td><td>{html.escape(p.b)}</td><td>{p.score:.2f}</td>"
        f"<td>{p.shared}</td></tr>"
        for p in pairs
    )
    table = "<tr><th>student</th><th>student</th><th>score</th><th>shared fingerprints</th></tr>"
    return [head, f"<table>{table}{rows}</table>"]


def _roster(lines):
    """How the LMS roster matched the submissions (``--roster``): nobody left unnamed."""
    if not lines:
        return []
    return ["<h2>LMS roster</h2><ul>", *[f"<li>{html.escape(x)}</li>" for x in lines], "</ul>"]


def write_report(path, grader, results):
    """Write the class report to ``path``.

    Parameters
    ----------
    path : Path
    grader : Grader
        For the assignment, its warnings, the sandbox and the problems of the export.
    results : list of StudentResult
    """
    e = html.escape
    assignment = grader.assignment
    graded = [r for r in results if r.graded]
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    mode = grader.mode
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Grading report: {e(assignment.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Grading report: {e(assignment.name)}</h1>",
        f"<p>{len(results)} students · {len(graded)} graded · {len(results) - len(graded)} not "
        f"graded · {sum(1 for r in results if r.flags)} flagged · mean {mean:.2f} / "
        f"{assignment.max_score:g} · sandbox: {e(mode)}</p>",
        *[f"<p class='warn'>⚠ {e(w)}</p>" for w in grader.warnings],
        *_statuses(results, assignment.max_score),
        *_graded_sections(assignment, graded),
        *_students(results),
    ]
    parts += _similar(grader.similar_pairs) + _roster(grader.lms_lines)
    if grader.ingest_problems:
        parts += ["<h2>Problems in the submissions export</h2><ul>"]
        parts += [f"<li>{e(p)}</li>" for p in grader.ingest_problems] + ["</ul>"]
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")

"""The class report (report.html): distributions, pass rates, runtimes and flags.

One self-contained HTML file (figures embedded as PNG) for the instructor: the score
distribution, the pass rate of every test cell, the runtime of every submission, the
submissions that were flagged (edited tests, reference imports, monkeypatching, limits
hit, identical code ...), the students who could not be graded and why, and warnings
about the assignment itself.
"""

import base64
import html
import io

from .outputs import fmt


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


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}.warn{background:#fff8e1;padding:.5em}"
)


def _passing(graded, column):
    """The share, in %, of the graded students who passed the test cell ``column``."""
    passed = sum(
        1 for r in graded if column in r.questions and r.questions[column].status == "passed"
    )
    return 100 * passed / max(1, len(graded))


def _figures(assignment, graded):
    """The score distribution, the pass rate per test cell and the runtime per submission."""
    if not graded:
        return []
    columns = [assignment.column(nb, c) for nb, c in assignment.questions()]
    top = assignment.max_score

    def scores_plot(ax):
        bins = min(20, max(5, int(top) + 1))
        ax.hist(
            [r.score for r in graded], bins=bins, range=(0, top), color="#1565c0", edgecolor="white"
        )
        ax.set(xlabel=f"score (of {top:g})", ylabel="students", title="Score distribution")

    def pass_plot(ax):
        ax.barh(range(len(columns)), [_passing(graded, c) for c in columns], color="#2e7d32")
        ax.set_yticks(range(len(columns)), columns, fontsize=8)
        ax.invert_yaxis()
        ax.set(
            xlim=(0, 100), xlabel="% of graded students passing", title="Pass rate per test cell"
        )

    def runtime_plot(ax):
        ordered = sorted(r.runtime for r in graded)
        ax.bar(range(len(ordered)), ordered, color="#6a1b9a")
        ax.set(
            xlabel="submissions, fastest to slowest",
            ylabel="seconds",
            title="Runtime per submission (sandbox start to end)",
        )

    height = max(2.5, 0.3 * len(columns) + 1)
    return [
        "<h2>Score distribution</h2>",
        _img(scores_plot, "Histogram of the students' total scores"),
        "<h2>Pass rate per test cell</h2>",
        _img(
            pass_plot,
            "Bar chart: the share of graded students passing each test cell",
            height=height,
        ),
        "<h2>Runtime per submission</h2>",
        _img(runtime_plot, "Bar chart: grading runtime of every submission"),
    ]


def _table(title, header, rows):
    """An HTML section: a heading and a table, or "None." when there are no rows."""
    e = html.escape
    parts = [f"<h2>{e(title)} ({len(rows)})</h2>"]
    if not rows:
        return parts + ["<p>None.</p>"]
    parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
    parts += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    return parts + ["</table>"]


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
    mode = grader.sandbox.mode if grader.sandbox else "?"
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Grading report: {e(assignment.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Grading report: {e(assignment.name)}</h1>",
        f"<p>{len(results)} students · {len(graded)} graded · {len(results) - len(graded)} not "
        f"graded · {sum(1 for r in results if r.flags)} flagged · mean {mean:.2f} / "
        f"{assignment.max_score:g} · sandbox: {e(mode)}</p>",
        *[f"<p class='warn'>⚠ {e(w)}</p>" for w in grader.warnings],
        *_figures(assignment, graded),
        *_students(results),
    ]
    if grader.ingest_problems:
        parts += ["<h2>Problems in the submissions export</h2><ul>"]
        parts += [f"<li>{e(p)}</li>" for p in grader.ingest_problems] + ["</ul>"]
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")

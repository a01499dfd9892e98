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


def write_report(path, grader, results):
    e = html.escape
    assignment = grader.assignment
    graded = [r for r in results if r.graded]
    scores = [r.score for r in graded]
    columns = [(assignment.column(nb, c), c) for nb, c in assignment.questions()]
    max_score = assignment.max_score

    def scores_plot(ax):
        bins = min(20, max(5, int(max_score) + 1))
        ax.hist(scores, bins=bins, range=(0, max_score), color="#1565c0", edgecolor="white")
        ax.set_xlabel(f"score (of {max_score:g})")
        ax.set_ylabel("students")
        ax.set_title("Score distribution")

    def pass_plot(ax):
        names = [c for c, _ in columns]
        rates = [
            100
            * sum(1 for r in graded if c in r.questions and r.questions[c].status == "passed")
            / max(1, len(graded))
            for c in names
        ]
        ax.barh(range(len(names)), rates, color="#2e7d32")
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of graded students passing")
        ax.set_title("Pass rate per test cell")

    def runtime_plot(ax):
        ordered = sorted(graded, key=lambda r: r.runtime)
        ax.bar(range(len(ordered)), [r.runtime for r in ordered], color="#6a1b9a")
        ax.set_xlabel("submissions, fastest to slowest")
        ax.set_ylabel("seconds")
        ax.set_title("Runtime per submission (sandbox start to end)")

    figures = []
    if graded:
        figures.append("<h2>Score distribution</h2>")
        figures.append(_img(scores_plot, "Histogram of the students' total scores"))
        figures.append("<h2>Pass rate per test cell</h2>")
        figures.append(
            _img(
                pass_plot,
                "Bar chart: the share of graded students passing each test cell",
                height=max(2.5, 0.3 * len(columns) + 1),
            )
        )
        figures.append("<h2>Runtime per submission</h2>")
        figures.append(_img(runtime_plot, "Bar chart: grading runtime of every submission"))
    mean = sum(scores) / len(scores) if scores else 0.0
    flagged = [r for r in results if r.flags]
    not_graded = [r for r in results if not r.graded]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Grading report: {e(assignment.name)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;"
        "padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.3em .6em;text-align:left;vertical-align:top}.warn{background:#fff8e1;"
        "padding:.5em}</style></head><body>",
        f"<h1>Grading report: {e(assignment.name)}</h1>",
        f"<p>{len(results)} students · {len(graded)} graded · {len(not_graded)} not graded · "
        f"{len(flagged)} flagged · mean {mean:.2f} / {max_score:g} · sandbox: "
        f"{e(grader.sandbox.mode if grader.sandbox else '?')}</p>",
    ]
    for warning in grader.warnings:
        parts.append(f"<p class='warn'>⚠ {e(warning)}</p>")
    parts += figures
    parts.append(f"<h2>Flagged submissions ({len(flagged)})</h2>")
    if flagged:
        parts.append("<table><tr><th>student</th><th>score</th><th>flags</th></tr>")
        for r in flagged:
            score = fmt(r.score) if r.graded else "–"
            items = "".join(f"<li>{e(f)}</li>" for f in r.flags)
            parts.append(
                f"<tr><td>{e(r.student)}</td><td>{score}</td><td><ul>{items}</ul></td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    groups = {}
    for r in results:
        if r.identical_to:
            groups.setdefault(r.fingerprint, set()).add(r.student)
    if groups:
        parts.append("<h2>Identical answer code</h2><ul>")
        for members in sorted(sorted(g) for g in groups.values()):
            parts.append(f"<li>{e(', '.join(members))}</li>")
        parts.append("</ul>")
    parts.append(f"<h2>Not graded ({len(not_graded)})</h2>")
    if not_graded:
        parts.append("<table><tr><th>student</th><th>reason</th></tr>")
        for r in not_graded:
            parts.append(f"<tr><td>{e(r.student)}</td><td>{e(r.reason or '')}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    if grader.ingest_problems:
        parts.append("<h2>Problems in the submissions export</h2><ul>")
        parts += [f"<li>{e(p)}</li>" for p in grader.ingest_problems]
        parts.append("</ul>")
    parts.append(
        "<h2>All students</h2><table><tr><th>student</th><th>score</th>"
        "<th>runtime (s)</th><th>sandbox</th><th>notes</th></tr>"
    )
    for r in results:
        score = fmt(r.score) if r.graded else "–"
        notes = "; ".join(r.notes) if r.graded else (r.reason or "")
        sandbox = "bubblewrap" if r.sandbox == "bwrap" else "NONE: ran without isolation"
        parts.append(
            f"<tr><td>{e(r.student)}</td><td>{score}</td>"
            f"<td>{r.runtime:.2f}</td><td>{e(sandbox)}</td><td>{e(notes)}</td></tr>"
        )
    parts.append("</table></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")

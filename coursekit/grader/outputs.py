"""What grading leaves in the output folder: grades.csv, the nbgrader gradebook, feedback.

- ``grades.csv``: one row per student, sorted by student, every student present: the
  points of each autograded test cell, the total, and either a reason (not graded) or
  notes. Nothing in it depends on timing, so two runs on the same input give the same file.
- ``gradebook.db``: an nbgrader gradebook with the assignment, its cells and every
  student's autograded scores; written next to an ``nbgrader_config.py`` so that
  ``cd OUT && nbgrader export`` works (it writes ``nbgrader_grades.csv``). Cells graded by
  hand stay open for ``nbgrader formgrader``.
- ``autograded/<student>/<assignment>/<notebook>.ipynb``: the notebook as it was graded
  (the student's answers, the instructor's tests, the outputs of the sandboxed run), with
  nbgrader's cell metadata, and each failed test showing the message the check produced
  outside the sandbox. With the gradebook this is what nbgrader's own tools read:
  ``cd OUT && nbgrader formgrader`` to grade the written answers by hand, and
  ``cd OUT && nbgrader generate_feedback ASSIGNMENT`` for nbgrader's feedback pages (in
  ``nbgrader_feedback/``).
- ``feedback/<student>/<assignment>/<notebook>.html``: per student, the same information
  nbgrader's feedback shows (score per question and in total, the notebook with outputs)
  plus, for each failed test, the message the check produced outside the sandbox.
"""

import csv
import html
import os
import sys
import warnings
from pathlib import Path

from .assignment import MANUAL

CONFIG = '''"""nbgrader settings for the grader's output folder: `nbgrader export` reads it.

Written by `coursekit grade`; the export goes to nbgrader_grades.csv so that it does not
overwrite coursekit's grades.csv.
"""

c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.CourseDirectory.feedback_directory = "nbgrader_feedback"
c.CsvExportPlugin.to = "nbgrader_grades.csv"
'''


FAILED_CELL = ("error", "timeout", "stopped", "exit", "died")
"""How a code cell that did not end well ended (runner.CellStatus values)."""


def fmt(x):
    return f"{x:g}" if isinstance(x, (int, float)) else ""


def write_grades_csv(path, assignment, results):
    columns = [assignment.column(nb, cell) for nb, cell in assignment.questions()]
    rows = sorted(results, key=lambda r: r.student)
    tmp = Path(path).with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            [
                "student",
                "lms_id",
                *columns,
                "total",
                "max_score",
                "status",
                "reason",
                "flags",
                "sandbox",
            ]
        )
        for r in rows:
            graded = r.graded
            scores = [
                fmt(r.questions[c].points) if graded and c in r.questions else "" for c in columns
            ]
            reason = r.reason if not graded else "; ".join(_unique(r.notes))
            writer.writerow(
                [
                    _one_line(r.student),
                    r.lms_id,
                    *scores,
                    fmt(r.score) if graded else "",
                    fmt(assignment.max_score),
                    r.status,
                    _one_line(reason or ""),
                    _one_line("; ".join(r.flags)),
                    r.sandbox,
                ]
            )
    tmp.replace(path)


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _one_line(text):
    """One line of at most 1000 characters that a spreadsheet will not run as a formula."""
    text = " ".join(str(text).split())[:1000]
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _alembic_head():
    """nbgrader's newest gradebook schema revision, read from its migration files.

    nbgrader asks the ``alembic`` command for it when it creates a gradebook, which takes
    seconds; the files say the same thing. None when they cannot be read.
    """
    import re

    import nbgrader

    revisions, parents = set(), set()
    for path in (Path(nbgrader.__file__).parent / "alembic" / "versions").glob("*.py"):
        text = path.read_text()
        rev = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"](\w+)['\"]", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _open_gradebook(Gradebook, db):
    import nbgrader.api
    from sqlalchemy import text

    head = _alembic_head()
    original = nbgrader.api.get_alembic_version
    if head is not None:
        nbgrader.api.get_alembic_version = lambda: head
    try:
        gb = Gradebook(f"sqlite:///{db}")
    finally:
        nbgrader.api.get_alembic_version = original
    gb.db.execute(text("PRAGMA synchronous = OFF"))  # written from scratch on every run
    return gb


def write_gradebook(out, assignment, results):
    """Write OUT/gradebook.db (from scratch) and OUT/nbgrader_config.py."""
    from nbgrader.api import Gradebook

    # nbgrader runs `alembic` from PATH when it opens a gradebook: use this environment's.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    out = Path(out).resolve()
    db = out / "gradebook.db"
    for p in (db, out / "gradebook.db-journal"):
        if p.exists():
            p.unlink()
    (out / "nbgrader_config.py").write_text(CONFIG.format(root=str(out)))
    name = assignment.name
    gb = _open_gradebook(Gradebook, db)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings on add_submission
            gb.update_or_create_assignment(name)
            for nb in assignment.notebooks:
                gb.update_or_create_notebook(nb.name, name)
                for cell in nb.cells:
                    if cell.grade_id is None:
                        continue
                    if cell.role in ("test", MANUAL):
                        gb.update_or_create_grade_cell(
                            cell.grade_id,
                            nb.name,
                            name,
                            max_score=cell.points,
                            cell_type=cell.cell_type,
                        )
                    if cell.role in ("answer", MANUAL):
                        gb.update_or_create_solution_cell(cell.grade_id, nb.name, name)
                    gb.update_or_create_source_cell(
                        cell.grade_id,
                        nb.name,
                        name,
                        cell_type=cell.cell_type,
                        locked=cell.role not in ("answer", MANUAL),
                        source=cell.release,
                    )
            for r in sorted(results, key=lambda r: r.student):
                gb.update_or_create_student(r.student, lms_user_id=r.lms_id or None)
                if not r.graded:
                    continue
                gb.add_submission(name, r.student)
                for nb in assignment.notebooks:
                    for cell in nb.tests:
                        q = r.questions.get(assignment.column(nb, cell))
                        grade = gb.find_grade(cell.grade_id, nb.name, name, r.student)
                        grade.auto_score = q.points if q else 0.0
                        grade.needs_manual_grade = False
                    for cell in nb.manual:
                        grade = gb.find_grade(cell.grade_id, nb.name, name, r.student)
                        grade.needs_manual_grade = True
                gb.db.commit()
    finally:
        gb.close()


# --- autograded notebooks ---------------------------------------------------------------


def _nbgrader_metadata(cell):
    """The nbgrader cell metadata of a source cell, as nbgrader's release carries it."""
    if cell is None or cell.grade_id is None:
        return {}
    grade = cell.role in ("test", MANUAL)
    meta = {
        "grade": grade,
        "grade_id": cell.grade_id,
        "locked": cell.role not in ("answer", MANUAL),
        "schema_version": 3,
        "solution": cell.role in ("answer", MANUAL),
    }
    if grade:
        meta["points"] = cell.points
    return {"nbgrader": meta}


def _outputs(entry, question):
    """The outputs of one graded cell.

    A failed test cell shows only the verdict reached outside the sandbox: what it printed
    came from a run in which the checks were recorded, not decided, so a line such as
    "correct" after a check would mislead.
    """
    if question is not None and question.status != "passed":
        ename = f"test {question.status}"
        evalue = question.message
        return [_error(ename, evalue)]
    outputs = []
    for name in ("stdout", "stderr"):
        if getattr(entry, name):
            outputs.append({"output_type": "stream", "name": name, "text": getattr(entry, name)})
    if entry.result:
        outputs.append(
            {
                "output_type": "execute_result",
                "execution_count": None,
                "data": {"text/plain": entry.result},
                "metadata": {},
            }
        )
    if entry.status in FAILED_CELL:
        ename = entry.ename or entry.status
        outputs.append(_error(ename, entry.evalue or ""))
    return outputs


def _error(ename, evalue):
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": [f"{ename}: {evalue}"],
    }


def autograded_notebook(assignment, nb, result):
    """The graded notebook of one student as an nbformat 4 dict."""
    import nbformat

    by_key = {c.key: c for c in nb.cells}
    entry = result.notebooks.get(nb.name)
    cells = []
    for i, cell in enumerate(entry.cells if entry else []):
        source_cell = by_key.get(cell.key) if cell.origin != "extra" else None
        common = {
            "id": f"c{i}",
            "metadata": _nbgrader_metadata(source_cell),
            "source": cell.source,
        }
        if cell.cell_type == "code":
            q = None
            if cell.role == "test" and source_cell is not None:
                q = result.questions.get(assignment.column(nb, source_cell))
            outputs = [nbformat.from_dict(o) for o in _outputs(cell, q)]
            cells.append(nbformat.v4.new_code_cell(**common, outputs=outputs))
        elif cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(**common))
        else:
            cells.append(nbformat.v4.new_raw_cell(**common))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook


def write_autograded(out, assignment, results):
    import nbformat

    for r in results:
        if not r.graded:
            continue
        folder = Path(out) / "autograded" / r.student / assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        for nb in assignment.notebooks:
            if r.notebooks.get(nb.name) and r.notebooks[nb.name].cells:
                nbformat.write(autograded_notebook(assignment, nb, r), folder / f"{nb.name}.ipynb")


# --- feedback ---------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.cell{margin:1em 0;border-left:4px solid #ddd;padding-left:.8em}
.passed{border-color:#2e7d32}.failed,.error,.timeout,.not-run{border-color:#c62828}
.msg{background:#fff3f3;border:1px solid #f2c0c0}.out{background:#fff}
.tag{font-size:.85em;color:#555}
"""


def _markdown(text):
    try:
        import mistune

        return mistune.create_markdown(escape=True)(text)  # raw HTML in student text is escaped
    except Exception:  # noqa: BLE001 - fall back to plain text
        return f"<pre>{html.escape(text)}</pre>"


def feedback_html(assignment, nb, result):
    e = html.escape
    entry = result.notebooks.get(nb.name)
    questions = result.questions
    by_key = {c.key: c for c in nb.cells}
    rows = []
    for cell in nb.tests:
        q = questions.get(assignment.column(nb, cell))
        if q is None:
            continue
        rows.append(
            f"<tr><td>{e(cell.key)}</td><td>{fmt(q.points)} / {fmt(q.max_points)}</td>"
            f"<td>{e(q.status)}</td></tr>"
        )
    manual = entry.manual if entry else []
    manual_rows = "".join(
        f"<tr><td>{e(key)}</td><td>– / {fmt(points)}</td><td>graded by hand</td></tr>"
        for key, points in manual
    )
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(assignment.name)}: {e(nb.name)} – {e(result.student)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(nb.name)}</h1><p>Student: <b>{e(result.student)}</b> · Assignment: "
        f"{e(assignment.name)}</p>",
    ]
    if not result.graded:
        parts.append(f"<p class='msg'>Not graded: {e(result.reason or '')}</p>")
    else:
        mine = [questions.get(assignment.column(nb, c)) for c in nb.tests]
        total = sum(q.points for q in mine if q)
        parts.append(f"<p>Score: <b>{fmt(total)} / {fmt(nb.max_score)}</b> (autograded)</p>")
    parts.append("<table><tr><th>Test</th><th>Points</th><th>Result</th></tr>")
    parts += rows
    parts.append(manual_rows + "</table>")
    if result.notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in _unique(result.notes)) + "</ul>")
    for cell in entry.cells if entry else []:
        spec = by_key.get(cell.key) if cell.role == "test" else None
        q = questions.get(assignment.column(nb, spec)) if spec else None
        status = (q.status if q else cell.status or "") or ""
        klass = status.replace(" ", "-") if q else ""
        parts.append(f"<div class='cell {klass}'>")
        if cell.cell_type != "code":
            parts.append(_markdown(cell.source))
            parts.append("</div>")
            continue
        label = {"answer": "your answer", "extra": "a cell you added", "test": "test"}.get(
            cell.role, ""
        )
        if q:
            label += f" · {fmt(q.points)} / {fmt(q.max_points)} points · {q.status}"
        parts.append(f"<div class='tag'>{e(label)}</div><pre>{e(cell.source)}</pre>")
        failed = q is not None and q.status != "passed"
        for key in ("stdout", "result", "stderr"):
            if getattr(cell, key) and not failed:  # see _outputs
                parts.append(f"<pre class='out'>{e(str(getattr(cell, key))[:5000])}</pre>")
        if cell.status in FAILED_CELL and not q:
            error = f"{cell.ename or cell.status}: {cell.evalue or ''}"
            parts.append(f"<pre class='msg'>{e(error)}</pre>")
        if q and q.status != "passed":
            parts.append(f"<pre class='msg'>{e(q.message)}</pre>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_feedback(out, assignment, results):
    for r in results:
        folder = Path(out) / "feedback" / r.student / assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        for nb in assignment.notebooks:
            (folder / f"{nb.name}.html").write_text(
                feedback_html(assignment, nb, r), encoding="utf-8"
            )


def load_results(folder):
    """Every StudentResult kept in ``folder`` (results/), by file name."""
    from .results import read

    return [r for r in (read(p) for p in sorted(Path(folder).glob("*.json"))) if r is not None]

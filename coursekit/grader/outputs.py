"""What grading leaves in the output folder: grades.csv, the nbgrader gradebook, notebooks.

- ``grades.csv``: one row per student, sorted by student, every student present: the
  points of each autograded test cell, the total, and either a reason (not graded) or
  notes. Nothing in it depends on timing, so two runs on the same input give the same file.
- ``gradebook.db``: an nbgrader gradebook with the assignment, its cells and every
  student's autograded scores; written next to an ``nbgrader_config.py`` so that
  ``cd OUT && nbgrader export`` works (it writes ``nbgrader_grades.csv``). Cells graded by
  hand stay open for ``nbgrader formgrader``.
- ``autograded/<student>/<assignment>/<notebook>.ipynb``: the notebook as it was graded
  (the student's answers, the outputs of the sandboxed run), with nbgrader's cell
  metadata, and each failed test showing the message the check produced outside the
  sandbox. nbgrader's feedback page shows this file to the student, so the instructor's
  cells hold their release source, as the student got them (no hidden test, no expected
  value), and a hidden test cell keeps no output but its verdict (the rules are those
  of :mod:`.feedback`). With the gradebook this is what nbgrader's own tools read:
  ``cd OUT && nbgrader formgrader`` to grade the written answers by hand, and
  ``cd OUT && nbgrader generate_feedback ASSIGNMENT`` for nbgrader's feedback pages (in
  ``nbgrader_feedback/``).
- ``feedback/<student>/<assignment>/<notebook>.html``: coursekit's own feedback pages,
  written by :func:`.feedback.write_feedback` (re-exported here as ``write_feedback``).
"""

import csv
import os
import subprocess
import sys
import warnings
from pathlib import Path

from .assignment import MANUAL
from .feedback import FAILED_CELL, is_hidden, shown_message, shown_source
from .feedback import write_feedback as write_feedback  # grade.py calls outputs.write_feedback

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


def unignored_in_git(folder):
    """The git work tree that would take ``folder`` in with ``git add .``, or None.

    None when ``folder`` is outside every git work tree, when git ignores it, or when
    git is not installed. ``folder`` must exist.
    """
    folder = Path(folder).resolve()
    try:
        top = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if top.returncode != 0:
            return None
        ignored = subprocess.run(
            ["git", "-C", top.stdout.strip(), "check-ignore", "-q", str(folder)], timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return None if ignored.returncode == 0 else Path(top.stdout.strip())


def fmt(x):
    """A number as grades.csv writes it (3, 2.5); anything else as empty."""
    return f"{x:g}" if isinstance(x, (int, float)) else ""


def write_grades_csv(path, assignment, results):
    """Write grades.csv: one row per student, sorted, with the points of every test cell.

    Parameters
    ----------
    path : Path
    assignment : Assignment
    results : list of StudentResult
    """
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


def _outputs(entry, cell, question):
    """The outputs of one graded code cell (``cell`` is its SourceCell, or None).

    A failed test cell shows only the verdict reached outside the sandbox: what it printed
    came from a run in which the checks were recorded, not decided, so a line such as
    "correct" after a check would mislead. A hidden test cell shows nothing else either:
    what its code printed is no more the student's to see than the code itself.
    """
    if question is not None and question.status != "passed":
        return [_error(f"test {question.status}", shown_message(cell, question))]
    if is_hidden(cell):
        return []
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
    """The graded notebook of one student as an nbformat 4 dict.

    Parameters
    ----------
    assignment : Assignment
    nb : NotebookSpec
    result : StudentResult

    Returns
    -------
    nbformat.NotebookNode
        The cells as they ran, the instructor's with their release source (see
        :func:`.feedback.shown_source`), with nbgrader's metadata and the graded outputs.
    """
    import nbformat

    by_key = {c.key: c for c in nb.cells}
    entry = result.notebooks.get(nb.name)
    cells = []
    for i, cell in enumerate(entry.cells if entry else []):
        source_cell = by_key.get(cell.key) if cell.origin != "extra" else None
        common = {
            "id": f"c{i}",
            "metadata": _nbgrader_metadata(source_cell),
            "source": shown_source(cell, source_cell),
        }
        if cell.cell_type == "code":
            q = None
            if cell.role == "test" and source_cell is not None:
                q = result.questions.get(assignment.column(nb, source_cell))
            outputs = [nbformat.from_dict(o) for o in _outputs(cell, source_cell, q)]
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
    """Write OUT/autograded/<student>/<assignment>/<notebook>.ipynb for every graded student."""
    import nbformat

    for r in results:
        if not r.graded:
            continue
        folder = Path(out) / "autograded" / r.student / assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        for nb in assignment.notebooks:
            if r.notebooks.get(nb.name) and r.notebooks[nb.name].cells:
                nbformat.write(autograded_notebook(assignment, nb, r), folder / f"{nb.name}.ipynb")


def load_results(folder):
    """Every StudentResult kept in ``folder`` (results/), by file name."""
    from .results import read

    return [r for r in (read(p) for p in sorted(Path(folder).glob("*.json"))) if r is not None]

"""Grade one submission: rebuild each notebook, run it in the sandbox, score it outside.

:func:`grade_submission` is all a worker does for a student, whether it runs in a thread of
``coursekit grade`` or elsewhere: it reads the submission's files, and returns a
:class:`.results.StudentResult`. The decisions that are not a test cell's own are made here,
from what the run recorded:

- a notebook that imports a module its assignment forbids is flagged, and scores zero when
  the assignment's rule says "zero";
- a notebook whose run forged a message on the grader's channel, or in which another
  process wrote to it, scores zero and is flagged;
- a process still running after the run is flagged (it should never happen).
"""

import time
from dataclasses import dataclass
from pathlib import Path

from . import compare, fingerprint, scan
from .assignment import MANUAL, read_json_notebook
from .compare import Question, Verdict
from .rebuild import rebuild
from .results import CellResult, NotebookResult, Status, StudentResult
from .runner import STOPS_EARLY, CellStatus, RunStatus, run_program


@dataclass
class GradedNotebook:
    """One notebook's questions, the rebuilt program, the run, and its flags."""

    questions: list
    rebuilt: object
    run: object
    flags: list


def grade_notebook(prepared, nb, notebook):
    """Rebuild ``notebook`` (a dict) as ``nb``, run it in the sandbox and score it."""
    rebuilt = rebuild(nb, notebook)
    run = run_program(rebuilt.program(), prepared.sandbox, prepared.limits)
    questions, bad = compare.score_notebook(nb, run, prepared.reference[nb.name])
    flags = list(rebuilt.flags) + scan.scan(rebuilt.student_code()) + _run_flags(run, prepared)
    if bad:
        flags.append(f"{bad} malformed check record(s) ignored")
    zero = _zero_reason(nb, run)
    if zero:
        flags.append(zero)
        questions = [
            Question(q.key, 0.0, q.max_points, Verdict.FAILED, zero) if q.points else q
            for q in questions
        ]
    return GradedNotebook(questions, rebuilt, run, flags)


def _zero_reason(nb, run):
    """Why the whole notebook scores zero, or None."""
    if run.status == RunStatus.TAMPERED:
        return f"scores zero: {run.reason}"
    if run.intruders:
        return (
            f"scores zero: {run.intruders} message(s) on the grader's channel came from a "
            "process the notebook started, not from the notebook itself"
        )
    forbidden = sorted(set(run.imports) & set(nb.forbidden_imports))
    if forbidden and nb.on_forbidden_import == "zero":
        return f"scores zero: imports {', '.join(forbidden)}, which this assignment forbids"
    return None


def _run_flags(run, prepared):
    limits, flags = prepared.limits, []
    if run.imports:
        flags.append(
            f"imports {', '.join(sorted(set(run.imports)))} (a library the task rules out)"
        )
    if run.records_truncated:
        flags.append("the check records exceeded the size limit")
    if run.reason and run.status in STOPS_EARLY:
        flags.append(f"run stopped early: {run.reason}")
    if run.memory_exceeded:
        flags.append(f"hit the memory limit ({limits.memory_mb} MiB)")
    if run.process_limit_hit:
        flags.append(f"hit the process limit ({limits.processes})")
    if run.left_running:
        flags.append(f"{run.left_running} process(es) still ran after the notebook was stopped")
    timeouts = [c.id for c in run.cells if c.status == CellStatus.TIMEOUT]
    if timeouts:
        flags.append(f"cell(s) timed out: {', '.join(timeouts)}")
    return flags


def grade_submission(prepared, sub, input_hash):
    """Grade ``sub`` (an :class:`.ingest.Submission`); return its StudentResult."""
    started = time.monotonic()
    assignment = prepared.assignment
    result = StudentResult(
        student=sub.student,
        lms_id=sub.lms_id,
        origin=list(sub.origin),
        input_hash=input_hash,
        status=Status.NOT_GRADED if sub.reason else Status.GRADED,
        reason=sub.reason,
        notes=list(sub.notes),
        max_score=assignment.max_score,
        sandbox=prepared.mode,
    )
    graded_any = False
    for nb in assignment.notebooks:
        graded_any |= _grade_file(prepared, nb, sub.files.get(nb.name), result)
    if graded_any and result.graded:
        result.score = sum(q.points for q in result.questions.values())
    elif not graded_any:
        result.status = Status.NOT_GRADED
        result.reason = result.reason or "nothing could be graded"
    fps = [nb.fingerprint for nb in result.notebooks.values()]
    result.fingerprint = "+".join(fp for fp in fps if fp) or None
    result.flags = sorted(set(result.flags))
    result.grading_seconds = time.monotonic() - started
    return result


def _grade_file(prepared, nb, path, result):
    """Grade one notebook file into ``result``; True if it ran."""
    assignment = prepared.assignment
    entry = result.notebooks[nb.name] = NotebookResult(file=Path(path).name if path else None)
    if path is None:
        if result.graded:
            for cell in nb.tests:
                missing = Question(cell.key, 0.0, cell.points, Verdict.NOT_RUN, "notebook missing")
                result.questions[assignment.column(nb, cell)] = missing
        return False
    try:
        notebook = read_json_notebook(path)
    except (ValueError, OSError) as err:
        problem = f"{Path(path).name}: {err}"
        if len(assignment.notebooks) == 1:
            result.status, result.reason = Status.NOT_GRADED, problem
        else:
            result.notes.append(problem)
        return False
    kernel = _kernel_note(notebook)
    if kernel:
        result.notes.append(kernel)
    graded = grade_notebook(prepared, nb, notebook)
    for q in graded.questions:
        result.questions[assignment.column(nb, _cell(nb, q.key))] = q
    prefix = f"{nb.name}: " if len(assignment.notebooks) > 1 else ""
    result.flags += [prefix + f for f in graded.flags]
    result.notes += graded.rebuilt.notes
    if graded.run.reason:
        result.notes.append(graded.run.reason)
    entry.cells = _cell_results(graded.rebuilt, graded.run)
    entry.run = graded.run.to_dict() | {"cells": None}
    entry.manual = [[c.key, c.points] for c in nb.cells if c.role == MANUAL]
    entry.fingerprint = fingerprint.answer_fingerprint(graded.rebuilt, nb)
    result.runtime += graded.run.wall_seconds
    result.cell_seconds += graded.run.cell_seconds
    return True


def _cell(nb, key):
    return next(c for c in nb.cells if c.key == key)


def _kernel_note(notebook):
    """A note when the notebook asks for a kernel that is not Python 3."""
    meta = notebook.get("metadata")
    spec = meta.get("kernelspec") if isinstance(meta, dict) else None
    if not isinstance(spec, dict):
        return None
    name, language = str(spec.get("name", ""))[:40], str(spec.get("language", "python"))[:40]
    pythonic = name.lower().startswith(("python", "ipykernel", "conda"))
    if language.lower() != "python" or not pythonic:
        return f"kernelspec {name!r} ({language}) ignored: graded with Python 3"
    return None


def _cell_results(rebuilt, run):
    by_key = {c.id: c for c in run.cells}
    cells = []
    for cell in rebuilt.cells:
        entry = CellResult(cell.key, cell.cell_type, cell.role, cell.origin, cell.source[:20_000])
        ran = by_key.get(cell.key)
        if ran is not None:
            for name in ("status", "seconds", "stdout", "stderr", "result", "ename", "evalue"):
                setattr(entry, name, getattr(ran, name))
            entry.traceback = ran.traceback
        cells.append(entry)
    return cells

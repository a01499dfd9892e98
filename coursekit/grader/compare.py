"""Decide the scores outside the sandbox, from the check records.

A test cell earns its points iff it ran to its end without an error (as in nbgrader) and,
for every check the *reference* run recorded in that cell (same order, kind and name), the
student's run recorded a matching check whose value passes
:func:`coursekit.checks.evaluate` against the reference record. A record counts for the
cell that was running when the grader received it (see ``runner._tagged``). The values
are decoded with :func:`coursekit.checks.decode_value` (JSON and raw numeric bytes: no
pickle, sizes bounded), so nothing the student's process did, printed or patched takes
part in the decision. All or nothing per cell, like nbgrader.
"""

import json
from dataclasses import asdict, dataclass

from coursekit import checks

from .assignment import TEST

RECORD_LINE_LIMIT = 64 * 2**20


@dataclass
class Question:
    """The score of one test cell."""

    key: str
    points: float
    max_points: float
    status: str  # passed, failed, error, timeout, not run
    message: str = ""

    def to_dict(self):
        return asdict(self)


def decode_records(lines, with_args=False):
    """Decode raw JSON record lines into dicts grouped by cell, skipping malformed ones.

    Returns ``(by_cell, bad)`` where ``by_cell`` maps a cell key to its records in order
    (each with ``kind``, ``name``, ``actual`` and, for reference runs, ``args``).
    """
    by_cell, bad = {}, 0
    for line in lines:
        try:
            if len(line) > RECORD_LINE_LIMIT:
                raise checks.RecordError("record too long")
            raw = json.loads(line)
            if type(raw) is not dict or raw.get("v") != checks.RECORD_VERSION:
                raise checks.RecordError("unknown record version")
            record = {
                "cell": str(raw["cell"])[:200],
                "kind": str(raw["kind"])[:40],
                "name": str(raw["name"])[:500],
                "actual": checks.decode_value(raw["actual"]),
            }
            if with_args:
                args = raw.get("args", {})
                if type(args) is not dict:
                    raise checks.RecordError("malformed arguments")
                record["args"] = {str(k): checks.decode_value(v) for k, v in args.items()}
        except (ValueError, KeyError, TypeError, RecursionError, MemoryError):
            bad += 1
            continue
        by_cell.setdefault(record["cell"], []).append(record)
    return by_cell, bad


def _why_missing(run_cell, run_reason, name):
    if run_cell is None or run_cell.status == "not run":
        return f"not run: {run_reason or 'the notebook stopped before this cell'}"
    if run_cell.status == "timeout":
        return "the cell ran past its time limit"
    if run_cell.status == "died":
        return f"the notebook's process died in this cell: {run_reason or ''}".rstrip(": ")
    if run_cell.status == "exit":
        return "the notebook called sys.exit() in this cell"
    if run_cell.status == "error":
        return f"{run_cell.ename}: {run_cell.evalue}".strip()
    return f"the check of {name} did not run"


def score_cell(cell, references, student, run_cell, run_reason):
    """Score one test cell; ``references`` and ``student`` are that cell's decoded records."""
    if not references:
        # A test cell without coursekit.checks calls: nbgrader's rule (no error = pass),
        # which code in the student's process could fake; the report warns about it.
        ok = run_cell is not None and run_cell.status == "ok"
        return Question(
            cell.key,
            cell.points if ok else 0.0,
            cell.points,
            "passed" if ok else _status(run_cell),
            "" if ok else _why_missing(run_cell, run_reason, cell.key),
        )
    j = 0
    for ref in references:
        while j < len(student) and (
            student[j]["kind"] != ref["kind"] or student[j]["name"] != ref["name"]
        ):
            j += 1
        if j == len(student):
            return Question(
                cell.key,
                0.0,
                cell.points,
                _status(run_cell),
                _why_missing(run_cell, run_reason, ref["name"]),
            )
        passed, message = checks.evaluate(ref["kind"], student[j]["actual"], ref)
        if not passed:
            return Question(cell.key, 0.0, cell.points, "failed", message)
        j += 1
    if run_cell is None or run_cell.status != "ok":
        return Question(
            cell.key,
            0.0,
            cell.points,
            _status(run_cell),
            _why_missing(run_cell, run_reason, cell.key),
        )
    return Question(cell.key, cell.points, cell.points, "passed", "")


def _status(run_cell):
    if run_cell is None:
        return "not run"
    return {"ok": "failed", "error": "error", "timeout": "timeout"}.get(run_cell.status, "not run")


def score_notebook(spec, run, reference):
    """Questions for every test cell of ``spec`` from a student's ``run``.

    ``reference`` maps cell keys to the decoded reference records.
    """
    student, bad = decode_records(run.records)
    runs = {c.id: c for c in run.cells}
    questions = []
    for cell in spec.cells:
        if cell.role != TEST:
            continue
        questions.append(
            score_cell(
                cell,
                reference.get(cell.key, []),
                student.get(cell.key, []),
                runs.get(cell.key),
                run.reason,
            )
        )
    return questions, bad

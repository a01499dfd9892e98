"""Decide the scores outside the sandbox, from the check records.

A test cell earns its points iff it ran to its end without an error (as in nbgrader) and
the checks the student's run recorded in it are exactly those of the *reference* run (the
same number, in the same order, of the same kind and name), each passing
:func:`coursekit.checks.evaluate` against its reference record. A record counts for the
cell that was running when the grader received it (see ``runner``). The values are
decoded with :func:`coursekit.protocol.decode_value` (plain data: no pickle, sizes
bounded), so nothing the student's process did, printed or patched takes part in the
decision. All or nothing per cell, like nbgrader.
"""

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from coursekit import checks, protocol

from .assignment import TEST
from .runner import CellStatus


class Verdict(StrEnum):
    """The outcome of one test cell."""

    PASSED = "passed"  # every check passed and the cell ran to its end
    FAILED = "failed"  # a check failed
    ERROR = "error"  # the cell raised before its checks were all made
    TIMEOUT = "timeout"  # the cell, or the notebook, ran out of time in it
    NOT_RUN = "not run"  # the cell never ran (the notebook stopped, or is missing)


@dataclass
class Question:
    """The score of one test cell."""

    key: str
    points: float
    max_points: float
    status: Verdict
    message: str = ""
    mistakes: list = field(default_factory=list)  # the named mistakes its message gives

    def to_dict(self):
        """The question as plain data (for results/<student>.json)."""
        return asdict(self)


def decode_records(records, with_args=False):
    """Decode ``(cell, message)`` records into dicts grouped by cell, skipping bad ones.

    Returns ``(by_cell, bad)``: ``by_cell`` maps a cell key to its records in order (each
    with ``kind``, ``name``, ``actual`` and, for the reference run, ``args``).
    """
    by_cell, bad = {}, 0
    for cell, message in records:
        try:
            record = protocol.decode_record(message, with_args)
        except (protocol.RecordError, KeyError, TypeError, RecursionError, MemoryError):
            bad += 1
            continue
        by_cell.setdefault(str(cell), []).append(record)
    return by_cell, bad


_UNEXPECTED = (
    "the cell recorded a check of {got!r} where the test checks {ref!r}: a check made by "
    "your own code (or a forged record) does not count, and the cell earns nothing"
)
_STDERR = (
    "the cell wrote to stderr, which nbgrader counts as a failure (a warning from your "
    "code, for example): {first}"
)
_VERDICTS = {CellStatus.OK: Verdict.FAILED, CellStatus.ERROR: Verdict.ERROR}


def _verdict(run_cell):
    """The verdict of a cell that did not pass, from how it ended."""
    if run_cell is None:
        return Verdict.NOT_RUN
    if run_cell.status in (CellStatus.TIMEOUT, CellStatus.STOPPED):
        return Verdict.TIMEOUT
    return _VERDICTS.get(run_cell.status, Verdict.NOT_RUN)


def _why(run_cell, run_reason, name):
    """Why a cell earned nothing although no check failed."""
    status = run_cell.status if run_cell is not None else CellStatus.NOT_RUN
    reasons = {
        CellStatus.NOT_RUN: f"not run: {run_reason or 'the notebook stopped before this cell'}",
        CellStatus.TIMEOUT: "the cell ran past its time limit",
        CellStatus.STOPPED: f"the notebook ran out of time in this cell: {run_reason or ''}",
        CellStatus.DIED: f"the notebook's process died in this cell: {run_reason or ''}",
        CellStatus.EXIT: "the notebook called sys.exit() in this cell",
    }
    if status == CellStatus.ERROR:
        return f"{run_cell.ename}: {run_cell.evalue}".strip()
    return reasons.get(status, f"the check of {name} did not run").rstrip(": ")


def score_cell(cell, references, student, run_cell, run_reason):
    """Score one test cell; ``references`` and ``student`` are that cell's decoded records.

    As in nbgrader, a cell that passes but wrote to stderr (a warning, say) earns nothing.
    """
    question = _score_records(cell, references, student, run_cell, run_reason)
    if question.status == Verdict.PASSED and run_cell.stderr.strip():
        first = run_cell.stderr.strip().splitlines()[0][:300]
        return Question(cell.key, 0.0, cell.points, Verdict.ERROR, _STDERR.format(first=first))
    return question


def _score_records(cell, references, student, run_cell, run_reason):
    ran = run_cell is not None and run_cell.status == CellStatus.OK
    zero = Question(cell.key, 0.0, cell.points, _verdict(run_cell), "")
    if not references:
        # A test cell without coursekit.checks calls: nbgrader's rule (no error = pass),
        # which code in the student's process could fake; the report warns about it.
        if ran:
            return Question(cell.key, cell.points, cell.points, Verdict.PASSED)
        zero.message = _why(run_cell, run_reason, cell.key)
        return zero
    for i, ref in enumerate(references):
        if i >= len(student):
            zero.message = _why(run_cell, run_reason, ref["name"])
            return zero
        got = student[i]
        if (got["kind"], got["name"]) != (ref["kind"], ref["name"]):
            zero.status = Verdict.FAILED
            zero.message = _UNEXPECTED.format(got=got["name"], ref=ref["name"])
            return zero
        passed, message = checks.evaluate(ref["kind"], got["actual"], ref)
        if not passed:
            mistakes = checks.named_mistakes(message)
            return Question(cell.key, 0.0, cell.points, Verdict.FAILED, message, mistakes)
    if len(student) > len(references):
        zero.status = Verdict.FAILED
        zero.message = _UNEXPECTED.format(got=student[len(references)]["name"], ref="nothing more")
        return zero
    if not ran:
        zero.message = _why(run_cell, run_reason, cell.key)
        return zero
    return Question(cell.key, cell.points, cell.points, Verdict.PASSED)


def score_notebook(spec, run, reference):
    """Questions for every test cell of ``spec`` from a student's ``run``.

    Parameters
    ----------
    spec : NotebookSpec
    run : RunResult
        The student's run; its records are decoded here.
    reference : dict
        Cell key -> the decoded records of the reference run.

    Returns
    -------
    (list of Question, int)
        The questions in order, and how many records could not be decoded.
    """
    student, bad = decode_records(run.records)
    runs = {c.id: c for c in run.cells}
    questions = [
        score_cell(c, reference.get(c.key, []), student.get(c.key, []), runs.get(c.key), run.reason)
        for c in spec.cells
        if c.role == TEST
    ]
    return questions, bad

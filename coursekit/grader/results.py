"""What grading one student produces: a :class:`StudentResult`, kept as results/<student>.json.

Every output (grades.csv, the gradebook, feedback, the report) is written from these
alone, so a rerun that finds a student's result with the same input hash reuses it.
"""

import json
import os
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum

from .compare import Question, Verdict


class Status(StrEnum):
    """Whether a student has a score."""

    GRADED = "graded"  # a score, even 0, with flags and notes
    NOT_GRADED = "not graded"  # no score: the reason says why (nothing handed in, unreadable)


@dataclass
class CellResult:
    """One cell of the notebook as it ran, for the feedback (text from the sandbox)."""

    key: str
    cell_type: str
    role: str
    origin: str
    source: str
    status: str | None = None  # a runner.CellStatus for code cells that ran
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    result: str | None = None
    ename: str | None = None
    evalue: str | None = None
    traceback: str | None = None


@dataclass
class NotebookResult:
    """One notebook of a submission: its file, its cells as they ran, the run's summary."""

    file: str | None = None
    cells: list = field(default_factory=list)  # CellResult
    run: dict | None = None  # RunResult.to_dict() without the cells
    manual: list = field(default_factory=list)  # [key, points] of the cells graded by hand
    fingerprint: str | None = None


@dataclass
class StudentResult:
    """One student's grade: the points per test cell, or the reason there are none."""

    student: str
    lms_id: str = ""
    origin: list = field(default_factory=list)  # the names of the files in the export
    input_hash: str | None = None
    status: Status = Status.GRADED
    reason: str | None = None
    notes: list = field(default_factory=list)  # harmless, shown to the student
    flags: list = field(default_factory=list)  # for the instructor
    questions: dict = field(default_factory=dict)  # grades.csv column -> Question
    score: float = 0.0
    max_score: float = 0.0
    notebooks: dict = field(default_factory=dict)  # notebook name -> NotebookResult
    runtime: float = 0.0
    cell_seconds: float = 0.0
    grading_seconds: float = 0.0
    fingerprint: str | None = None
    identical_to: list = field(default_factory=list)
    sandbox: str = "bwrap"  # "bwrap", or "none" when the run had no isolation

    @property
    def graded(self):
        """Whether the student has a score."""
        return self.status == Status.GRADED

    def to_dict(self):
        """The result as plain data (for results/<student>.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The result written by :meth:`to_dict` (raises KeyError or TypeError if malformed)."""
        known = {f.name for f in fields(cls)}
        result = cls(**{k: v for k, v in data.items() if k in known})
        result.status = Status(result.status)
        result.questions = {
            c: Question(**{**q, "status": Verdict(q["status"])})
            for c, q in result.questions.items()
        }
        result.notebooks = {
            name: NotebookResult(**{**nb, "cells": [CellResult(**c) for c in nb["cells"]]})
            for name, nb in result.notebooks.items()
        }
        return result


def write(path, result):
    """Write ``result`` to ``path`` atomically (a crash leaves the old file or the new one)."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result.to_dict(), indent=1, sort_keys=True))
    os.replace(tmp, path)


def read(path):
    """The result in ``path``, or None when it is missing or unreadable."""
    try:
        return StudentResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None

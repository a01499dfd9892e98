"""Prepare an assignment for grading, once before any student (cached in ``OUT/.grader/``).

1. Check that every check call in the instructor's cells can be cut to (name, actual).
2. Choose the sandbox: bubblewrap, which must pass a self-test, or none when the
   instructor says ``--sandbox none``; nothing else, and never silently.
3. Build the coursekit the sandbox gets (:func:`.kit.build_kit`: the reference maths and
   the trusted expectations become stubs).
4. The *reference run*: the solutions notebook, trusted, outside the sandbox, recording
   every check's expected side (values, tolerances, mistakes, rules and their data).
5. Two self-checks in the sandbox: the solutions must score full marks (a test cell that
   needs the reference eagerly cannot work there) and the blank release nothing (a test
   that passes without the student's code is reported).
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from . import compare, cut
from .assignment import TEST
from .kit import build_kit
from .runner import RunStatus, run_program
from .sandbox import Cgroup, Limits, Sandbox, bwrap_path

NO_BWRAP = (
    "bubblewrap (bwrap) is missing or cannot create namespaces here, and without it a "
    "submission could read the solutions, write outside its folder and use the network. "
    "Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) "
    "and allow unprivileged user namespaces, or pass --sandbox none to grade trusted "
    "notebooks without isolation."
)


class GradingError(Exception):
    """The class cannot be graded (bad assignment, unreadable input, broken solution)."""


@dataclass
class Prepared:
    """What grading every student needs: the sandbox, the reference records, the warnings."""

    assignment: object
    sandbox: Sandbox
    limits: Limits
    reference: dict  # notebook name -> cell key -> decoded reference records
    warnings: list = field(default_factory=list)

    @property
    def mode(self):
        """ "bwrap" or "none"."""
        return self.sandbox.mode


def choose_sandbox(requested):
    """("bwrap", path) or ("none", None); raise GradingError when bubblewrap cannot run."""
    if requested == "none":
        return "none", None
    path = bwrap_path()
    if path is None:
        raise GradingError(NO_BWRAP)
    return "bwrap", path


def hidden_modules(assignment):
    """The folders of the modules a notebook forbids with "zero": not mounted in bwrap."""
    folders = []
    for nb in assignment.notebooks:
        if nb.on_forbidden_import != "zero":
            continue
        for name in nb.forbidden_imports:
            spec = find_spec(name)
            if spec is not None:
                folders += list(spec.submodule_search_locations or [spec.origin])
    return [Path(f) for f in folders if f]


def make_sandbox(assignment, state, mode, bwrap, protect):
    """The sandbox every student of ``assignment`` runs in."""
    import coursekit

    return Sandbox(
        kit=build_kit(state / "kit", Path(coursekit.__file__).parent),
        data_files=dict(assignment.data_files),
        # The real coursekit too: after a plain (not editable) install it lies in the
        # environment's site-packages, which the sandbox mounts.
        protect=[*protect, Path(coursekit.__file__).parent, *hidden_modules(assignment)],
        mode=mode,
        use_cgroup=Cgroup.cleanup_stale() or Cgroup.available(),
        mpl_cache=_matplotlib_cache(assignment, state),
        workdir_root=state / "tmp",
        bwrap=bwrap or "bwrap",
        watch=tuple(sorted({m for nb in assignment.notebooks for m in nb.forbidden_imports})),
    )


def _matplotlib_cache(assignment, state):
    """matplotlib's font cache, built once here, so that no sandbox spends seconds on it."""
    sources = " ".join(c.source for nb in assignment.notebooks for c in nb.cells)
    if "matplotlib" not in sources and "plotting" not in sources:
        return None
    target = state / "matplotlib"
    found = sorted(target.glob("fontlist-*.json"))
    if not found:
        target.mkdir(exist_ok=True)
        env = dict(os.environ, MPLCONFIGDIR=str(target), MPLBACKEND="Agg")
        command = [sys.executable, "-c", "import matplotlib.font_manager"]
        subprocess.run(command, env=env, capture_output=True, timeout=300)
        found = sorted(target.glob("fontlist-*.json"))
    return found[0] if found else None


def check_cuts(assignment):
    """Raise GradingError unless every check call of every cell can be cut."""
    for nb in assignment.notebooks:
        for cell in nb.cells:
            try:
                cut.without_expected(cell.source)
            except ValueError as err:
                raise GradingError(f"{nb.name}, cell {cell.key}: {err}") from None


def reference_records(assignment, nb, state, limits, force, log):
    """Run the solutions notebook ``nb`` trusted; return its decoded records by cell."""
    cache = state / f"reference-{assignment.fingerprint}-{nb.name}.jsonl"
    if cache.exists() and not force:
        records = [tuple(json.loads(line)) for line in cache.read_text().splitlines()]
    else:
        log(f"reference run of {nb.name} (solutions, trusted)")
        records = _reference_run(assignment, nb, state, limits)
        cache.write_text("".join(json.dumps(r) + "\n" for r in records))
    decoded, bad = compare.decode_records(records, with_args=True)
    if bad:
        raise GradingError(f"{bad} reference record(s) of {nb.name} could not be decoded")
    return decoded


def _reference_run(assignment, nb, state, limits):
    import coursekit

    trusted = Sandbox(
        kit=Path(coursekit.__file__).parent.parent,
        data_files=dict(assignment.data_files),
        mode="none",
        use_cgroup=False,
        extra_env={"COURSEKIT_RECORD_REFERENCE": "1"},
        workdir_root=state / "tmp",
    )
    program = [
        {"id": c.key, "source": c.source, "private": c.role == TEST}
        for c in nb.cells
        if c.cell_type == "code"
    ]
    generous = Limits(
        memory_mb=max(limits.memory_mb, 4096),
        cell_timeout=max(limits.cell_timeout, 300),
        notebook_timeout=max(limits.notebook_timeout, 1800),
        processes=256,
        records_mb=1024,
    )
    run = run_program(program, trusted, generous)
    broken = [c for c in run.cells if c.status != "ok"]
    tests = {c.key for c in nb.tests}
    if broken and (broken[0].id in tests or run.status != RunStatus.COMPLETED):
        cell = broken[0]
        raise GradingError(
            f"the solutions notebook {nb.name} fails in cell {cell.id}: "
            f"{cell.status} {cell.ename or ''}: {cell.evalue or run.reason or ''}".strip()
        )
    return run.records


def unchecked_warnings(assignment, reference):
    """Warnings for test cells that call no check (scored on 'ran without error')."""
    warnings = []
    for nb in assignment.notebooks:
        unchecked = [c.key for c in nb.tests if not reference[nb.name].get(c.key)]
        if unchecked:
            warnings.append(
                f"{nb.name}: test cell(s) {', '.join(unchecked)} call no coursekit.checks "
                "function: scored on 'ran without error', which student code can fake"
            )
    return warnings


def self_check(prepared, grade_notebook, cache):
    """Problems found by grading the solutions and the blank release in the sandbox.

    ``grade_notebook(prepared, nb, notebook)`` is the per-notebook step of
    :mod:`.student`; returns {"solution": [...], "blank": [...]} (cached in ``cache``).
    """
    if cache.exists():
        return json.loads(cache.read_text())
    problems = {"solution": [], "blank": []}
    for nb in prepared.assignment.notebooks:
        graded = grade_notebook(prepared, nb, notebook_from_cells(nb, lambda c: c.source))
        problems["solution"] += [
            f"{nb.name}:{q.key}: {q.message.splitlines()[0] if q.message else q.status}"
            for q in graded.questions
            if q.status != "passed"
        ]
        if graded.run.status == RunStatus.DIED and graded.run.output:
            tail = "\n    ".join(graded.run.output.strip().splitlines()[-8:])
            problems["solution"].append(f"{nb.name}: the sandbox printed:\n    {tail}")
        blank = grade_notebook(prepared, nb, notebook_from_cells(nb, lambda c: c.release))
        problems["blank"] += [f"{nb.name}:{q.key}" for q in blank.questions if q.points > 0]
    cache.write_text(json.dumps(problems))
    return problems


def judge_self_check(problems, warnings):
    """Add a warning for a blank that scores; raise GradingError for a solution that does not."""
    if problems["blank"]:
        warnings.append(
            "the blank release notebook scores points in "
            + ", ".join(problems["blank"])
            + ": these tests do not depend on the student's code"
        )
    if problems["solution"]:
        raise GradingError(
            "the solutions notebook does not score full marks in the sandbox, so students "
            "could not either (does a test cell call the reference implementation eagerly? "
            "see the rules for test cells on the book's page for instructors):\n  "
            + "\n  ".join(problems["solution"])
        )


def notebook_from_cells(nb, text):
    """A notebook dict with ``text(cell)`` as the source of each of ``nb``'s cells."""
    cells = []
    for c in nb.cells:
        meta = {"nbgrader": {"grade_id": c.grade_id}} if c.grade_id else {}
        cells.append({"cell_type": c.cell_type, "source": text(c), "metadata": meta})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}

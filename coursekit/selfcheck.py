"""``coursekit check NOTEBOOK.ipynb``: a student's self-check of an exercise notebook.

The notebook runs in a fresh Python process, every code cell in order, as "Restart and
run all" would; what the cells print is hidden and figures go to matplotlib's Agg
backend. Then one line per task says whether its visible tests passed, failed (with the
test's message) or were not attempted (the code still raises ``NotImplementedError``, or a
written answer still reads ``YOUR ANSWER HERE``), and a last line gives the points of the
visible tests that passed out of the assignment's total. The hidden tests are not in the
student's notebook: they run when the notebook is graded.

It needs only the student install (numpy, matplotlib, coursekit), no Jupyter, no nbgrader
and no network. The exit status is 0 when every visible test passed, 1 when one failed
or was not attempted, 2 when the notebook cannot be read.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

NOT_DONE = re.compile(r"^\s*raise NotImplementedError", re.M)
WRITTEN_NOT_DONE = "YOUR ANSWER HERE"
TASK_HEADING = re.compile(r"^#{1,3}\s+(Task \d+\b.*)$", re.M)
FRAMEWORKS = ("torch", "keras", "tensorflow")


class Outcome(StrEnum):
    """How a task's visible tests ended."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"
    BY_HAND = "graded by hand"


@dataclass
class Cell:
    """One cell of the notebook, with its nbgrader role."""

    index: int
    kind: str
    source: str
    grade_id: str = ""
    points: float = 0.0
    test: bool = False
    """An autograded test cell (visible, or the placeholder of a hidden one)."""
    answer: bool = False
    """A cell the student writes: code or a written answer."""

    @property
    def hidden(self):
        """A test cell with nothing to run in the student's notebook (hidden tests)."""
        code = [line for line in self.source.splitlines() if line.strip()]
        return self.test and all(line.lstrip().startswith("#") for line in code)


@dataclass
class Task:
    """A task of the notebook: its heading and the cells up to the next task."""

    title: str
    cells: list = field(default_factory=list)


@dataclass
class TaskResult:
    """What the check found for one task."""

    title: str
    outcome: Outcome
    message: str = ""
    visible_points: float = 0.0
    passed_points: float = 0.0


def read_cells(path):
    """The notebook's cells as :class:`Cell`, from its JSON (nbformat 4)."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for index, raw in enumerate(notebook["cells"]):
        source = raw["source"] if isinstance(raw["source"], str) else "".join(raw["source"])
        meta = raw.get("metadata", {}).get("nbgrader", {})
        cells.append(
            Cell(
                index=index,
                kind=raw["cell_type"],
                source=source,
                grade_id=meta.get("grade_id", ""),
                points=float(meta.get("points", 0) or 0),
                test=bool(meta.get("grade")) and not meta.get("solution"),
                answer=bool(meta.get("solution")),
            )
        )
    return cells


def split_tasks(cells):
    """The cells grouped by the "Task N" headings of the markdown cells before them."""
    tasks = []
    for cell in cells:
        match = TASK_HEADING.search(cell.source) if cell.kind == "markdown" else None
        if match:
            tasks.append(Task(match.group(1).strip()))
        elif tasks:
            tasks[-1].cells.append(cell)
    return tasks


def run_cells(sources):
    """Run code cell sources in order in one namespace; return ``[(error type, message)]``.

    The type is "" for a cell that ran. This is the child process's side: it hides what
    the cells print, as the grader does, and keeps going after a failing cell, as
    nbgrader's ``validate`` does.
    """
    namespace = {"__name__": "__main__"}
    outcomes = []
    with open(os.devnull, "w") as quiet:
        for index, source in enumerate(sources):
            stdout, stderr = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = quiet
            try:
                exec(compile(source, f"<cell {index}>", "exec"), namespace)
                outcomes.append(("", ""))
            except Exception as err:  # the student's code may raise anything
                outcomes.append((type(err).__name__, str(err)))
            finally:
                sys.stdout, sys.stderr = stdout, stderr
    return outcomes


def run_notebook(cells, folder, timeout):
    """Run the code cells in a fresh interpreter in ``folder``.

    Returns ``({cell index: (error type, message)}, problem)``: problem says why the run
    stopped before the end (a timeout, ``sys.exit``), and is "" when every cell ran.
    """
    code = [cell for cell in cells if cell.kind == "code"]
    with tempfile.TemporaryDirectory() as tmp:
        sources, results = Path(tmp) / "cells.json", Path(tmp) / "results.json"
        sources.write_text(json.dumps([cell.source for cell in code]))
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore")
        command = [sys.executable, "-m", "coursekit.selfcheck", str(sources), str(results)]
        try:
            ended = subprocess.run(command, cwd=folder, env=env, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {}, f"the notebook ran longer than {timeout:g} s and was stopped"
        if not results.exists():
            return {}, f"the notebook ended its Python process (exit status {ended.returncode})"
        outcomes = json.loads(results.read_text())
    by_cell = {cell.index: tuple(outcome) for cell, outcome in zip(code, outcomes, strict=True)}
    return by_cell, ""


def judge(task, outcomes):
    """The :class:`TaskResult` of one task from the outcomes of its cells."""
    tests = [cell for cell in task.cells if cell.test and not cell.hidden]
    visible = sum(cell.points for cell in tests)
    answers = [cell for cell in task.cells if cell.answer]
    code_answers = [cell for cell in answers if cell.kind == "code"]
    if not tests:
        written = [cell for cell in answers if cell.kind == "markdown"]
        done = written and all(WRITTEN_NOT_DONE not in cell.source for cell in written)
        outcome = Outcome.BY_HAND if done else Outcome.NOT_ATTEMPTED
        return TaskResult(task.title, outcome)
    if any(NOT_DONE.search(cell.source) for cell in code_answers):
        return TaskResult(task.title, Outcome.NOT_ATTEMPTED, visible_points=visible)
    for cell in code_answers + tests:
        error, message = outcomes.get(cell.index, ("DidNotRun", "the cell did not run"))
        if error:
            where = "your code" if cell.answer else "the test"
            return TaskResult(
                task.title, Outcome.FAILED, explain(where, error, message), visible, 0.0
            )
    return TaskResult(task.title, Outcome.PASSED, "", visible, visible)


def explain(where, error, message):
    """The message shown for a failed task, with a hint for a missing framework."""
    if error == "DidNotRun":
        return message
    text = f"{where} raised {error}: {message}" if where == "your code" else message
    if error == "ModuleNotFoundError" and any(name in message for name in FRAMEWORKS):
        text += "\n(this exercise needs PyTorch and Keras: pip install 'coursekit[frameworks]')"
    return text.strip() or error


def setup_failure(cells, tasks, outcomes):
    """The message of a failing cell outside every task's answers and tests, if any."""
    in_tasks = {cell.index for task in tasks for cell in task.cells if cell.answer or cell.test}
    for cell in cells:
        error, message = outcomes.get(cell.index, ("", ""))
        if error and error != "NotImplementedError" and cell.index not in in_tasks:
            return f"cell {cell.index + 1} failed: " + explain("", error, message)
    return ""


def report(name, results, total, by_hand, problem=""):
    """The lines ``coursekit check`` prints: one per task, then the points."""
    lines = [f"{name}: visible tests, run in a fresh Python process"]
    if problem:
        lines.append(f"  {problem}")
    width = max((len(result.title) for result in results), default=0)
    for result in results:
        lines.append(f"  {result.title:<{width}}  {result.outcome}")
        lines += [f"      {line}" for line in result.message.splitlines()[:8]]
    passed = sum(result.passed_points for result in results)
    visible = sum(result.visible_points for result in results)
    lines.append(
        f"Visible tests: {passed:g} of {visible:g} points passed. The assignment has "
        f"{total + by_hand:g} points: {total:g} autograded, of which hidden tests hold "
        f"{total - visible:g} and run when your notebook is graded, and {by_hand:g} "
        "graded by hand."
    )
    return lines


def check(args):
    """Run ``coursekit check`` with its parsed arguments; return the exit status."""
    path = Path(args.notebook)
    try:
        cells = read_cells(path)
    except (OSError, ValueError, KeyError) as err:
        print(f"coursekit check: error: cannot read {path} as a notebook: {err}", file=sys.stderr)
        return 2
    tasks = split_tasks(cells)
    outcomes, problem = run_notebook(cells, path.resolve().parent, args.timeout)
    problem = problem or setup_failure(cells, tasks, outcomes)
    results = [judge(task, outcomes) for task in tasks]
    total = sum(cell.points for cell in cells if cell.test)
    by_hand = sum(cell.points for cell in cells if cell.answer and cell.kind == "markdown")
    print("\n".join(report(path.name, results, total, by_hand, problem)))
    graded = [result for result in results if result.outcome != Outcome.BY_HAND]
    return 0 if all(result.outcome == Outcome.PASSED for result in graded) else 1


def add_check_command(commands):
    """Add ``check`` and its options to the ``coursekit`` command's subparsers."""
    command = commands.add_parser(
        "check",
        help="run a notebook's visible tests and say, per task, what passes",
        description="Run the visible tests of an exercise notebook in a fresh Python "
        "process and print, per task, passed, failed (with the message) or not "
        "attempted, then the visible points out of the total. Exits 1 when a visible "
        "test fails or a task is not attempted.",
    )
    command.add_argument("notebook", help="the exercise notebook (.ipynb)")
    command.add_argument(
        "--timeout", type=float, default=600.0, help="seconds for the whole notebook (600)"
    )


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(run_cells(json.loads(Path(sys.argv[1]).read_text()))))

"""``coursekit grade``: the command line of the class grader.

    coursekit grade ASSIGNMENT SUBMISSIONS --out DIR [options]
    python -m coursekit grade ASSIGNMENT SUBMISSIONS --out DIR [options]

ASSIGNMENT is the name of a folder in the course's solutions/ (the nbgrader source
folder), e.g. 01_rnn_cell; the course is the current folder or the nearest parent
holding nbgrader_config.py (or --course). SUBMISSIONS is an LMS export: a zip or a
folder, named as listed below. Everything is written to DIR: grades.csv, report.html,
feedback/, gradebook.db, results/, grading.log.

Only the standard library and :mod:`.sandbox` are imported here, so that ``coursekit
--help`` and ``coursekit check`` work in a student's install, which has no nbgrader; the
grader itself is imported when the command runs.
"""

import argparse
import importlib.util
import signal
import sys
from pathlib import Path

from .processes import cores
from .sandbox import Limits

GRADER_NEEDS = ("nbformat", "nbgrader", "mistune", "sqlalchemy")
"""What the grader imports beyond a student's install (the ``[grader]`` extra)."""

EPILOG = """\
submissions (a folder, or a .zip/.tar/.tar.gz of one):
  <student>/<notebook>.ipynb                      one folder per student, any depth
  name_userid_submissionid_<file>                 Canvas (also name_LATE_..., notebook-1.ipynb)
  Full Name_12345_assignsubmission_file_/<file>   Moodle (onlinetext folders are ignored)
  <student>.ipynb                                 loose notebooks
  A student's upload may itself be a zip or tar (nested up to 3 deep). Members with
  absolute paths, '..', links or devices are refused, and so is an archive that unpacks
  to more than 512 MiB. A single notebook with another name is graded (with a note).

output folder:
  grades.csv        one row per student: points per test cell, total, status, reason, flags
  similarity.csv    pairs of near-identical answer code, with their score (grades unchanged)
  canvas_import.csv / moodle_import.csv   with --roster: the grades for the LMS's import
  report.html       students by status, scores, pass rates, named mistakes per task, runtimes, flags
  feedback/<student>/<assignment>/<notebook>.html
  autograded/<student>/<assignment>/<notebook>.ipynb   the graded notebooks
  gradebook.db      nbgrader gradebook; OUT is an nbgrader course: cd OUT && nbgrader
                    formgrader | generate_feedback ASSIGNMENT | export
  results/          one JSON per student; a rerun skips those already graded (--force: all)
  grading.log       what happened, with reasons

sandbox: bubblewrap (no network, read-only system, nothing of the course, the
submissions or the output visible, user nobody, own PID namespace), plus limits on
memory, CPU time, processes, file size, output and time. If bubblewrap is missing or
fails its self-test, grading stops with the fix. Only with --sandbox none does it grade
without isolation (the notebook can then read and write the file system and use the
network); grades.csv's sandbox column and the report say so for every student. See
coursekit/grader/sandbox.py.
"""


def find_course(start):
    """The folder holding nbgrader_config.py, from ``start`` upwards (else ``start``)."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").exists():
            return folder
    return start


def parse_timeout(text):
    """``60`` (per cell) or ``60:900`` (per cell : per notebook), in seconds."""
    cell, _, notebook = text.partition(":")
    try:
        return float(cell), float(notebook) if notebook else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a timeout: {text!r}") from None


def add_grade_command(commands):
    """Add ``grade`` and its options to the ``coursekit`` command's subparsers."""
    grade = commands.add_parser(
        "grade",
        help="grade a class's submissions of one assignment in a sandbox",
        description=__doc__.split("\n\n")[2],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument("assignment", help="assignment name (a folder in solutions/)")
    grade.add_argument("submissions", type=Path, help="LMS export: a .zip/.tar(.gz) or a folder")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    grade.add_argument("--course", type=Path, help="course folder (default: found from here)")
    grade.add_argument(
        "--workers",
        type=int,
        default=0,
        help=f"submissions graded at once (default: cores = {cores()})",
    )
    grade.add_argument(
        "--timeout",
        type=parse_timeout,
        default=(60.0, None),
        metavar="CELL[:NOTEBOOK]",
        help="seconds per cell, optionally per notebook (default 60:600)",
    )
    grade.add_argument(
        "--notebook-timeout", type=float, default=None, help="seconds per notebook (default 600)"
    )
    grade.add_argument(
        "--memory",
        type=int,
        default=4096,
        metavar="MB",
        help="memory per submission (default 4096)",
    )
    grade.add_argument("--processes", type=int, default=64, help="processes per submission (64)")
    grade.add_argument(
        "--force", action="store_true", help="regrade everything (default: continue a previous run)"
    )
    grade.add_argument(
        "--sandbox",
        choices=("bwrap", "none"),
        default="bwrap",
        help="bwrap (the default: grading stops if bubblewrap cannot run), or none "
        "(no isolation, for trusted notebooks only; grades.csv and the report say so)",
    )
    grade.add_argument(
        "--no-self-check",
        action="store_true",
        help="skip checking that the solutions score full marks in the sandbox",
    )
    _add_cluster_and_lms(grade)
    grade.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_cluster_and_lms(grade):
    """The options for grading on a Dask cluster and for the LMS's import file."""
    grade.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the Dask cluster of this scheduler, one task per submission "
        "(default: here, in --workers threads); see book/instructors.md",
    )
    grade.add_argument(
        "--worker-course",
        metavar="PATH",
        help="with --scheduler: the course folder on the workers (default: the same path)",
    )
    grade.add_argument(
        "--roster",
        type=Path,
        metavar="FILE",
        help="the Canvas gradebook export or Moodle grades export: also writes "
        "DIR/canvas_import.csv or DIR/moodle_import.csv for the LMS's grade import",
    )
    grade.add_argument(
        "--lms-assignment",
        metavar="NAME",
        help="with --roster: the assignment's name in the LMS (default: ASSIGNMENT)",
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def grade(args):
    """Run ``coursekit grade`` with its parsed arguments; return the exit status (0, 1, 130)."""
    missing = [name for name in GRADER_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"coursekit grade: error: {', '.join(missing)} not installed: the grader needs the "
            "instructor's install, pip install 'coursekit[grader]' (or requirements.txt)",
            file=sys.stderr,
        )
        return 1
    from .grade import Grader, GradingError, Options

    cell_timeout, notebook_timeout = args.timeout
    notebook_timeout = args.notebook_timeout or notebook_timeout or max(600.0, cell_timeout)
    limits = Limits(
        memory_mb=args.memory,
        cell_timeout=cell_timeout,
        notebook_timeout=notebook_timeout,
        processes=args.processes,
    )
    options = Options(
        workers=args.workers,
        limits=limits,
        force=args.force,
        sandbox=args.sandbox,
        self_check=not args.no_self_check,
        progress=not args.quiet,
        scheduler=args.scheduler,
        worker_course=args.worker_course,
        roster=args.roster,
        lms_assignment=args.lms_assignment,
    )
    course = args.course or find_course(Path.cwd())
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        grader = Grader(course, args.assignment, args.submissions, args.out, options)
        summary = grader.run()
    except GradingError as err:
        print(f"coursekit grade: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ncoursekit grade: interrupted; run the same command again to continue",
            file=sys.stderr,
        )
        return 130
    for warning in grader.warnings:
        print(f"coursekit grade: warning: {warning}", file=sys.stderr)
    for line in grader.lms_lines:
        print(f"coursekit grade: roster: {line}", file=sys.stderr)
    print(summary["line"])
    print(f"results in {Path(args.out)}: grades.csv, report.html, feedback/")
    return 0

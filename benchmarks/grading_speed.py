"""Grade the same submissions with stock ``nbgrader autograde`` and with ``coursekit grade``.

Three runs, side by side, on one set of submissions (correct and partly wrong copies of
an assignment):

1. stock nbgrader: ``nbgrader autograde`` (one Jupyter kernel per notebook, sequential),
   in a scratch course prepared with ``nbgrader generate_assignment`` (not timed);
2. ``coursekit grade --workers 1`` (with ``--sandbox bwrap``: it fails without bubblewrap);
3. ``coursekit grade --workers 2``.

Each command is timed end to end, from a fresh output folder (coursekit's time includes
its reference run and self-checks, and writing the gradebook, feedback and report). The
script prints the throughput in submissions per minute, the ratios to stock nbgrader, and
coursekit's per-notebook overhead: the time a submission spends in the grader beyond the
run time of its own cells (sandbox start, interpreter start, protocol), measured per
submission from the results, and end to end (wall time per submission minus the cells'
run time) for ``--workers 1``.

    python benchmarks/grading_speed.py                      # the toy assignment, 20 copies
    python benchmarks/grading_speed.py --students 40
    python benchmarks/grading_speed.py --course . --assignment 01_rnn_cell
    python benchmarks/grading_speed.py --course . --assignment 03_bptt --baseline 8d07e30

With ``--baseline REV`` the same measurement is also made, in the same run and alternating
with this checkout, with the grader *and the assignment* of commit REV (a temporary git
worktree): before and after a change to the grader or to the tests, side by side.

With ``--course``/``--assignment`` the submissions are copies of the assignment's solutions
notebook (half of them with one answer cell blanked). Without them the toy assignment of
tests/grader_fixtures/ is used.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=20, help="submissions (default 20)")
    p.add_argument("--course", type=Path, help="a course folder (default: the toy course)")
    p.add_argument("--assignment", default="toy", help="assignment name (default toy)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    p.add_argument("--baseline", metavar="REV", help="also time the grader and tests of REV")
    p.add_argument("--no-nbgrader", action="store_true", help="skip stock nbgrader")
    p.add_argument(
        "--no-self-check",
        action="store_true",
        help="pass --no-self-check to coursekit (for assignments whose tests cannot run sandboxed)",
    )
    return p.parse_args(argv)


def env(code=None):
    """The environment of a command; ``code``: a checkout whose coursekit to import."""
    bindir = str(Path(sys.executable).parent)
    extra = {"PYTHONPATH": str(code)} if code else {}
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), **extra)


def make_course(scratch, course, assignment):
    """A scratch course with the assignment's source notebooks; returns its folder."""
    target = scratch / "course"
    if course is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from grader_fixtures import course as toy

        toy.make_course(target)
        return target
    (target / "solutions").mkdir(parents=True)
    shutil.copytree(Path(course) / "solutions" / assignment, target / "solutions" / assignment)
    if (Path(course) / "exercises" / assignment).is_dir():
        (target / "exercises").mkdir()
        shutil.copytree(Path(course) / "exercises" / assignment, target / "exercises" / assignment)
    shutil.copy2(Path(course) / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _text(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def make_submissions(course, assignment, folder, n):
    """n notebooks: the solutions as students would hand them in, every other one with a blank."""
    for source in sorted((course / "solutions" / assignment).glob("*.ipynb")):
        nb = json.loads(source.read_text())
        for i in range(n):
            copy = json.loads(json.dumps(nb))
            answers = [c for c in copy["cells"] if _meta(c).get("solution")]
            for cell in copy["cells"]:  # what students get: no hidden tests
                cell["source"] = HIDDEN.sub("", _text(cell))
            for k, cell in enumerate(answers):
                text = _text(cell)
                lines = [line for line in text.splitlines() if "### " not in line]
                if i % 2 and k == 0 and cell["cell_type"] == "code":
                    lines = ["raise NotImplementedError()"]
                cell["source"] = "\n".join(lines) + "\n"
            target = folder / f"student_{i:03d}" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(copy))


def stock_nbgrader(course, assignment, submissions):
    """Time `nbgrader autograde` in a scratch copy of the course; returns seconds."""
    stock = course.parent / "stock"
    shutil.copytree(course, stock)
    (stock / "nbgrader_config.py").write_text(
        (stock / "nbgrader_config.py").read_text()
        + '\nc.CourseDirectory.source_directory = "solutions"\n'
        + 'c.CourseDirectory.release_directory = "release"\n'
    )
    run = [sys.executable, "-m", "nbgrader"]
    subprocess.run(
        [*run, "generate_assignment", assignment, "--force"],
        cwd=stock,
        env=env(),
        check=True,
        capture_output=True,
    )
    for student in sorted(submissions.iterdir()):
        target = stock / "submitted" / student.name / assignment
        target.mkdir(parents=True)
        for nb in student.glob("*.ipynb"):
            shutil.copy2(nb, target / nb.name)
    t0 = time.perf_counter()
    command = [*run, "autograde", assignment, "--force"]
    done = subprocess.run(command, cwd=stock, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"nbgrader autograde failed:\n{done.stderr[-3000:]}")
    graded = len(list((stock / "autograded").glob(f"*/{assignment}")))
    return seconds, graded


def coursekit_grade(course, assignment, submissions, out, workers, extra=(), code=None):
    command = [
        sys.executable,
        "-m",
        "coursekit",
        "grade",
        assignment,
        str(submissions),
        "--out",
        str(out),
        "--course",
        str(course),
        "--workers",
        str(workers),
        "--quiet",
        "--sandbox",
        "bwrap",  # the figures are for the sandboxed grader: fail rather than fall back
        *extra,
    ]
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env(code), capture_output=True, text=True, cwd=course.parent)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"coursekit grade failed:\n{done.stderr[-3000:]}")
    results = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    return seconds, results, done.stdout.strip().splitlines()[0]


def overhead(n, seconds, results):
    """Print coursekit's per-notebook overhead beyond the notebooks' own cell time."""
    cells = [r["cell_seconds"] for r in results if r["status"] == "graded"]
    inside = [r["runtime"] - r["cell_seconds"] for r in results if r["status"] == "graded"]
    per_sub = [r.get("grading_seconds", 0.0) - r["cell_seconds"] for r in results]
    mean_cells = statistics.mean(cells)
    print("\ncoursekit per-notebook overhead beyond the notebook's own cell time (workers 1):")
    print(f"  mean cell time per notebook           {mean_cells:6.3f} s")
    print(
        f"  sandbox + interpreter + protocol      {statistics.mean(inside):6.3f} s "
        f"(median {statistics.median(inside):.3f})"
    )
    print(f"  whole per-submission grading step     {statistics.mean(per_sub):6.3f} s")
    print(
        f"  end to end: wall / n - cell time      {seconds / n - mean_cells:6.3f} s "
        "(includes the one-off reference run, self-checks and report)"
    )


def baseline_checkout(rev, scratch):
    """A git worktree of ``rev`` in ``scratch``; its coursekit and its course."""
    target = scratch / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), rev],
        check=True,
        capture_output=True,
    )
    return target


def prepared(scratch, name, course, assignment, n):
    """(scratch course, submissions) made from ``course``'s assignment."""
    folder = scratch / name
    folder.mkdir()
    copy = make_course(folder, course, assignment)
    submissions = folder / "submissions"
    make_submissions(copy, assignment, submissions, n)
    return copy, submissions


def main(argv=None):
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="grading-speed-"))
    worktree = None
    try:
        n = args.students
        setups = {
            "this checkout": (*prepared(scratch, "now", args.course, args.assignment, n), None)
        }
        if args.baseline:
            worktree = baseline_checkout(args.baseline, scratch)
            course = worktree if args.course else None
            setups[f"baseline {args.baseline}"] = (
                *prepared(scratch, "before", course, args.assignment, n),
                worktree,
            )
        print(f"{n} submissions of {args.assignment}; {os.cpu_count()} CPU cores visible")
        rows, runs = [], {}
        if not args.no_nbgrader:
            course, submissions, _ = setups["this checkout"]
            stock_s, stock_n = stock_nbgrader(course, args.assignment, submissions)
            rows.append(("nbgrader autograde (sequential)", stock_s))
            print(f"(nbgrader autograded {stock_n} of {n})")
        extra = ["--no-self-check"] if args.no_self_check else []
        for workers in (1, 2):
            for label, (course, submissions, code) in setups.items():
                out = course.parent / f"out-w{workers}"
                seconds, results, summary = coursekit_grade(
                    course, args.assignment, submissions, out, workers, extra, code
                )
                runs[label, workers] = (seconds, results, summary)
                rows.append((f"coursekit grade --workers {workers} ({label})", seconds))
        base = rows[0][1] if not args.no_nbgrader else None
        print(f"\n{'command':<52} {'wall s':>8} {'subs/min':>9} {'vs stock':>9}")
        for label, seconds in rows:
            rate = n / seconds * 60
            ratio = f"{(base / seconds):8.2f}x" if base else ""
            print(f"{label:<52} {seconds:8.1f} {rate:9.1f} {ratio:>9}")
        if args.baseline:
            for workers in (1, 2):
                now = runs["this checkout", workers][0]
                before = runs[f"baseline {args.baseline}", workers][0]
                print(
                    f"--workers {workers}: this checkout takes {now / before:.2f} x "
                    "the baseline's time"
                )
        overhead(n, *runs["this checkout", 1][:2])
        print(f"\ncoursekit summary (--workers 2): {runs['this checkout', 2][2]}")
    finally:
        if worktree is not None:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                capture_output=True,
            )
        if args.keep:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

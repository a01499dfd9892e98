"""Grade a whole class: from an LMS export to grades.csv and the report.

The steps, each a module of its own:

1. :mod:`.ingest`: find each student's notebooks in the export;
2. :mod:`.prepare`: once per assignment, the sandbox, the trusted reference run and the
   self-checks (cached in ``OUT/.grader/``);
3. :mod:`.student`: per student, rebuild, run in the sandbox, score outside; the result is
   a :class:`.results.StudentResult`, kept in ``OUT/results/<student>.json``, which a rerun
   with the same input reuses;
4. :mod:`.outputs` and :mod:`.report`: grades.csv, the nbgrader gradebook, the graded
   notebooks, feedback and the report, from the results alone.

:class:`Grader` runs them, students in parallel threads here (each waits on its own
sandboxed process) or as tasks on a Dask cluster (:mod:`.pools`, :mod:`.cluster`), and
stops cleanly on Ctrl-C, keeping every finished result.
"""

import hashlib
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import cluster, ingest, lms, pools, prepare, processes, results, runner, similarity, student
from .assignment import ANSWER, AssignmentError, load_assignment
from .prepare import GradingError
from .results import Status, StudentResult
from .sandbox import Limits
from .source import inside

__all__ = ["Grader", "GradingError", "Options"]

GRADER_VERSION = "4"


@dataclass
class Options:
    """How to grade (see ``coursekit grade --help``)."""

    workers: int = 0  # 0 = the number of cores
    limits: Limits = field(default_factory=Limits)
    force: bool = False
    sandbox: str = "bwrap"  # "bwrap" (must work) or "none" (no isolation, said everywhere)
    self_check: bool = True
    max_ingest_mb: int = 512
    progress: bool = True
    outputs: bool = True  # feedback, gradebook, report (off in some benchmarks)
    scheduler: str | None = None  # a Dask scheduler's address: grade on that cluster
    roster: Path | None = None  # a Canvas or Moodle export: write the LMS's import file
    lms_assignment: str | None = None  # the assignment's name in the LMS (default: ours)
    worker_course: str | None = None  # the course's path on the workers (default: the same)


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total, enabled=True, stream=None):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.last_tenth = -1

    def step(self, label=""):
        """Count one submission done and redraw the bar."""
        with self.lock:
            self.done += 1
            if not self.enabled or self.total == 0:
                return
            width, frac = 30, self.done / self.total
            bar = "#" * int(width * frac) + "-" * (width - int(width * frac))
            elapsed = time.monotonic() - self.start
            line = f"[{bar}] {self.done}/{self.total} {elapsed:5.0f}s {label[:30]}"
            if self.tty:
                self.stream.write("\r" + line.ljust(79) + ("\n" if frac == 1 else ""))
            elif int(frac * 10) != self.last_tenth or self.done == self.total:
                self.last_tenth = int(frac * 10)
                self.stream.write(line + "\n")
            self.stream.flush()


class Grader:
    """Grade ``submissions`` for ``assignment`` of the course at ``course`` into ``out``."""

    def __init__(self, course, assignment, submissions, out, options=None, log=None):
        self.course = Path(course).resolve()
        self.submissions = Path(submissions).resolve()
        self.out = Path(out).resolve()
        self.options = options or Options()
        self.state, self.results_dir = self.out / ".grader", self.out / "results"
        try:
            self.assignment = load_assignment(self.course, assignment)
        except AssignmentError as err:
            raise GradingError(str(err)) from None
        self._check_output_folder()
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(exist_ok=True)
        self.log_file = open(self.out / "grading.log", "a", encoding="utf-8")  # noqa: SIM115
        self._log_lock = threading.Lock()
        self.echo = log
        self.warnings, self.ingest_problems = [], []
        self._warn_if_git_would_add_the_output()
        self.prepared = None
        self.roster = self._read_roster() if self.options.roster else None
        self.similar_pairs, self.lms_lines = [], []

    @property
    def sandbox(self):
        """The sandbox the students run in here (None before :meth:`prepare`, or on Dask)."""
        return self.prepared.sandbox if self.prepared else None

    @property
    def mode(self):
        """The sandbox the students run in, wherever they run: "bwrap" or "none"."""
        return self.options.sandbox

    def _check_output_folder(self):
        for name, path in (("course", self.course), ("submissions", self.submissions)):
            if inside(path, self.out):
                raise GradingError(f"the output folder must not contain the {name} folder")
        if inside(self.out, self.course / "solutions"):
            raise GradingError("the output folder must not be inside solutions/")

    def _warn_if_git_would_add_the_output(self):
        from . import outputs

        tree = outputs.unignored_in_git(self.out)
        if tree is not None:
            self.warnings.append(
                f"the output folder {self.out} is inside the git work tree {tree} and not "
                "ignored: students' grades and notebooks are one `git add .` away from a "
                "commit. Add it to that tree's .gitignore (the course ignores grading/)."
            )
            self.log(f"WARNING: {self.out} is inside the git work tree {tree}, not ignored")

    @property
    def lms_name(self):
        """The assignment's name in the LMS."""
        return self.options.lms_assignment or self.assignment.name

    def _read_roster(self):
        """The roster of ``--roster``, checked before any grading (GradingError if unusable)."""
        try:
            roster = lms.read_roster(self.options.roster)
            if roster.kind == lms.LMS.CANVAS:
                lms.canvas_column(roster, self.lms_name)
            else:
                lms.moodle_column(roster, self.lms_name)
        except lms.RosterError as err:
            raise GradingError(f"--roster: {err}") from None
        return roster

    def log(self, message):
        """Write ``message`` to grading.log (and echo it, if asked to)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self._log_lock:
            self.log_file.write(f"{stamp} {message}\n")
            self.log_file.flush()
        if self.echo:
            self.echo(message)

    # --- preparation ----------------------------------------------------------------

    def prepare(self):
        """Choose the sandbox, build it, run the reference and the self-checks (cached)."""
        prepare.check_cuts(self.assignment)
        mode, bwrap = prepare.choose_sandbox(self.options.sandbox)
        if mode == "none":
            self.warnings.append(
                "--sandbox none: submissions ran WITHOUT file-system or network isolation "
                "(see coursekit/grader/sandbox.py); grades.csv and the report say so"
            )
            self.log("WARNING: grading without bubblewrap: no file-system or network isolation")
        protect = [self.course, self.out, self.submissions]
        sandbox = prepare.make_sandbox(self.assignment, self.state, mode, bwrap, protect)
        if not sandbox.use_cgroup:
            self.warnings.append(
                "no writable cgroup: memory and process limits are per process (rlimits) only"
            )
        limits = self.options.limits
        reference = {
            nb.name: prepare.reference_records(
                self.assignment, nb, self.state, limits, self.options.force, self.log
            )
            for nb in self.assignment.notebooks
        }
        self.warnings += prepare.unchecked_warnings(self.assignment, reference)
        self.prepared = prepare.Prepared(self.assignment, sandbox, limits, reference, self.warnings)
        if self.options.self_check:
            cache = self.state / f"selfcheck-{self.settings_hash()}.json"
            if self.options.force and cache.exists():
                cache.unlink()
            if not cache.exists():
                self.log("self-check: the solutions must score full marks in the sandbox")
            problems = prepare.self_check(self.prepared, student.grade_notebook, cache)
            prepare.judge_self_check(problems, self.warnings)

    def settings_hash(self):
        """A hash of what decides a grade besides the submission (grader, tests, limits)."""
        limits = asdict(self.options.limits)
        text = json.dumps(
            [GRADER_VERSION, self.assignment.fingerprint, limits, self.mode], sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def input_hash(self, sub):
        """A hash of a submission's files and the settings: its result is reused while it holds."""
        digest = hashlib.sha256(self.settings_hash().encode())
        for name, path in sorted(sub.files.items()):
            digest.update(name.encode())
            digest.update(Path(path).read_bytes())
        digest.update(json.dumps([sub.reason, sub.notes]).encode())
        return digest.hexdigest()[:24]

    # --- students -------------------------------------------------------------------

    def grade_one(self, sub, input_hash):
        """Grade one submission here, in the sandbox; return its result."""
        result = student.grade_submission(self.prepared, sub, input_hash)
        if runner.stopping():
            raise KeyboardInterrupt  # a run cut short by Ctrl-C is not a result
        return result

    def _failed(self, sub, err):
        return StudentResult(
            student=sub.student,
            lms_id=sub.lms_id,
            origin=list(sub.origin),
            status=Status.NOT_GRADED,
            reason=f"internal grader error: {type(err).__name__}: {err}",
            max_score=self.assignment.max_score,
            sandbox=self.mode,
        )

    def _done(self, sub, future, pool, progress):
        """Keep the result of one finished ``future`` (a failure is that student's reason).

        A worker that cannot grade at all (GradingError) and a task the cluster lost (a
        cancelled task, a closed connection) stop the run instead: they say nothing of
        the student, and the same command, run again, grades them.
        """
        try:
            result = future.result()
        except (GradingError, KeyboardInterrupt):
            raise
        except Exception as err:  # noqa: BLE001 - one student's failure must not stop the class
            if pool.lost(err):
                raise GradingError(
                    f"the cluster lost the task of {sub.student} ({type(err).__name__}: {err}); "
                    "run the same command again to continue"
                ) from None
            result = self._failed(sub, err)
        results.write(self.results_dir / f"{sub.student}.json", result)
        line = f"{sub.student}: " + (
            f"{result.score:g}/{result.max_score:g}"
            if result.graded
            else f"not graded ({result.reason})"
        )
        if result.reason and result.graded:
            line += f" [{result.reason}]"
        self.log(line)
        progress.step(sub.student)
        return result

    def _to_grade(self, subs):
        """The submissions to grade, and the results an earlier run left that still hold."""
        todo, done = [], {}
        for sub in subs:
            old = (
                None
                if self.options.force
                else results.read(self.results_dir / f"{sub.student}.json")
            )
            if old is not None and old.input_hash == self.input_hash(sub):
                done[sub.student] = old
            else:
                todo.append(sub)
        if done:
            self.log(f"resuming: {len(done)} already graded, {len(todo)} to grade")
        return todo, done

    def _grade_all(self, pool, todo, done):
        """Grade ``todo`` in ``pool``, a bounded number in flight, each result kept at once."""
        progress = Progress(len(todo), self.options.progress)
        queue, pending = iter(todo), {}
        try:
            while True:
                while len(pending) < pool.window and (sub := next(queue, None)) is not None:
                    pending[pool.submit(sub, self.input_hash(sub))] = sub
                if not pending:
                    break
                finished, _ = pool.wait(set(pending))
                for future in finished:
                    sub = pending.pop(future)
                    done[sub.student] = self._done(sub, future, pool, progress)
        except BaseException:
            runner.stop_all()
            self._keep_finished(pending, pool, progress)
            pool.close(list(pending))
            kept = len(list(self.results_dir.glob("*.json")))
            self.log(f"stopped: {kept} result(s) kept; run the same command to continue")
            self.log_file.close()
            raise
        pool.close()

    def _keep_finished(self, pending, pool, progress):
        """Write the results that came back while the run was stopping."""
        for future, sub in list(pending.items()):
            if future.done() and not future.cancelled():
                try:
                    self._done(sub, future, pool, progress)
                    del pending[future]
                except BaseException:  # noqa: BLE001 - no result to keep; the run stops anyway
                    pass

    def _pool(self):
        """Where to grade: threads here, or the Dask cluster of ``--scheduler``."""
        if self.options.scheduler is None:
            self.prepare()
            return pools.LocalPool(
                self.grade_one, max(1, self.options.workers or processes.cores())
            )
        if self.mode == "none":
            raise GradingError(
                "--sandbox none cannot be used with --scheduler: unsandboxed student code on "
                "a worker could reach the scheduler and every other worker"
            )
        prepare.check_cuts(self.assignment)
        course = self.options.worker_course or str(self.course)
        job = cluster.Job(
            course, self.assignment.name, self.options, self.settings_hash(), cluster.code_hash()
        )
        pool = pools.DaskPool(self.options.scheduler, job)
        self.log(f"grading on the Dask cluster at {self.options.scheduler}")
        if pool.dashboard:
            self.log(f"Dask dashboard: {pool.dashboard}")
            if self.options.progress:
                print(f"coursekit grade: Dask dashboard at {pool.dashboard}", file=sys.stderr)
        try:
            self.warnings += pool.prepare()
        except BaseException:
            pool.close()
            raise
        return pool

    # --- the class ------------------------------------------------------------------

    def run(self):
        """Grade everything; return the summary dict. Writes every output file."""
        t0 = time.monotonic()
        processes.become_subreaper()  # so that every sandbox's processes can be waited for
        try:
            subs, self.ingest_problems = ingest.collect(
                self.submissions,
                [nb.name for nb in self.assignment.notebooks],
                self.state / "ingest",
                max_bytes=self.options.max_ingest_mb * 2**20,
                log=self.log,
            )
        except ingest.IngestError as err:
            raise GradingError(str(err)) from None
        self.log(f"found {len(subs)} submission(s) for {self.assignment.name}")
        pool = self._pool()
        warm = _warm_outputs() if self.options.outputs else None
        todo, done = self._to_grade(subs)
        try:
            self._grade_all(pool, todo, done)
        finally:
            if warm is not None:  # a daemon thread still importing at exit can crash
                warm.join(timeout=120)
        ordered = [done[s.student] for s in subs]
        for result in _mark_identical(ordered):
            results.write(self.results_dir / f"{result.student}.json", result)
        self._write_outputs(ordered)
        summary = _summary(ordered, self.assignment, time.monotonic() - t0, len(subs) - len(todo))
        self.log(summary["line"])
        self.log_file.close()
        return summary

    def _write_outputs(self, ordered):
        from . import outputs

        outputs.write_grades_csv(self.out / "grades.csv", self.assignment, ordered)
        self._write_similarity(ordered)
        if self.roster is not None:
            matching = lms.write_import(
                self.out, self.roster, ordered, self.lms_name, self.assignment.max_score
            )
            self.lms_lines = lms.summary_lines(matching)
            for line in self.lms_lines:
                self.log(f"{matching.kind}: {line}")
        if self.options.outputs:
            from . import report

            outputs.write_gradebook(self.out, self.assignment, ordered)
            outputs.write_autograded(self.out, self.assignment, ordered)
            outputs.write_feedback(self.out, self.assignment, ordered)
            report.write_report(self.out / "report.html", self, ordered)

    def _write_similarity(self, ordered):
        """similarity.csv: the pairs of near-identical answer code (grades stay as they are)."""
        codes = {r.student: similarity.answer_code(r) for r in ordered if r.graded}
        given = [
            text
            for nb in self.assignment.notebooks
            for c in nb.cells
            if c.cell_type == "code"
            for text in ((c.release, c.source) if c.role == ANSWER else (c.release,))
        ]
        self.similar_pairs = similarity.find_pairs(codes, boilerplate=given)
        similarity.write_csv(self.out / "similarity.csv", self.similar_pairs)
        if self.similar_pairs:
            self.log(f"{len(self.similar_pairs)} pair(s) of similar submissions: similarity.csv")


def _warm_outputs():
    """Import what the outputs need (nbgrader, matplotlib: seconds) while students run."""

    def warm():
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401
            import nbgrader.api  # noqa: F401
        except Exception:  # noqa: BLE001 - retried, and reported, where it is needed
            pass

    thread = threading.Thread(target=warm, daemon=True)
    thread.start()
    return thread


IDENTICAL = "identical answer code to "


def _mark_identical(ordered):
    """Flag students whose answer code is the same; return the results that changed."""
    groups = {}
    for r in ordered:
        if r.fingerprint:
            groups.setdefault(r.fingerprint, []).append(r.student)
    changed = []
    for r in ordered:
        before = (list(r.flags), list(r.identical_to))
        flags = {f for f in r.flags if not f.startswith(IDENTICAL)}
        same = groups.get(r.fingerprint or "", [])
        r.identical_to = [s for s in same if s != r.student] if len(same) > 1 else []
        if r.identical_to:
            flags.add(IDENTICAL + ", ".join(r.identical_to))
        r.flags = sorted(flags)
        if (r.flags, r.identical_to) != before:
            changed.append(r)
    return changed


def _summary(ordered, assignment, seconds, skipped):
    graded = [r for r in ordered if r.graded]
    flagged = [r for r in ordered if r.flags]
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    line = (
        f"{assignment.name}: {len(ordered)} students, {len(graded)} graded, "
        f"{len(ordered) - len(graded)} not graded, {len(flagged)} flagged; "
        f"mean {mean:.1f}/{assignment.max_score:g}; {seconds:.0f} s"
        + (f" ({skipped} from an earlier run)" if skipped else "")
    )
    return {
        "students": len(ordered),
        "graded": len(graded),
        "not_graded": len(ordered) - len(graded),
        "flagged": len(flagged),
        "mean": mean,
        "seconds": seconds,
        "line": line,
    }

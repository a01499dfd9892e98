"""Grade a whole class: the pipeline from an LMS export to grades.csv and the report.

ingest -> integrity (rebuild) -> sandbox + runner -> compare -> results/<student>.json,
then grades.csv, the nbgrader gradebook, feedback and the report from all results.

Before any student is graded the assignment is prepared once (cached in
``OUT/.grader/``): the stubbed coursekit for the sandbox, the *reference run* of the
solutions notebook (trusted, outside the sandbox, recording expected values), and two
self-checks in the sandbox: the solutions notebook must score full marks (a test cell that
uses the reference eagerly, and so cannot run in the sandbox, is caught here) and the
blank release notebook must score nothing (a test that passes without the student's code
is reported).
"""

import hashlib
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import compare, ingest, integrity, runner
from .assignment import MANUAL, TEST, AssignmentError, load_assignment, read_json_notebook
from .kit import build_kit
from .runner import run_program
from .sandbox import Cgroup, Limits, Sandbox, bwrap_path

GRADER_VERSION = "2"


@dataclass
class Options:
    workers: int = 0  # 0 = the number of cores
    limits: Limits = field(default_factory=Limits)
    force: bool = False
    sandbox: str = "auto"  # auto, bwrap, none
    self_check: bool = True
    max_ingest_mb: int = 512
    progress: bool = True
    outputs: bool = True  # feedback, gradebook, report (off in some benchmarks)


class GradingError(Exception):
    """The class cannot be graded (bad assignment, unreadable input, broken solution)."""


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total, enabled=True, stream=None):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.last_percent = -1

    def step(self, label=""):
        with self.lock:
            self.done += 1
            if not self.enabled or self.total == 0:
                return
            width, frac = 30, self.done / self.total
            bar = "#" * int(width * frac) + "-" * (width - int(width * frac))
            elapsed = time.monotonic() - self.start
            line = f"[{bar}] {self.done}/{self.total} {elapsed:5.0f}s {label[:30]}"
            if self.tty:
                self.stream.write("\r" + line.ljust(79))
                if self.done == self.total:
                    self.stream.write("\n")
            elif int(frac * 10) != self.last_percent or self.done == self.total:
                self.last_percent = int(frac * 10)
                self.stream.write(line + "\n")
            self.stream.flush()


class Grader:
    """Grade ``submissions`` for ``assignment`` of the course at ``course`` into ``out``."""

    def __init__(self, course, assignment, submissions, out, options=None, log=None):
        self.course = Path(course).resolve()
        self.submissions = Path(submissions).resolve()
        self.out = Path(out).resolve()
        self.options = options or Options()
        self.state = self.out / ".grader"
        self.results_dir = self.out / "results"
        try:
            self.assignment = load_assignment(self.course, assignment)
        except AssignmentError as err:
            raise GradingError(str(err)) from None
        self._check_output_folder()
        self.out.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(exist_ok=True)
        self.results_dir.mkdir(exist_ok=True)
        self.log_file = open(self.out / "grading.log", "a", encoding="utf-8")  # noqa: SIM115
        self._log_lock = threading.Lock()
        self.echo = log
        self.warnings = []  # about the assignment, for the report
        self.ingest_problems = []
        self.sandbox = None
        self.reference = None
        self._warm = None

    # --- plumbing -------------------------------------------------------------------

    def _check_output_folder(self):
        for name, path in (("course", self.course), ("submissions", self.submissions)):
            if self.out == path or _inside(path, self.out):
                raise GradingError(f"the output folder must not contain the {name} folder")
        if _inside(self.out, self.course / "solutions"):
            raise GradingError("the output folder must not be inside solutions/")

    def log(self, message):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self._log_lock:
            self.log_file.write(f"{stamp} {message}\n")
            self.log_file.flush()
        if self.echo:
            self.echo(message)

    def settings_hash(self):
        limits = asdict(self.options.limits)
        text = json.dumps(
            [GRADER_VERSION, self.assignment.fingerprint, limits, self.sandbox_mode()],
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def sandbox_mode(self):
        if self.options.sandbox == "none":
            return "none"
        if not hasattr(self, "_bwrap"):
            self._bwrap = bwrap_path()
        if self._bwrap is None:
            if self.options.sandbox == "bwrap":
                raise GradingError(
                    "bubblewrap (bwrap) is not available: install it or pass --sandbox none"
                )
            return "none"
        return "bwrap"

    # --- preparation ----------------------------------------------------------------

    def prepare(self):
        """Build the sandbox's coursekit, run the reference and the self-checks (cached)."""
        import coursekit

        for nb in self.assignment.notebooks:
            for cell in nb.cells:
                try:
                    integrity.without_expected(cell.source)
                except ValueError as err:
                    raise GradingError(f"{nb.name}, cell {cell.key}: {err}") from None
        mode = self.sandbox_mode()
        if mode == "none":
            self.warnings.append(
                "bubblewrap is not in use: submissions ran without file-system or network "
                "isolation (see coursekit/grader/sandbox.py)"
            )
            self.log("WARNING: grading without bubblewrap: no file-system or network isolation")
        kit = build_kit(self.state / "kit", Path(coursekit.__file__).parent)
        mpl_cache = self._matplotlib_cache()
        self.sandbox = Sandbox(
            kit=kit,
            data_files=dict(self.assignment.data_files),
            # The real coursekit too: after a plain (not editable) install it lies in the
            # environment's site-packages, which the sandbox mounts.
            protect=[self.course, self.out, self.submissions, Path(coursekit.__file__).parent],
            mode=mode,
            use_cgroup=Cgroup.cleanup_stale() or Cgroup.available(),
            mpl_cache=mpl_cache,
            workdir_root=self.state / "tmp",
            bwrap=getattr(self, "_bwrap", None) or "bwrap",
        )
        if not self.sandbox.use_cgroup:
            self.warnings.append(
                "no writable cgroup: memory and process limits are per process (rlimits) only"
            )
        self.reference = {
            nb.name: self._reference(nb, Path(coursekit.__file__).parent.parent)
            for nb in self.assignment.notebooks
        }
        for nb in self.assignment.notebooks:
            unchecked = [c.key for c in nb.tests if not self.reference[nb.name].get(c.key)]
            if unchecked:
                self.warnings.append(
                    f"{nb.name}: test cell(s) {', '.join(unchecked)} call no coursekit.checks "
                    "function: scored on 'ran without error', which student code can fake"
                )
        if self.options.self_check:
            self._self_check()

    def _matplotlib_cache(self):
        sources = " ".join(c.source for nb in self.assignment.notebooks for c in nb.cells)
        if "matplotlib" not in sources and "plotting" not in sources:
            return None
        target = self.state / "matplotlib"
        found = sorted(target.glob("fontlist-*.json"))
        if not found:
            target.mkdir(exist_ok=True)
            env = dict(os.environ, MPLCONFIGDIR=str(target), MPLBACKEND="Agg")
            import subprocess

            subprocess.run(
                [sys.executable, "-c", "import matplotlib.font_manager"],
                env=env,
                capture_output=True,
                timeout=300,
            )
            found = sorted(target.glob("fontlist-*.json"))
        return found[0] if found else None

    def _reference(self, nb, kit_parent):
        """Run the solutions notebook in reference mode; return decoded records by cell."""
        cache = self.state / f"reference-{self.assignment.fingerprint}-{nb.name}.jsonl"
        if cache.exists() and not self.options.force:
            lines = cache.read_bytes().splitlines()
        else:
            self.log(f"reference run of {nb.name} (solutions, trusted)")
            trusted = Sandbox(
                kit=kit_parent,
                data_files=dict(self.assignment.data_files),
                mode="none",
                use_cgroup=False,
                extra_env={"COURSEKIT_RECORD_REFERENCE": "1"},
                workdir_root=self.state / "tmp",
            )
            program = [
                {"id": c.key, "source": c.source, "private": c.role == TEST}
                for c in nb.cells
                if c.cell_type == "code"
            ]
            limits = Limits(
                memory_mb=max(self.options.limits.memory_mb, 4096),
                cell_timeout=max(self.options.limits.cell_timeout, 300),
                notebook_timeout=max(self.options.limits.notebook_timeout, 1800),
                processes=256,
                records_mb=1024,
            )
            run = run_program(program, trusted, limits)
            broken = [c for c in run.cells if c.status != "ok"]
            tests = {c.key for c in nb.tests}
            if broken and (broken[0].id in tests or run.status != "completed"):
                cell = broken[0]
                raise GradingError(
                    f"the solutions notebook {nb.name} fails in cell {cell.id}: "
                    f"{cell.status} {cell.ename or ''}: {cell.evalue or run.reason or ''}".strip()
                )
            lines = run.records
            cache.write_bytes(b"\n".join(lines) + b"\n")
        records, bad = compare.decode_records(lines, with_args=True)
        if bad:
            raise GradingError(f"{bad} reference record(s) of {nb.name} could not be decoded")
        return records

    def _self_check(self):
        cache = self.state / f"selfcheck-{self.settings_hash()}.json"
        if cache.exists() and not self.options.force:
            problems = json.loads(cache.read_text())
        else:
            self.log("self-check: the solutions must score full marks in the sandbox")
            problems = {"solution": [], "blank": []}
            for nb in self.assignment.notebooks:
                solution = _notebook_from_cells(nb, lambda c: c.source)
                questions, _, run, _ = self._grade_notebook(nb, solution)
                problems["solution"] += [
                    f"{nb.name}:{q.key}: {q.message.splitlines()[0] if q.message else q.status}"
                    for q in questions
                    if q.status != "passed"
                ]
                if run.status == "died" and run.output:
                    tail = "\n    ".join(run.output.strip().splitlines()[-8:])
                    problems["solution"].append(f"{nb.name}: the sandbox printed:\n    {tail}")
                blank = _notebook_from_cells(nb, lambda c: c.release)
                questions = self._grade_notebook(nb, blank)[0]
                problems["blank"] += [f"{nb.name}:{q.key}" for q in questions if q.points > 0]
            cache.write_text(json.dumps(problems))
        if problems["blank"]:
            self.warnings.append(
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

    # --- one student ----------------------------------------------------------------

    def _grade_notebook(self, nb, notebook):
        rebuilt = integrity.rebuild(nb, notebook)
        run = run_program(rebuilt.program(), self.sandbox, self.options.limits)
        questions, bad = compare.score_notebook(nb, run, self.reference[nb.name])
        return questions, rebuilt, run, bad

    def input_hash(self, sub):
        digest = hashlib.sha256(self.settings_hash().encode())
        for name, path in sorted(sub.files.items()):
            digest.update(name.encode())
            digest.update(Path(path).read_bytes())
        digest.update(json.dumps([sub.reason, sub.notes]).encode())
        return digest.hexdigest()[:24]

    def grade_one(self, sub):
        """Grade one submission and write results/<student>.json; return the result dict."""
        started = time.monotonic()
        result = {
            "student": sub.student,
            "lms_id": sub.lms_id,
            "origin": sub.origin,
            "input_hash": self.input_hash(sub),
            "status": "graded",
            "reason": sub.reason,
            "notes": list(sub.notes),
            "flags": [],
            "questions": {},
            "score": 0.0,
            "max_score": self.assignment.max_score,
            "notebooks": {},
            "runtime": 0.0,
            "cell_seconds": 0.0,
            "fingerprint": None,
        }
        if sub.reason:
            result["status"] = "not graded"
        graded_any = False
        for nb in self.assignment.notebooks:
            path = sub.files.get(nb.name)
            entry = {"file": Path(path).name if path else None, "cells": [], "run": None}
            result["notebooks"][nb.name] = entry
            if path is None:
                if not sub.reason:
                    for cell in nb.tests:
                        result["questions"][self.assignment.column(nb, cell)] = asdict(
                            compare.Question(
                                cell.key, 0.0, cell.points, "not run", "notebook missing"
                            )
                        )
                continue
            try:
                notebook = read_json_notebook(path)
            except (ValueError, OSError) as err:
                problem = f"{Path(path).name}: {err}"
                if len(self.assignment.notebooks) == 1:
                    result["status"], result["reason"] = "not graded", problem
                else:
                    result["notes"].append(problem)
                continue
            kernel = _kernel_note(notebook)
            if kernel:
                result["notes"].append(kernel)
            questions, rebuilt, run, bad = self._grade_notebook(nb, notebook)
            graded_any = True
            for q in questions:
                result["questions"][self.assignment.column(nb, _cell(nb, q.key))] = q.to_dict()
            result["flags"] += [
                f"{nb.name}: {f}" if len(self.assignment.notebooks) > 1 else f
                for f in rebuilt.flags + integrity.scan(rebuilt.student_code())
            ]
            result["notes"] += rebuilt.notes
            if bad:
                result["flags"].append(f"{bad} malformed check record(s) ignored")
            if run.records_truncated:
                result["flags"].append("the check records exceeded the size limit")
            if run.reason:
                result["notes"].append(run.reason)
                if run.status in ("died", "exit", "notebook timeout", "cell timeout"):
                    result["flags"].append(f"run stopped early: {run.reason}")
            if run.memory_exceeded:
                result["flags"].append(
                    f"hit the memory limit ({self.options.limits.memory_mb} MiB)"
                )
            if run.process_limit_hit:
                result["flags"].append(f"hit the process limit ({self.options.limits.processes})")
            timeouts = [c.id for c in run.cells if c.status == "timeout"]
            if timeouts:
                result["flags"].append(f"cell(s) timed out: {', '.join(timeouts)}")
            entry["cells"] = _cell_entries(rebuilt, run)
            entry["run"] = run.to_dict() | {"cells": None}
            entry["manual"] = [
                {"key": c.key, "points": c.points} for c in nb.cells if c.role == MANUAL
            ]
            entry["fingerprint"] = integrity.answer_fingerprint(rebuilt, nb)
            result["runtime"] += run.wall_seconds
            result["cell_seconds"] += run.cell_seconds
        if graded_any and result["status"] == "graded":
            result["score"] = sum(q["points"] for q in result["questions"].values())
        elif not graded_any:
            result["status"] = "not graded"
            result["reason"] = result["reason"] or "nothing could be graded"
        fps = [e.get("fingerprint") for e in result["notebooks"].values()]
        result["fingerprint"] = "+".join(fp for fp in fps if fp) or None
        result["flags"] = sorted(set(result["flags"]))
        result["grading_seconds"] = time.monotonic() - started
        if runner.stopping():
            raise KeyboardInterrupt  # a run cut short by Ctrl-C is not a result
        _write_json(self.results_dir / f"{sub.student}.json", result)
        return result

    def _collect(self, futures, results, progress):
        for future in as_completed(futures):
            sub = futures[future]
            try:
                result = future.result()
            except Exception as err:  # noqa: BLE001 - one student's failure must not stop the class
                result = {
                    "student": sub.student,
                    "lms_id": sub.lms_id,
                    "origin": sub.origin,
                    "status": "not graded",
                    "reason": f"internal grader error: {type(err).__name__}: {err}",
                    "notes": [],
                    "flags": [],
                    "questions": {},
                    "score": 0.0,
                    "max_score": self.assignment.max_score,
                    "notebooks": {},
                    "runtime": 0.0,
                    "cell_seconds": 0.0,
                    "fingerprint": None,
                }
            results[sub.student] = result
            line = f"{sub.student}: " + (
                f"{result['score']:g}/{result['max_score']:g}"
                if result["status"] == "graded"
                else f"not graded ({result['reason']})"
            )
            if result.get("reason") and result["status"] == "graded":
                line += f" [{result['reason']}]"
            self.log(line)
            progress.step(sub.student)

    # --- the class ------------------------------------------------------------------

    def run(self):
        """Grade everything; return the summary dict. Writes every output file."""
        t0 = time.monotonic()
        expected = [nb.name for nb in self.assignment.notebooks]
        try:
            subs, problems = ingest.collect(
                self.submissions,
                expected,
                self.state / "ingest",
                max_bytes=self.options.max_ingest_mb * 2**20,
                log=self.log,
            )
        except ingest.IngestError as err:
            raise GradingError(str(err)) from None
        self.ingest_problems = problems
        self.log(f"found {len(subs)} submission(s) for {self.assignment.name}")
        self.prepare()
        if self.options.outputs:
            # The outputs need nbgrader and matplotlib, slow to import: load them meanwhile.
            self._warm = threading.Thread(target=_warm_imports, daemon=True)
            self._warm.start()
        todo, results = [], {}
        for sub in subs:
            done = self.results_dir / f"{sub.student}.json"
            if done.exists() and not self.options.force:
                try:
                    old = json.loads(done.read_text())
                    if old.get("input_hash") == self.input_hash(sub):
                        results[sub.student] = old
                        continue
                except (ValueError, OSError):
                    pass
            todo.append(sub)
        skipped = len(results)
        if skipped:
            self.log(f"resuming: {skipped} already graded, {len(todo)} to grade")
        workers = self.options.workers or cores()
        progress = Progress(len(todo), self.options.progress)
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        futures = {pool.submit(self.grade_one, sub): sub for sub in todo}
        try:
            self._collect(futures, results, progress)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            runner.stop_all()
            pool.shutdown(wait=True)
            if self._warm is not None:  # a daemon thread still importing at exit can crash
                self._warm.join(timeout=120)
            done = len(list(self.results_dir.glob("*.json")))
            self.log(f"interrupted: {done} result(s) kept; run the same command to continue")
            self.log_file.close()
            raise
        pool.shutdown(wait=True)
        ordered = [results[s.student] for s in subs]
        for result in _mark_identical(ordered):
            _write_json(self.results_dir / f"{result['student']}.json", result)
        from . import outputs

        outputs.write_grades_csv(self.out / "grades.csv", self.assignment, ordered)
        if self.options.outputs:
            outputs.write_gradebook(self.out, self.assignment, ordered)
            outputs.write_autograded(self.out, self.assignment, ordered)
            outputs.write_feedback(self.out, self.assignment, ordered)
            from . import report

            report.write_report(self.out / "report.html", self, ordered)
        summary = _summary(ordered, self.assignment, time.monotonic() - t0, skipped)
        self.log(summary["line"])
        self.log_file.close()
        return summary


def _warm_imports():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
        import nbgrader.api  # noqa: F401
    except Exception:  # noqa: BLE001 - the import is retried, and reported, where it is needed
        pass


def _inside(path, folder):
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def _cell(nb, key):
    return next(c for c in nb.cells if c.key == key)


def _notebook_from_cells(nb, text):
    cells = []
    for c in nb.cells:
        meta = {"nbgrader": {"grade_id": c.grade_id}} if c.grade_id else {}
        cells.append({"cell_type": c.cell_type, "source": text(c), "metadata": meta})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _kernel_note(notebook):
    meta = notebook.get("metadata")
    spec = meta.get("kernelspec") if isinstance(meta, dict) else None
    if not isinstance(spec, dict):
        return None
    name, language = str(spec.get("name", ""))[:40], str(spec.get("language", "python"))[:40]
    if language.lower() != "python" or not name.lower().startswith(
        ("python", "ipykernel", "conda")
    ):
        return f"kernelspec {name!r} ({language}) ignored: graded with Python 3"
    return None


def _cell_entries(rebuilt, run):
    by_key = {c.id: c for c in run.cells}
    entries = []
    for cell in rebuilt.cells:
        entry = {
            "key": cell.key,
            "cell_type": cell.cell_type,
            "role": cell.role,
            "origin": cell.origin,
            "source": cell.source[:20_000],
        }
        ran = by_key.get(cell.key)
        if ran is not None:
            entry.update(
                {
                    k: getattr(ran, k)
                    for k in (
                        "status",
                        "seconds",
                        "stdout",
                        "stderr",
                        "result",
                        "ename",
                        "evalue",
                        "traceback",
                    )
                }
            )
        entries.append(entry)
    return entries


IDENTICAL = "identical answer code to "


def _mark_identical(results):
    """Flag students whose answer code is the same; return the results that changed."""
    groups = {}
    for r in results:
        if r.get("fingerprint"):
            groups.setdefault(r["fingerprint"], []).append(r["student"])
    changed = []
    for r in results:
        before = (list(r.get("flags", [])), r.get("identical_to"))
        flags = {f for f in r.get("flags", []) if not f.startswith(IDENTICAL)}
        r.pop("identical_to", None)
        same = groups.get(r.get("fingerprint") or "", [])
        if len(same) > 1:
            others = [s for s in same if s != r["student"]]
            r["identical_to"] = others
            flags.add(IDENTICAL + ", ".join(others))
        r["flags"] = sorted(flags)
        if (r["flags"], r.get("identical_to")) != before:
            changed.append(r)
    return changed


def _write_json(path, data):
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _summary(results, assignment, seconds, skipped):
    graded = [r for r in results if r["status"] == "graded"]
    flagged = [r for r in results if r.get("flags")]
    mean = sum(r["score"] for r in graded) / len(graded) if graded else 0.0
    line = (
        f"{assignment.name}: {len(results)} students, {len(graded)} graded, "
        f"{len(results) - len(graded)} not graded, {len(flagged)} flagged; "
        f"mean {mean:.1f}/{assignment.max_score:g}; {seconds:.0f} s"
        + (f" ({skipped} from an earlier run)" if skipped else "")
    )
    return {
        "students": len(results),
        "graded": len(graded),
        "not_graded": len(results) - len(graded),
        "flagged": len(flagged),
        "mean": mean,
        "seconds": seconds,
        "line": line,
    }

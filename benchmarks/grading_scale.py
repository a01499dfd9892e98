"""Grade a generated class of N submissions locally and on a Dask LocalCluster.

The class for an assignment (01_rnn_cell and 03_bptt by default) mixes, in a fixed cycle:
correct answers (the release with the solutions' answer code), one named mistake each
(every file of tests/wrong_answers/<assignment>/ in turn), blank releases, and a few
hostile notebooks (a memory bomb, ``sys.exit()``, a frame-walking thief, a reader of
files outside its folder). Each class is graded from a fresh output folder with:

- ``coursekit grade --workers 1`` and ``--workers 2`` (threads of one process);
- ``--scheduler`` on a ``distributed.LocalCluster`` of two worker processes (one thread
  each), started before the clock starts.

For each run it prints submissions a minute, the grader's peak memory (the resident set
of the ``coursekit grade`` process, and of the Dask workers, sampled every 0.2 s) and
the size of the output folder.

    python benchmarks/grading_scale.py --students 200
    python benchmarks/grading_scale.py --students 200 1000 --assignments 01_rnn_cell
    python benchmarks/grading_scale.py --students 200 --runs dask2 local2

A benchmark, not a test: the figures go into the notes, never into a pass/fail check.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = {
    "memory_bomb": "import numpy as _np\n_hog = _np.ones(10**11)\n",
    "exit": "import sys\nsys.exit(0)\n",
    "frames": "import sys\n_f = sys._getframe()\nwhile _f.f_back: _f = _f.f_back\n",
    "reader": "print(open('/etc/passwd').read()[:10], __import__('os').listdir('/'))\n",
}
RUNS = ("local1", "local2", "dask2")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, nargs="+", default=[200], help="class sizes")
    p.add_argument("--assignments", nargs="+", default=["01_rnn_cell", "03_bptt"])
    p.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return p.parse_args(argv)


def _cells(notebook):
    return {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in notebook["cells"]}


def _solution_code(source):
    text = "".join(source) if isinstance(source, list) else source
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", text)


def _wrong_answers(assignment):
    answers = []
    for path in sorted((ROOT / "tests" / "wrong_answers" / assignment).glob("*.py")):
        grade_id = re.search(r"^# grade_id: (\S+)", path.read_text(), re.M).group(1)
        answers.append((path.stem, grade_id, path.read_text()))
    return answers


def make_class(assignment, n, folder):
    """Write ``n`` submissions into ``folder``; the count of each kind."""
    name = f"{assignment}.ipynb"
    release = json.loads((ROOT / "exercises" / assignment / name).read_text())
    solution = _cells(json.loads((ROOT / "solutions" / assignment / name).read_text()))
    correct = json.loads(json.dumps(release))
    for gid, cell in _cells(correct).items():
        if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
            cell["source"] = _solution_code(solution[gid]["source"])
    wrong = _wrong_answers(assignment)
    cycle = ["correct"] * 4 + [f"wrong:{i}" for i in range(4)] + ["blank"] * 2
    kinds = {}
    for i in range(n):
        kind = "hostile" if i % 40 == 39 else cycle[i % len(cycle)]
        notebook = json.loads(json.dumps(release if kind == "blank" else correct))
        if kind.startswith("wrong"):
            _, gid, code = wrong[(i // len(cycle) * 4 + int(kind[6:])) % len(wrong)]
            _cells(notebook)[gid]["source"] = code
        elif kind == "hostile":
            code = list(HOSTILE.values())[(i // 40) % len(HOSTILE)]
            first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
            first["source"] = "".join(first["source"]) + "\n" + code
        kinds[kind.split(":")[0]] = kinds.get(kind.split(":")[0], 0) + 1
        (folder / f"s{i:05d}").mkdir(parents=True)
        (folder / f"s{i:05d}" / name).write_text(json.dumps(notebook))
    return kinds


class PeakMemory:
    """The peak resident set of some processes, sampled every 0.2 s in a thread."""

    def __init__(self, pids):
        self.pids, self.peaks, self.running = list(pids), {}, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            for pid in self.pids:
                try:
                    rss = psutil.Process(pid).memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)
            time.sleep(0.2)

    def stop(self):
        """Stop sampling; the peaks in MiB, by pid."""
        self.running = False
        self.thread.join()
        return {pid: peak / 2**20 for pid, peak in self.peaks.items()}


def _size_mb(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def grade(assignment, submissions, out, options, workers=()):
    """Run ``coursekit grade``; (seconds, client MiB, workers' MiB, output MiB)."""
    command = [sys.executable, "-m", "coursekit", "grade", assignment, str(submissions)]
    command += ["--out", str(out), "--course", str(ROOT), "--quiet", *options]
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory([process.pid, *workers])
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - start
    peaks = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"coursekit grade failed:\n{stderr[-3000:]}")
    print("   ", stdout.splitlines()[0])
    worker_mb = max((peaks.get(pid, 0.0) for pid in workers), default=0.0)
    return seconds, peaks.get(process.pid, 0.0), worker_mb, _size_mb(out)


def run_all(args, scratch):
    from distributed import Client, LocalCluster

    rows = []
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1") as cluster:
        with Client(cluster) as client:
            workers = list(client.run(lambda: __import__("os").getpid()).values())
        for assignment in args.assignments:
            for n in args.students:
                folder = scratch / f"{assignment}-{n}"
                kinds = make_class(assignment, n, folder)
                print(f"{assignment}, {n} submissions: {kinds}")
                for run in args.runs:
                    options = (
                        ["--scheduler", cluster.scheduler_address]
                        if run == "dask2"
                        else ["--workers", run[-1]]
                    )
                    pids = workers if run == "dask2" else ()
                    out = scratch / f"out-{assignment}-{n}-{run}"
                    seconds, client_mb, worker_mb, size = grade(
                        assignment, folder, out, options, pids
                    )
                    rows.append((assignment, n, run, seconds, client_mb, worker_mb, size))
                    print(f"    {run}: {n / seconds * 60:6.1f}/min  {seconds:7.1f} s")
    return rows


def main(argv=None):
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="coursekit-scale-"))
    try:
        rows = run_all(args, scratch)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\nassignment    N     run     subs/min  seconds  grader MiB  worker MiB  output MiB")
    for assignment, n, run, seconds, client_mb, worker_mb, size in rows:
        print(
            f"{assignment:12} {n:5} {run:7} {n / seconds * 60:9.1f} {seconds:8.1f}"
            f" {client_mb:11.0f} {worker_mb:11.0f} {size:11.1f}"
        )


if __name__ == "__main__":
    main()

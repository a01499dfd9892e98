"""Time each solved exercise notebook: how long a student waits for "restart and run all".

Executes every ``solutions/<assignment>/<assignment>.ipynb`` with nbclient and the python3
kernel, one after the other, each in a temporary copy of its folder (so that nothing is
written next to the solutions), and prints the seconds per notebook and the total. The
issue's budget is 60 s per notebook on 2 CPU cores; a notebook over it is flagged.

    python benchmarks/exercise_timing.py [--only 05_topologies ...] [--budget 60]

Kernel start-up is included (it is part of what a student waits for). Run it on an otherwise
idle machine: the numbers are wall-clock seconds.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


def notebooks(only):
    found = sorted(p / f"{p.name}.ipynb" for p in SOLUTIONS.iterdir() if p.is_dir())
    found = [p for p in found if p.exists()]
    return [p for p in found if not only or p.parent.name in only]


def execute(path, timeout):
    """Run a copy of the notebook from a temporary copy of its folder; return the seconds taken."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(".ipynb_*"))
        nb = nbformat.read(folder / path.name, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=timeout,
            resources={"metadata": {"path": str(folder)}},
        )
        start = time.perf_counter()
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines (TensorFlow's)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="assignment names to time")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed per notebook")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args()

    # The kernel inherits this environment: quiet TensorFlow, the repository importable.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    # The kernel's python3 must be this environment's python, which has the frameworks.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]

    print(f"CPU cores available: {len(os.sched_getaffinity(0))}")
    total, over = 0.0, []
    for path in notebooks(args.only):
        seconds = execute(path, args.timeout)
        total += seconds
        flag = "" if seconds < args.budget else f"  OVER the {args.budget:g} s budget"
        over += [path.parent.name] if flag else []
        print(f"  {path.parent.name:24s} {seconds:6.1f} s{flag}", flush=True)
    print(f"  {'total':24s} {total:6.1f} s")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

"""The student install against the full one: packages, disk and time.

    python benchmarks/student_install.py [--out DIR]

Builds the coursekit wheel as the book does (book/_ext/student_wheel.py), then makes three
fresh virtual environments and installs into each, with requirements.txt's pins as
constraints:

- ``wheel``: the wheel alone (exercises 01-03 and 08);
- ``wheel[frameworks]``: with PyTorch and Keras (exercises 04-07);
- ``requirements.txt``: the whole course (book build, nbgrader, grader, tests).

It prints one row per install: the packages pip lists, the venv's size on disk in MB and
the install's wall time. pip's cache is used as it is, so the times are those of a
machine that has downloaded the packages before; the first install on a new machine
also pays for the download. Numbers only: nothing here passes or fails.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from student_wheel import build_wheel  # noqa: E402


def size_mb(folder):
    """Bytes of every file under folder, in MB."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def install(folder, args, constraints):
    """A fresh venv in folder with ``pip install *args``; (packages, MB, seconds)."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    start = time.perf_counter()
    command = [python, "-m", "pip", "install", "--quiet", *args, "-c", str(constraints)]
    subprocess.run(command, check=True, cwd=ROOT)  # requirements.txt holds "-e ."
    seconds = time.perf_counter() - start
    listing = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json"], capture_output=True, text=True
    )
    return len(json.loads(listing.stdout)), size_mb(folder), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--out", type=Path, help="folder for the venvs (default: a temporary one)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="student_install_"))
    wheel = build_wheel(out / "wheel")
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    constraints = out / "constraints.txt"
    constraints.write_text("\n".join(p for p in pins if re.match(r"^[A-Za-z0-9]", p)) + "\n")
    installs = [
        ("wheel", [str(wheel)]),
        ("wheel[frameworks]", [f"coursekit[frameworks] @ {wheel.as_uri()}"]),
        ("requirements.txt", ["-r", str(ROOT / "requirements.txt")]),
    ]
    print("| install | packages | MB on disk | seconds |\n|---|---:|---:|---:|")
    for name, pip_args in installs:
        folder = out / ("venv_" + re.sub(r"\W", "_", name))
        packages, mb, seconds = install(folder, pip_args, constraints)
        print(f"| {name} | {packages} | {mb:.0f} | {seconds:.1f} |", flush=True)
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()

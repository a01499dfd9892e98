"""Time the book: a clean build, a rebuild with the execution cache, and each chapter.

Copies the tracked files (and node_modules, for MathJax) into a temporary folder, runs the
README's build command there twice, and reads each notebook's execution time from the
jupyter-cache that MyST-NB keeps in ``_build/.jupyter_cache``.

    python benchmarks/book_build.py
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
BUILD = [
    str(Path(sys.executable).parent / "jupyter-book"),
    "build",
    "--all",
    "-n",
    "-W",
    "--keep-going",
    ".",
]


def copy_course(dest):
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        target = dest / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name.decode(), target)
    shutil.copytree(ROOT / "node_modules", dest / "node_modules", symlinks=True)


def timed_build(folder):
    start = time.perf_counter()
    subprocess.run(BUILD, cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copy_course(folder)
        clean = timed_build(folder)
        cached = timed_build(folder)
        records = get_cache(folder / "_build" / ".jupyter_cache").list_cache_records()
        chapters = sorted((Path(r.uri).name, r.data["execution_seconds"]) for r in records)
    print(f"clean build:            {clean:7.1f} s")
    print(f"rebuild with the cache: {cached:7.1f} s")
    print("execution per chapter:")
    for name, seconds in chapters:
        print(f"  {name:28s} {seconds:6.1f} s")
    print(f"  {'total':28s} {sum(s for _, s in chapters):6.1f} s")


if __name__ == "__main__":
    main()

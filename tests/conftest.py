"""Fixtures shared by the book and website tests: Jupyter Book builds.

The real book is built once per test session (``built_book``), strictly, into a temporary
folder, and every test that looks at the built HTML (tests/test_book.py,
tests/test_website.py) uses that one build. The build executes every chapter, so it takes
a few minutes on two cores; the fixture is only created when a selected test asks for it.

Set BOOK_EXECUTION_CACHE to a jupyter-cache folder (for example the
``_build/.jupyter_cache`` of an earlier ``jupyter-book build .``) to seed the build with
those executions: chapters whose code did not change are then not run again. CI leaves it
unset and executes everything.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JUPYTER_BOOK = str(BIN / "jupyter-book") if (BIN / "jupyter-book").exists() else "jupyter-book"
STRICT = ["--all", "-n", "-W", "--keep-going"]
"""The README's flags: check every reference, every warning is an error, report them all."""


def run_jupyter_book(book_dir, output=None):
    """Build book_dir strictly; return the CompletedProcess (stdout and stderr captured)."""
    cmd = [JUPYTER_BOOK, "build", *STRICT]
    if output is not None:
        cmd += ["--path-output", str(output)]
    cmd.append(str(book_dir))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)


@dataclass(frozen=True)
class BuiltBook:
    """A finished build: the jupyter-book process and the folder of the HTML site."""

    result: subprocess.CompletedProcess
    html: Path
    seconds: float = 0.0
    """Wall time of the build."""

    @property
    def log(self):
        return self.result.stdout + self.result.stderr

    @property
    def ok(self):
        return self.result.returncode == 0


@pytest.fixture(scope="session")
def jupyter_book():
    """The function that builds a book folder strictly: run_jupyter_book(book_dir, output)."""
    return run_jupyter_book


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The real book, built once per session with the README's strict flags."""
    out = tmp_path_factory.mktemp("book_build")
    seed = os.environ.get("BOOK_EXECUTION_CACHE")
    if seed:
        shutil.copytree(seed, out / "_build" / ".jupyter_cache")
    start = time.perf_counter()
    result = run_jupyter_book(ROOT, output=out)
    return BuiltBook(
        result=result, html=out / "_build" / "html", seconds=time.perf_counter() - start
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (item.rep_setup, item.rep_call, item.rep_teardown)
    so that a fixture can record how the test ended (tests/test_website.py's report)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report

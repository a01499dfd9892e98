"""The student install: the coursekit wheel alone in a fresh venv, then with ``[frameworks]``.

The wheel is built as the book builds it (book/_ext/student_wheel.py) and installed into a
new virtual environment with nothing else asked for: it must bring numpy and matplotlib
and no framework, no Jupyter and no nbgrader. In that environment ``coursekit check``
runs the released notebooks 01-03 (and 08) blank, where every visible test fails, and
solved, where every one passes. Then ``[frameworks]`` adds PyTorch and Keras and the same
holds for 04-07. Versions are held to requirements.txt's pins (as constraints) so that
pip resolves the same packages as the course environment.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_selfcheck import solution_sources, student_notebook, task_lines

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from student_wheel import build_wheel  # noqa: E402

pytestmark = pytest.mark.slow

NUMPY_ONLY = ["01_rnn_cell", "02_unrolling", "03_bptt"] + sorted(
    p.name for p in (ROOT / "exercises").glob("08_*")
)
WITH_FRAMEWORKS = ["04_lstm_gru", "05_topologies", "06_keras_forecasting", "07_pytorch_training"]
HEAVY = {"torch", "tensorflow", "tensorflow-cpu", "keras", "nbgrader", "jupyter-book", "notebook"}
STUDENT_MODULES = "activations cases checks data plotting protocol selfcheck rnn lstm gru gradients"


def run(command):
    """Run command in the folder of the venv of command[0], outside the repository, so that
    the repository's coursekit (and its egg-info) is never what gets imported; check it."""
    cwd = Path(command[0]).parents[1]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def installed(python):
    """{name: version} of what pip lists in the environment of ``python``."""
    listing = run([python, "-m", "pip", "list", "--format", "json"]).stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(listing)}


@pytest.fixture(scope="module")
def wheel_and_pins(tmp_path_factory):
    """The coursekit wheel, built as the book builds it, and requirements.txt as constraints."""
    tmp = tmp_path_factory.mktemp("student_wheel")
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    constraints = tmp / "constraints.txt"
    constraints.write_text("\n".join(p for p in pins if re.match(r"^[A-Za-z0-9]", p)) + "\n")
    return build_wheel(tmp / "wheel"), constraints


def fresh_venv(folder, requirement, constraints):
    """A new venv in folder with only ``requirement`` installed; its python."""
    run([sys.executable, "-m", "venv", str(folder)])
    python = str(folder / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", requirement, "-c", str(constraints)])
    return python


@pytest.fixture(scope="module")
def student_env(wheel_and_pins, tmp_path_factory):
    """(python, wheel) of a fresh venv with only the coursekit wheel installed."""
    wheel, constraints = wheel_and_pins
    folder = tmp_path_factory.mktemp("student_venv") / "venv"
    return fresh_venv(folder, str(wheel), constraints), wheel


def check_blank_and_solved(python, assignment, folder):
    """Run ``coursekit check`` on the blank and the solved notebook in the student's venv."""
    coursekit = str(Path(python).parent / "coursekit")
    blank_dir, solved_dir = folder / "blank", folder / "solved"
    blank_dir.mkdir(parents=True)
    solved_dir.mkdir(parents=True)
    blank = student_notebook(blank_dir, assignment)
    solved = student_notebook(solved_dir, assignment, solution_sources(assignment))
    command = [coursekit, "check"]
    on_blank = subprocess.run([*command, str(blank)], capture_output=True, text=True, cwd=folder)
    on_solved = subprocess.run([*command, str(solved)], capture_output=True, text=True, cwd=folder)
    assert on_blank.returncode == 1, on_blank.stdout + on_blank.stderr
    graded = {t: o for t, o in task_lines(on_blank.stdout).items() if o != "graded by hand"}
    assert graded and set(graded.values()) == {"not attempted"}, on_blank.stdout
    assert on_solved.returncode == 0, on_solved.stdout + on_solved.stderr
    assert "failed" not in task_lines(on_solved.stdout).values(), on_solved.stdout


def test_wheel_installs_numpy_and_matplotlib_and_nothing_heavy(student_env):
    python, wheel = student_env
    packages = installed(python)
    assert wheel.name.startswith("coursekit-") and "coursekit" in packages
    assert {"numpy", "matplotlib"} <= set(packages)
    assert not HEAVY & set(packages), sorted(HEAVY & set(packages))
    assert not [p for p in packages if p.startswith(("jupyter", "ipykernel", "nbformat"))]


def test_coursekit_imports_without_a_framework_or_nbgrader(student_env):
    python, _ = student_env
    code = (
        "import importlib, sys\n"
        f"for name in {STUDENT_MODULES.split()!r}:\n"
        "    importlib.import_module('coursekit.' + name)\n"
        "import coursekit.__main__\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'torch', 'tensorflow', 'keras', 'nbgrader', 'nbformat'}))\n"
    )
    assert run([python, "-c", code]).stdout.strip() == "[]"


def test_wheel_metadata_states_the_licence_and_the_extras(student_env):
    python, _ = student_env
    code = (
        "import json, importlib.metadata as m; d = m.metadata('coursekit'); print(json.dumps("
        "[d['License-Expression'], d.get_all('Provides-Extra'), d.get_all('Requires-Dist')]))"
    )
    licence, extras, requires = json.loads(run([python, "-c", code]).stdout)
    assert licence == "MIT"
    assert set(extras) == {"frameworks", "grader"}
    assert any(r.startswith("nbgrader") and 'extra == "grader"' in r for r in requires)


def test_grade_without_the_grader_extra_says_how_to_install_it(student_env, tmp_path):
    python, _ = student_env
    command = [python, "-m", "coursekit", "grade", "01_rnn_cell", str(tmp_path), "--out", "o"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "pip install 'coursekit[grader]'" in result.stderr, result.stderr


@pytest.mark.parametrize("assignment", NUMPY_ONLY)
def test_numpy_only_exercise_fails_blank_and_passes_solved_in_the_student_install(
    student_env, assignment, tmp_path
):
    python, _ = student_env
    check_blank_and_solved(python, assignment, tmp_path)


@pytest.fixture(scope="module")
def frameworks_env(wheel_and_pins, tmp_path_factory):
    """A fresh venv with ``coursekit[frameworks]`` from the wheel; its python."""
    wheel, constraints = wheel_and_pins
    folder = tmp_path_factory.mktemp("frameworks_venv") / "venv"
    return fresh_venv(folder, f"coursekit[frameworks] @ {wheel.as_uri()}", constraints)


def test_frameworks_extra_brings_pytorch_and_keras_but_not_the_grader(frameworks_env):
    packages = installed(frameworks_env)
    assert {"torch", "keras", "tensorflow-cpu"} <= set(packages)
    assert "nbgrader" not in packages and "jupyter-book" not in packages


@pytest.mark.parametrize("assignment", WITH_FRAMEWORKS)
def test_framework_exercise_fails_blank_and_passes_solved_with_the_frameworks_extra(
    frameworks_env, assignment, tmp_path
):
    check_blank_and_solved(frameworks_env, assignment, tmp_path)


def test_every_page_names_the_wheel_the_book_builds():
    from student_wheel import wheel_name

    pages = [*(ROOT / "book").rglob("*.md"), ROOT / "index.md", ROOT / "README.md"]
    named = {m for p in pages for m in re.findall(r"coursekit-\d[\w.\-]*\.whl", p.read_text())}
    assert named == {wheel_name()}, named

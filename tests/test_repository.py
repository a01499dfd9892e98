"""The repository's promises to a new user: pinned installs and a CI that runs the README."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith(("#", "-e"))]


def test_every_requirement_is_pinned_exactly():
    pinned = re.compile(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+")
    loose = [line for line in requirement_lines() if not pinned.fullmatch(line)]
    assert requirement_lines() and not loose, f"not pinned with ==: {loose}"


@pytest.mark.parametrize(
    "package, version",
    [
        ("jupyter-book", "1.0.4.post1"),
        ("nbgrader", "0.9.6"),
        ("nbval", "0.11.0"),
        ("tensorflow_cpu", "2.21.0"),
        ("torch", "2.13.0"),
    ],
)
def test_key_packages_are_pinned_to_the_known_good_set(package, version):
    assert f"{package}=={version}" in requirement_lines()


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_a_build_command_and_a_test_command():
    build, test = readme_commands()
    assert "pip install -r requirements.txt" in build and "jupyter-book build" in build
    assert "-n -W --keep-going" in build
    assert "pip install -r requirements.txt" in test and "pytest" in test


def test_ci_runs_exactly_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    extract = re.search(r"cmd=\$\((.*)\)\n", script).group(1)
    found = subprocess.run(
        ["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == readme_commands()[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_the_code_passes_the_linter(command):
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([ruff, *command, "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_the_books_code_cells_pass_the_linter_at_79_columns(command, tmp_path):
    import jupytext

    for chapter in sorted((ROOT / "book").glob("[0-9][0-9]_*.md")):
        notebook = jupytext.read(chapter)
        jupytext.write(notebook, tmp_path / f"{chapter.stem}.ipynb")
    ruff = Path(sys.executable).parent / "ruff"
    config = ["--config", str(ROOT / "book" / "ruff-cells.toml")]
    done = subprocess.run(
        [ruff, *command, *config, "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert len(list(tmp_path.glob("*.ipynb"))) >= 12
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


@pytest.mark.parametrize(
    "test_file, status",
    [
        ("def test_ok():\n    assert True\n", 0),  # a stub test file that .ci/run runs
        ("def test_broken():\n    assert False\n", 1),
        ("# no test here\n", 5),
    ],
    ids=["passing", "failing", "no-tests"],
)
def test_ci_exits_with_the_status_of_the_readme_test_command(tmp_path, test_file, status):
    """.ci/run in a copy whose README runs pytest on one file: a failure or no test fails."""
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "run").write_text((ROOT / ".ci" / "run").read_text())
    (tmp_path / "test_one.py").write_text(test_file)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_one.py"
    (tmp_path / "README.md").write_text(f"```bash\n# 2. Set up and run the tests\n{command}\n```\n")
    tools = tmp_path / "bin"  # the system packages .ci/run would install, as stand-ins
    tools.mkdir()
    for name in ("chromium", "bwrap", "npm"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    env = {"PATH": f"{tools}:/usr/bin:/bin", "CI": "true", "HOME": str(tmp_path)}

    done = subprocess.run(
        ["bash", ".ci/run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == status, done.stdout[-2000:] + done.stderr[-2000:]


def grader_functions():
    """(module, qualified name, lines, public, docstring) of every function of the grader."""
    import ast

    found = []

    def visit(node, path, prefix, public):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef):
                name = prefix + child.name
                lines = child.end_lineno - child.lineno + 1
                shown = public and not child.name.startswith("_")
                found.append((path.name, name, lines, shown, ast.get_docstring(child)))
                visit(child, path, name + ".", False)  # nested functions are not public
            elif isinstance(child, ast.ClassDef):
                visit(
                    child,
                    path,
                    prefix + child.name + ".",
                    public and not child.name.startswith("_"),
                )

    for path in sorted((ROOT / "coursekit" / "grader").glob("*.py")):
        visit(ast.parse(path.read_text()), path, "", True)
    return found


def test_no_function_of_the_grader_runs_over_60_lines():
    long = [(m, f, n) for m, f, n, _, _ in grader_functions() if n > 60]
    assert not long


def test_every_public_function_of_the_grader_has_a_docstring():
    missing = [(m, f) for m, f, _, public, doc in grader_functions() if public and not doc]
    assert not missing

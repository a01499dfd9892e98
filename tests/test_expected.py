"""The trusted side owns every expectation: what the test cells of solutions/ may hold, and
what coursekit.expected and coursekit.cases may do.

- A test cell states only what it calls, with which inputs, and which check applies: no
  function, class or lambda of its own, no hint text, and every check's expected side is
  a call of ``expected.<something>(...)``.
- Every hint is defined once, in one ``StrEnum`` of coursekit.expected.
- coursekit.cases runs in the sandbox: importing it imports neither the reference maths
  nor a framework.
- The test cells of the assignments rewritten this way (01-07) hold at most 40% of the
  Python tokens they held before (39,377 at commit 8d07e30). Issue 11 measured lines,
  4,255 before and 1,234 after; since the notebooks are formatted by ruff (issue 13),
  which breaks long calls over several lines, the budget counts tokens, which formatting
  does not change: 15,051 of them, 38%.
"""

import ast
import enum
import importlib
import io
import json
import pkgutil
import tokenize
from pathlib import Path

import pytest

import coursekit.cases
import coursekit.expected
from coursekit.grader.cut import CHECKS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
TOKENS_BEFORE = 39377
"""Python tokens in the test cells of 01-07 at commit 8d07e30, before the rewrite."""
REWRITTEN = [p for p in NOTEBOOKS if p.stem[:2] in {"01", "02", "03", "04", "05", "06", "07"}]
LAYOUT = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
LITERAL_CHECKS = {"check_returns", "check_unchanged"}  # their third argument is no expectation


def graded_cells(path):
    for cell in json.loads(path.read_text())["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution"):
            yield meta["grade_id"], "".join(cell["source"])


def hints():
    """(module, member) of every hint enum in coursekit.expected."""
    found = []
    for info in pkgutil.iter_modules(coursekit.expected.__path__):
        module = importlib.import_module(f"coursekit.expected.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.StrEnum)
                and value.__module__ == module.__name__
            ):
                found += [(module.__name__, member) for member in value]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_test_cells_define_nothing_of_their_own(path):
    for key, source in graded_cells(path):
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)), (
                key,
                node.lineno,
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_check_takes_its_expected_side_from_the_trusted_expectations(path):
    for key, source in graded_cells(path):
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in CHECKS or name in LITERAL_CHECKS:
                continue
            assert len(node.args) == 3 and not node.keywords, (key, node.lineno, name)
            third = node.args[2]
            assert isinstance(third, ast.Call) and isinstance(third.func, ast.Attribute), (
                key,
                node.lineno,
            )
            assert ast.unparse(third.func.value) == "expected", (key, node.lineno)


def test_every_hint_is_defined_once():
    texts = [str(member) for _, member in hints()]
    assert len(texts) > 100
    duplicates = {t for t in texts if texts.count(t) > 1}
    assert not duplicates


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_types_a_hint(path):
    text = path.read_text()
    typed = [str(m) for _, m in hints() if json.dumps(str(m))[1:-1] in text]
    assert not typed, typed


@pytest.mark.parametrize(
    "module", [m.name for m in pkgutil.iter_modules(coursekit.cases.__path__)] + ["__init__"]
)
def test_cases_import_neither_the_reference_maths_nor_a_framework(module):
    path = Path(coursekit.cases.__file__).with_name(f"{module}.py")
    allowed = {
        "numpy",
        "coursekit.cases",
        "coursekit.data",
        "coursekit._validate",
        "coursekit.activations",
    }
    for node in ast.parse(path.read_text()).body:  # what importing the module imports
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["coursekit.cases" if node.level else node.module]
        else:
            continue
        for name in names:
            assert any(name == a or name.startswith(a + ".") for a in allowed) or name in (
                "math",
                "functools",
            ), (module, name)


def code_tokens(source):
    """The number of Python tokens of source, leaving out layout and comments."""
    tokens = tokenize.generate_tokens(io.StringIO(source + "\n").readline)
    return sum(1 for t in tokens if t.type not in LAYOUT and t.type != tokenize.ENDMARKER)


def test_the_rewritten_test_cells_hold_at_most_40_percent_of_their_tokens_before():
    assert len(REWRITTEN) == 7
    tokens = sum(code_tokens(source) for p in REWRITTEN for _, source in graded_cells(p))
    assert tokens <= 0.40 * TOKENS_BEFORE, tokens

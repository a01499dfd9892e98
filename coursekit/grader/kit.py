"""The coursekit a submission runs with: the student-facing modules, every other one a stub.

:data:`STUDENT_MODULES` is the one list of the coursekit modules a submission may import.
The sandbox gets a copy of exactly these (:func:`build_kit`); every other module and
sub-package of coursekit (the reference maths, interop, the trusted expectations
``coursekit.expected`` and the grader) becomes a stub whose every use raises, and the
static scan of the student's code (:mod:`.scan`) flags imports of anything else.
"""

import shutil
from pathlib import Path

STUDENT_MODULES = ("activations", "cases", "checks", "data", "plotting", "protocol", "text")
"""coursekit modules (or sub-packages) a submission may import and use while graded."""

_SUPPORT = ("__init__", "_validate")
"""What the student modules import from coursekit itself (no reference maths)."""

STUB = '''"""Stub: coursekit.{name} is not available while grading."""


def __getattr__(attribute):
    if attribute.startswith("__") and attribute.endswith("__"):
        raise AttributeError(attribute)

    def unavailable(*args, **kwargs):
        raise RuntimeError(
            "coursekit.{name}." + attribute + " is not available while grading: "
            "write the answer yourself instead of calling the reference implementation."
        )

    unavailable.__name__ = attribute
    return unavailable
'''


def allowed(module):
    """Whether a submission may import ``module`` ("coursekit", "coursekit.data", ...)."""
    parts = module.split(".")
    return parts[0] == "coursekit" and (len(parts) == 1 or parts[1] in STUDENT_MODULES)


def build_kit(dest, source=None):
    """Copy coursekit to ``dest``/coursekit with every non-student module a stub.

    Parameters
    ----------
    dest : path
        The folder to hold the ``coursekit`` package (replaced if it exists).
    source : path, optional
        The real package folder (default: the coursekit this grader runs from).

    Returns
    -------
    Path
        ``dest``, to put first on the sandbox's ``sys.path``.
    """
    source = Path(source or Path(__file__).resolve().parents[1])
    package = Path(dest) / "coursekit"
    if package.exists():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        is_package = entry.is_dir() and (entry / "__init__.py").exists()
        if entry.name.startswith((".", "__pycache__")) or not (entry.suffix == ".py" or is_package):
            continue
        name = entry.stem if entry.suffix == ".py" else entry.name
        if name in STUDENT_MODULES + _SUPPORT and is_package:
            shutil.copytree(entry, package / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif name in STUDENT_MODULES + _SUPPORT:
            shutil.copy2(entry, package / entry.name)
        else:
            (package / f"{name}.py").write_text(STUB.format(name=name))
    return Path(dest)

"""What an assignment is, read from the nbgrader course: its notebooks, cells and points.

The source notebook (``solutions/<assignment>/<notebook>.ipynb``) is the truth: its
nbgrader cell metadata says which cells are answers (``solution``), which are tests
(``grade`` with ``points``), which are written answers graded by hand, and which are the
instructor's locked cells. The release notebook (``exercises/...``, what students got)
gives the blank version of each answer cell; without it, the blanks are made the way
nbgrader makes them (``### BEGIN SOLUTION`` ... ``### END SOLUTION`` replaced by
``# YOUR CODE HERE`` / ``raise NotImplementedError()``).
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ANSWER, TEST, MANUAL, LOCKED = "answer", "test", "manual", "locked"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"


class AssignmentError(Exception):
    """The assignment cannot be graded as it is (missing files, broken metadata)."""


@dataclass
class SourceCell:
    """One cell of the instructor's notebook."""

    index: int
    cell_type: str  # code, markdown, raw
    role: str  # answer, test, manual, locked
    source: str  # the instructor's version (solutions, hidden tests included)
    release: str  # what students were given
    grade_id: str | None = None
    cell_id: str | None = None  # nbformat's cell id in the release notebook
    points: float = 0.0

    @property
    def key(self):
        """How runs and records name this cell."""
        return self.grade_id or f"cell-{self.index}"


@dataclass
class NotebookSpec:
    """One notebook of an assignment, and its rule on libraries.

    The rule comes from the notebook's metadata ``coursekit``:
    ``{"forbidden_imports": ["torch", ...], "on_forbidden_import": "zero" or "flag"}``:
    a submission that imports one of those modules is flagged, and with "zero" it scores
    zero on the notebook (and the modules are not even mounted in the sandbox).
    """

    name: str  # file name without .ipynb
    cells: list = field(default_factory=list)
    forbidden_imports: tuple = ()
    on_forbidden_import: str = "flag"  # "zero" or "flag"

    @property
    def tests(self):
        """The autograded test cells, in order."""
        return [c for c in self.cells if c.role == TEST]

    @property
    def manual(self):
        """The cells graded by hand, in order."""
        return [c for c in self.cells if c.role == MANUAL]

    @property
    def max_score(self):
        """The autograded points of the notebook."""
        return sum(c.points for c in self.tests)


@dataclass
class Assignment:
    name: str
    root: Path  # the course folder (holds nbgrader_config.py)
    source_dir: Path
    release_dir: Path | None
    notebooks: list = field(default_factory=list)
    data_files: dict = field(default_factory=dict)  # name in the work dir -> host path
    fingerprint: str = ""

    @property
    def max_score(self):
        """The autograded points of every notebook together."""
        return sum(nb.max_score for nb in self.notebooks)

    def questions(self):
        """(notebook, test cell) pairs in order; the grades.csv columns."""
        return [(nb, cell) for nb in self.notebooks for cell in nb.tests]

    def column(self, nb, cell):
        """The grades.csv column of test cell ``cell`` of notebook ``nb``."""
        return cell.key if len(self.notebooks) == 1 else f"{nb.name}:{cell.key}"


def read_json_notebook(path, limit=50 * 2**20):
    """Load a notebook file as a dict of the nbformat-4 shape; raise ValueError with why."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ValueError("the file is empty (0 bytes)")
    if size > limit:
        raise ValueError(f"the file is too large ({size / 2**20:.0f} MiB)")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not a notebook: invalid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or not isinstance(
        data.get("cells", data.get("worksheets")), list
    ):
        raise ValueError("not a notebook: the JSON has no list of cells")
    if "worksheets" in data and "cells" not in data:
        data = _from_v3(data)
    return data


def _from_v3(data):
    import nbformat

    try:
        node = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # noqa: BLE001 - any failure is the notebook's problem
        raise ValueError(
            f"not a notebook: an nbformat 3 file that cannot be read ({err})"
        ) from None
    return json.loads(nbformat.writes(node))


def cell_text(cell):
    """A cell's source as one string, tolerating the shapes found in real files."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def nbgrader_meta(cell):
    """A cell's nbgrader metadata (an empty dict when it has none or it is malformed)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def blank_answer(source, cell_type):
    """The release version of an answer cell, the way nbgrader's ClearSolutions makes it."""
    if BEGIN_SOLUTION not in source:
        return "YOUR ANSWER HERE" if cell_type == "markdown" else source
    lines, out, inside = source.splitlines(), [], False
    for line in lines:
        if BEGIN_SOLUTION in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            if cell_type == "markdown":
                out.append("YOUR ANSWER HERE")
            else:
                out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif END_SOLUTION in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def _role(meta, cell_type):
    if meta.get("solution") and meta.get("grade"):
        return MANUAL
    if meta.get("task"):
        return MANUAL
    if meta.get("solution"):
        return ANSWER if cell_type == "code" else MANUAL
    if meta.get("grade") and cell_type == "code":
        return TEST
    return LOCKED


def _released_cells(release_path):
    """grade_id -> (source, cell id) of the release notebook's cells (empty without one)."""
    if release_path is None or not Path(release_path).exists():
        return {}
    cells = read_json_notebook(release_path)["cells"]
    return {
        nbgrader_meta(c)["grade_id"]: (cell_text(c), c.get("id"))
        for c in cells
        if nbgrader_meta(c).get("grade_id")
    }


def load_notebook_spec(source_path, release_path=None):
    """Read one source notebook (and its release, for the blanks).

    Parameters
    ----------
    source_path : path
        ``solutions/<assignment>/<notebook>.ipynb``.
    release_path : path, optional
        The same notebook in ``exercises/``: what students were given.

    Returns
    -------
    NotebookSpec

    Raises
    ------
    AssignmentError
        For a grade_id used twice, a bad rule on libraries, or no autograded test cell.
    """
    data = read_json_notebook(source_path)
    release = _released_cells(release_path)
    rule = data.get("metadata", {}).get("coursekit", {})
    spec = NotebookSpec(
        name=Path(source_path).stem,
        forbidden_imports=tuple(sorted(rule.get("forbidden_imports", ()))),
        on_forbidden_import=rule.get("on_forbidden_import", "flag"),
    )
    if spec.on_forbidden_import not in ("zero", "flag"):
        raise AssignmentError(f"{source_path}: on_forbidden_import must be 'zero' or 'flag'")
    seen = set()
    for index, cell in enumerate(data["cells"]):
        meta, cell_type, text = nbgrader_meta(cell), cell.get("cell_type", "code"), cell_text(cell)
        gid = meta.get("grade_id")
        if gid in seen:
            raise AssignmentError(f"{source_path}: grade_id {gid!r} is used twice")
        if gid:
            seen.add(gid)
        role = _role(meta, cell_type)
        released, cell_id = release.get(gid, (None, None))
        if released is None:
            if role in (ANSWER, MANUAL):
                released = blank_answer(text, cell_type)
            else:
                released = HIDDEN.sub("", text)
        spec.cells.append(
            SourceCell(
                index=index,
                cell_type=cell_type,
                role=role,
                source=text,
                release=released,
                grade_id=gid,
                cell_id=cell_id or cell.get("id"),
                points=float(meta.get("points", 0) or 0) if role in (TEST, MANUAL) else 0.0,
            )
        )
    if not spec.tests:
        raise AssignmentError(f"{source_path}: no autograded test cells (nbgrader grade=True)")
    return spec


def load_assignment(root, name, source="solutions", release="exercises"):
    """Read assignment ``name`` of the course at ``root``."""
    root = Path(root).resolve()
    source_dir = root / source / name
    if not source_dir.is_dir():
        raise AssignmentError(f"no assignment {name!r}: {source_dir} does not exist")
    release_dir = root / release / name
    release_dir = release_dir if release_dir.is_dir() else None
    assignment = Assignment(name=name, root=root, source_dir=source_dir, release_dir=release_dir)
    digest = hashlib.sha256()
    for path in sorted(source_dir.glob("*.ipynb")):
        release_path = release_dir / path.name if release_dir else None
        try:
            assignment.notebooks.append(load_notebook_spec(path, release_path))
        except ValueError as err:
            raise AssignmentError(f"{path}: {err}") from None
        digest.update(path.read_bytes())
    if not assignment.notebooks:
        raise AssignmentError(f"{source_dir} holds no notebooks")
    data_root = release_dir or source_dir
    for path in sorted(data_root.iterdir()):
        if path.suffix != ".ipynb" and not path.name.startswith(".") and path.name != "__pycache__":
            assignment.data_files[path.name] = path
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    assignment.fingerprint = digest.hexdigest()[:16]
    return assignment

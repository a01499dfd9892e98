"""Rebuild the notebook to run from the instructor's source and the student's answers.

The student's file is not run as it is. The program that runs is built from the source
notebook, cell by cell in the source order:

- the instructor's cells (tests with their hidden parts, setup cells, locked cells) always
  come from the source, whatever the student's file holds;
- each answer cell comes from the student's cell with the same nbgrader ``grade_id``
  (or, if its metadata was stripped, the same nbformat cell id); a missing answer is the
  blank from the release notebook;
- code cells the student added are kept, after the instructor's cell they followed.

Whatever the student did to the instructor's cells is flagged: an edited, deleted,
duplicated or retyped test cell, or one whose metadata was stripped. The test that runs
is always the instructor's, so these cannot change a score; the flags are for the
instructor. :func:`scan` also flags answer code that reaches for the reference
implementations, the import machinery or the grader's process.

In the student's run every instructor cell is cut by :func:`without_expected`: each call
of a check keeps only its first two arguments, the name and the student's value. The
expected values, mistakes and tolerances a test spells out (literals, or lambdas
that compute them) therefore never exist in the student's process, so code that replaces
the check helpers has nothing to copy: the scores are decided outside, against the
reference run of the unchanged cells.
"""

import ast
import functools
import hashlib
import re
import threading
from dataclasses import dataclass, field

from coursekit import checks

from . import kit
from .assignment import ANSWER, LOCKED, MANUAL, TEST, cell_text, nbgrader_meta
from .executor import plain_python


@dataclass
class ProgramCell:
    """A cell of the rebuilt notebook."""

    key: str  # records and runs name the cell by this
    cell_type: str
    source: str
    origin: str  # "instructor", "student", "blank" (answer missing), "extra" (added)
    role: str  # answer, test, manual, locked, extra
    grade_id: str | None = None
    points: float = 0.0


@dataclass
class Rebuilt:
    cells: list = field(default_factory=list)
    flags: list = field(default_factory=list)  # suspicious: listed in the report
    notes: list = field(default_factory=list)  # harmless, shown in the feedback

    def program(self):
        """The code cells to execute, as the runner wants them."""
        return [
            {"id": c.key, "source": c.source, "private": c.role == TEST}
            for c in self.cells
            if c.cell_type == "code"
        ]

    def student_code(self):
        return [c.source for c in self.cells if c.origin in ("student", "extra")]


_AST_LOCK = threading.Lock()


def _parse(text):
    """ast.parse, one thread at a time: CPython 3.11's parser state is not thread-safe
    ("SystemError: AST constructor recursion depth mismatch" when students are graded in
    parallel threads)."""
    with _AST_LOCK:
        return ast.parse(text)


def _norm(text):
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def rebuild(spec, notebook):
    """Rebuild ``spec``'s notebook from a student's ``notebook`` (a dict, nbformat 4)."""
    result = Rebuilt()
    raw_cells = [c for c in notebook.get("cells", []) if isinstance(c, dict)]
    dropped = len(notebook.get("cells", [])) - len(raw_cells)
    if dropped:
        result.flags.append(f"{dropped} malformed cell(s) ignored")
    by_grade, by_id = {}, {}
    for pos, cell in enumerate(raw_cells):
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid:
            by_grade.setdefault(gid, []).append(pos)
        cid = cell.get("id")
        if isinstance(cid, str) and cid:
            by_id.setdefault(cid, []).append(pos)
    source_by_grade = {c.grade_id: c for c in spec.cells if c.grade_id}
    source_text = {_norm(c.release): c for c in spec.cells if c.role in (TEST, LOCKED)}
    used = set()  # positions of student cells consumed by the source cells
    anchor = {}  # student position -> source index it stands for

    for sc in spec.cells:
        positions = by_grade.get(sc.grade_id, []) if sc.grade_id else []
        if not positions and sc.cell_id and sc.cell_id in by_id:
            candidates = [p for p in by_id[sc.cell_id] if p not in used]
            if candidates and not nbgrader_meta(raw_cells[candidates[0]]).get("grade_id"):
                positions = candidates[:1]
                if sc.role in (ANSWER, MANUAL, TEST):
                    result.flags.append(f"cell {sc.key}: nbgrader metadata was stripped")
        if positions:
            anchor.setdefault(positions[0], sc.index)
        first = positions[0] if positions else None
        student = raw_cells[first] if first is not None else None
        if first is not None:
            used.add(first)

        if sc.role == ANSWER:
            if student is None:
                result.cells.append(_cell(sc, sc.release, "blank"))
                result.flags.append(f"answer cell {sc.key} is missing: graded as blank")
                continue
            if student.get("cell_type") != "code":
                result.cells.append(_cell(sc, sc.release, "blank"))
                result.flags.append(
                    f"answer cell {sc.key} was changed to a {student.get('cell_type')} cell: "
                    "graded as blank"
                )
                continue
            result.cells.append(_cell(sc, cell_text(student), "student"))
            if len(positions) > 1:
                result.notes.append(
                    f"answer cell {sc.key} appears {len(positions)} times: the copies run as "
                    "extra cells where they are"
                )
            continue
        if sc.role == MANUAL:
            text = cell_text(student) if student is not None else sc.release
            result.cells.append(_cell(sc, text, "student" if student else "blank"))
            continue
        # The instructor's cells: always the source version, with no expected values.
        result.cells.append(_cell(sc, without_expected(sc.source), "instructor"))
        if sc.cell_type != "code":
            continue
        what = "test cell" if sc.role == TEST else "locked cell"
        if student is None:
            stripped = [
                p
                for p, c in enumerate(raw_cells)
                if p not in used and _norm(cell_text(c)) == _norm(sc.release) and _norm(sc.release)
            ]
            if stripped and sc.role == TEST:
                used.add(stripped[0])
                anchor.setdefault(stripped[0], sc.index)
                result.flags.append(f"{what} {sc.key}: nbgrader metadata was stripped (restored)")
            elif sc.role == TEST or sc.grade_id:
                result.flags.append(f"{what} {sc.key} was deleted (restored)")
            continue
        if student.get("cell_type") != "code":
            result.flags.append(
                f"{what} {sc.key} was changed to a {student.get('cell_type')} cell (restored)"
            )
        elif _norm(cell_text(student)) != _norm(sc.release):
            result.flags.append(f"{what} {sc.key} was edited (restored)")
        meta = nbgrader_meta(student)
        if (
            sc.role == TEST
            and meta
            and (not meta.get("grade") or float(meta.get("points") or 0) != sc.points)
        ):
            result.flags.append(f"{what} {sc.key}: its nbgrader metadata was changed (ignored)")
        if len(positions) > 1:
            used.update(positions)
            for p in positions:
                anchor.setdefault(p, sc.index)
            result.flags.append(
                f"{what} {sc.key} appears {len(positions)} times (one restored copy runs)"
            )

    _insert_extra_cells(result, raw_cells, used, anchor, source_by_grade, source_text, spec)
    return result


def _cell(sc, text, origin):
    return ProgramCell(
        key=sc.key,
        cell_type=sc.cell_type,
        source=text,
        origin=origin,
        role=sc.role,
        grade_id=sc.grade_id,
        points=sc.points,
    )


def _insert_extra_cells(result, raw_cells, used, anchor, source_by_grade, source_text, spec):
    """Put the student's own code cells after the instructor's cell they followed."""
    after = {}  # source index -> list of extra cells
    last = -1
    count = 0
    for pos, cell in enumerate(raw_cells):
        if pos in anchor:
            last = anchor[pos]
            continue
        if pos in used or cell.get("cell_type") != "code":
            continue
        text = cell_text(cell)
        if not text.strip():
            continue
        copy = source_text.get(_norm(text))
        if copy is not None and copy.role == TEST:
            result.flags.append(f"test cell {copy.key} was copied into an extra cell")
        gid = nbgrader_meta(cell).get("grade_id")
        if gid and gid not in source_by_grade:
            result.notes.append(
                f"cell with unknown grade_id {str(gid)[:40]!r} runs as an extra cell"
            )
        count += 1
        extra = ProgramCell(
            key=f"extra-{count}", cell_type="code", source=text, origin="extra", role="extra"
        )
        after.setdefault(last, []).append(extra)
    if not after:
        return
    cells = list(after.get(-1, []))
    for sc, pc in zip(spec.cells, result.cells, strict=True):
        cells.append(pc)
        cells.extend(after.get(sc.index, []))
    result.cells = cells
    result.notes.append(f"{count} cell(s) you added ran where you put them")


# --- test cells without their expected values -----------------------------------------

CHECKS = {name for name in checks.__all__ if hasattr(getattr(checks, name), "kind")}
"""The check helpers that record in the student's run: check_array, check_int, ..."""


@functools.cache  # the same instructor cells, for every student: cut each once
def without_expected(source):
    """``source`` with every check call cut to ``check_x(name, actual)``.

    ``check_array("h", h, np.array([...]), rtol=1e-6, mistakes={...})`` becomes
    ``check_array("h", h)``. The removed text is replaced by the line breaks it held, so
    the line numbers of the cell stay as they are. Calls nested in a removed argument go
    with it. Source that does not parse is returned as it is (it fails the same way in the
    reference run, which then stops the grading).
    """
    text = plain_python(source)
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError):
        return source
    offsets = _line_offsets(text)
    cuts = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _check_name(node) in CHECKS):
            continue
        kept = node.args[:2]
        if len(kept) < 2 or any(isinstance(a, ast.Starred) for a in kept):
            name = f"{_check_name(node)}(name, actual)"
            raise ValueError(f"line {node.lineno}: a check must be called as {name}, ...")
        start = _position(offsets, text, kept[1].end_lineno, kept[1].end_col_offset)
        end = _position(offsets, text, node.end_lineno, node.end_col_offset) - 1  # the ")"
        cuts.append((start, end))
    for start, end in sorted(_outermost(cuts), reverse=True):
        text = text[:start] + "\n" * text.count("\n", start, end) + text[end:]
    return text


def _check_name(call):
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _line_offsets(text):
    """Character offset of the start of each line (1-based line numbers, as ast gives)."""
    offsets, total = [0, 0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def _position(offsets, text, lineno, col_bytes):
    """Character offset of ast's (line, UTF-8 byte column) in ``text``."""
    start = offsets[lineno]
    line = text[start : offsets[lineno + 1]] if lineno + 1 < len(offsets) else text[start:]
    return start + len(line.encode()[:col_bytes].decode())


def _outermost(spans):
    """The spans not inside another one."""
    spans = sorted(spans, key=lambda s: (s[0], -s[1]))
    kept = []
    for start, end in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


# --- static scan of the student's code --------------------------------------------------

SUSPICIOUS_NAMES = {
    "importlib": "uses importlib",
    "__import__": "uses __import__",
    "__builtins__": "touches __builtins__",
    "builtins": "touches builtins",
    "excepthook": "replaces sys.excepthook",
    "set_custom_exc": "hides errors (set_custom_exc)",
    "showtraceback": "hides errors (showtraceback)",
    "ctypes": "uses ctypes",
    "socket": "opens network sockets",
    "subprocess": "starts processes",
    "fork": "forks processes",
    "_exit": "calls os._exit",
    "setrecursionlimit": "changes the recursion limit",
    "gc": "inspects the garbage collector",
    "inspect": "inspects the running program",
    "_getframe": "inspects stack frames",
    "f_back": "inspects stack frames",
    "f_globals": "inspects stack frames",
    "f_locals": "inspects stack frames",
    "tb_frame": "inspects stack frames",
    "gi_frame": "inspects stack frames",
    "linecache": "reads the source of other cells",
    "COURSEKIT_RECORD": "touches the grader's record channel",
    "COURSEKIT_CELL": "touches the grader's record channel",
}
PATCH_TARGETS = {"np", "numpy", "checks", "coursekit", "builtins", "sys", "testing", "math"}


def scan(sources):
    """Flags for answer code that tries to reach outside the answer (sorted, unique)."""
    flags = set()
    for text in sources:
        try:
            tree = _parse(_strip_magics(text))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    _check_module(alias.name, flags)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                _check_module(module, flags)
                if module == "coursekit":
                    for alias in node.names:
                        _check_module(f"coursekit.{alias.name}", flags)
            elif isinstance(node, ast.Attribute):
                if (
                    isinstance(node.value, ast.Name)
                    and node.value.id == "coursekit"
                    and not kit.allowed(f"coursekit.{node.attr}")
                ):
                    flags.add(f"uses coursekit.{node.attr} (reference implementation)")
                if node.attr == "modules" and isinstance(node.value, ast.Name):
                    if node.value.id == "sys":
                        flags.add("uses sys.modules")
                if node.attr in SUSPICIOUS_NAMES:
                    flags.add(SUSPICIOUS_NAMES[node.attr])
            elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
                flags.add(SUSPICIOUS_NAMES[node.id])
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__eq__":
                        flags.add("defines __eq__ (comparison trick?)")
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    root = _root_name(target)
                    if isinstance(target, ast.Attribute) and root in PATCH_TARGETS:
                        flags.add(f"monkeypatches {ast.unparse(target)[:60]}")
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id in CHECKS:
                            flags.add(f"rebinds the check helper {name.id}")
            if isinstance(node, ast.Call) and _call_name(node) in ("globals", "vars", "locals"):
                flags.add(f"touches the namespace with {_call_name(node)}()")
            if isinstance(node, ast.Call) and _call_name(node) in ("setattr", "delattr"):
                if node.args and _root_name(node.args[0]) in PATCH_TARGETS:
                    flags.add(f"monkeypatches {ast.unparse(node.args[0])[:40]} with setattr")
    return sorted(flags)


def _check_module(name, flags):
    if name == "coursekit" or name.startswith("coursekit."):
        if not kit.allowed(name):
            flags.add(f"imports {name} (reference implementation)")
    top = name.split(".")[0]
    if top in SUSPICIOUS_NAMES:
        flags.add(SUSPICIOUS_NAMES[top])


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _call_name(node):
    return node.func.id if isinstance(node.func, ast.Name) else None


def _strip_magics(text):
    return re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", text)


def _code_key(text):
    try:
        return ast.dump(_parse(_strip_magics(text)))
    except (SyntaxError, ValueError):
        return _norm(text)


def answer_fingerprint(rebuilt, spec, min_chars=80):
    """A hash of the student's own answer code, blind to comments and formatting.

    Answers that are still blank or that equal the reference solution are left out (many
    honest students write the canonical one-liner); None when too little code is left to
    call two submissions copies of each other.
    """
    reference = {c.key: _code_key(c.source) for c in spec.cells if c.role == ANSWER}
    blank = {c.key: _code_key(c.release) for c in spec.cells if c.role == ANSWER}
    parts, size = [], 0
    for cell in rebuilt.cells:
        if cell.role != ANSWER or cell.origin != "student":
            continue
        key = _code_key(cell.source)
        if key in (reference.get(cell.key), blank.get(cell.key)):
            continue
        parts.append(f"{cell.key}:{key}")
        size += len(re.sub(r"\s+", "", cell.source))
    if size < min_chars:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

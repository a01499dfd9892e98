"""Rebuild the notebook to run from the instructor's source and the student's answers.

The student's file is not run as it is. The program that runs is built from the source
notebook, cell by cell in the source order:

- the instructor's cells (tests with their hidden parts, setup cells, locked cells) always
  come from the source, whatever the student's file holds, and are cut by
  :func:`.cut.without_expected` so that no expected value exists in the student's run;
- each answer cell comes from the student's cell with the same nbgrader ``grade_id``
  (or, if its metadata was stripped, the same nbformat cell id); a missing answer is the
  blank from the release notebook;
- code cells the student added are kept, after the instructor's cell they followed.

Whatever the student did to the instructor's cells is flagged: an edited, deleted,
duplicated or retyped test cell, or one whose metadata was stripped. The test that runs
is always the instructor's, so these cannot change a score; the flags are for the
instructor.
"""

from dataclasses import dataclass, field

from .assignment import ANSWER, LOCKED, MANUAL, TEST, cell_text, nbgrader_meta
from .cut import without_expected
from .source import normalised


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
    """The notebook that runs, and what the rebuild noticed."""

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
        """The source of every cell the student wrote (answers and added cells)."""
        return [c.source for c in self.cells if c.origin in ("student", "extra")]


def rebuild(spec, notebook):
    """Rebuild ``spec``'s notebook from a student's ``notebook`` (a dict, nbformat 4).

    Parameters
    ----------
    spec : NotebookSpec
        The instructor's notebook.
    notebook : dict
        The student's file, as read by :func:`.assignment.read_json_notebook`.

    Returns
    -------
    Rebuilt
    """
    return _Rebuild(spec, notebook).run()


def _program_cell(sc, text, origin):
    return ProgramCell(sc.key, sc.cell_type, text, origin, sc.role, sc.grade_id, sc.points)


class _Rebuild:
    """One rebuild: the student's cells, which of them are used, and where each stands."""

    def __init__(self, spec, notebook):
        self.spec, self.result = spec, Rebuilt()
        self.raw = [c for c in notebook.get("cells", []) if isinstance(c, dict)]
        dropped = len(notebook.get("cells", [])) - len(self.raw)
        if dropped:
            self.result.flags.append(f"{dropped} malformed cell(s) ignored")
        self.by_grade, self.by_id = {}, {}
        for pos, cell in enumerate(self.raw):
            gid, cid = nbgrader_meta(cell).get("grade_id"), cell.get("id")
            if isinstance(gid, str) and gid:
                self.by_grade.setdefault(gid, []).append(pos)
            if isinstance(cid, str) and cid:
                self.by_id.setdefault(cid, []).append(pos)
        self.used = set()  # positions of student cells consumed by the source cells
        self.anchor = {}  # student position -> source index it stands for

    def run(self):
        """The rebuilt notebook: each source cell in order, then the student's added cells."""
        for sc in self.spec.cells:
            positions = self._positions(sc)
            if positions:
                self.anchor.setdefault(positions[0], sc.index)
                self.used.add(positions[0])
            student = self.raw[positions[0]] if positions else None
            if sc.role == ANSWER:
                self._answer(sc, student, positions)
            elif sc.role == MANUAL:
                text = cell_text(student) if student is not None else sc.release
                origin = "student" if student is not None else "blank"
                self.result.cells.append(_program_cell(sc, text, origin))
            else:
                self._instructor(sc, student, positions)
        self._insert_extra_cells()
        return self.result

    def _positions(self, sc):
        """Where the student's copy of ``sc`` is: by grade_id, else by a bare cell id."""
        positions = self.by_grade.get(sc.grade_id, []) if sc.grade_id else []
        if positions or not (sc.cell_id and sc.cell_id in self.by_id):
            return positions
        candidates = [p for p in self.by_id[sc.cell_id] if p not in self.used]
        if candidates and not nbgrader_meta(self.raw[candidates[0]]).get("grade_id"):
            if sc.role in (ANSWER, MANUAL, TEST):
                self.result.flags.append(f"cell {sc.key}: nbgrader metadata was stripped")
            return candidates[:1]
        return []

    def _answer(self, sc, student, positions):
        if student is None or student.get("cell_type") != "code":
            self.result.cells.append(_program_cell(sc, sc.release, "blank"))
            self.result.flags.append(
                f"answer cell {sc.key} is missing: graded as blank"
                if student is None
                else f"answer cell {sc.key} was changed to a {student.get('cell_type')} cell: "
                "graded as blank"
            )
            return
        self.result.cells.append(_program_cell(sc, cell_text(student), "student"))
        if len(positions) > 1:
            self.result.notes.append(
                f"answer cell {sc.key} appears {len(positions)} times: the copies run as "
                "extra cells where they are"
            )

    def _instructor(self, sc, student, positions):
        """The instructor's cell, always from the source; flag what the student did to it."""
        self.result.cells.append(_program_cell(sc, without_expected(sc.source), "instructor"))
        if sc.cell_type != "code":
            return
        what = "test cell" if sc.role == TEST else "locked cell"
        if student is None:
            self._missing(sc, what)
            return
        flags = self.result.flags
        if student.get("cell_type") != "code":
            flags.append(
                f"{what} {sc.key} was changed to a {student.get('cell_type')} cell (restored)"
            )
        elif normalised(cell_text(student)) != normalised(sc.release):
            flags.append(f"{what} {sc.key} was edited (restored)")
        meta = nbgrader_meta(student)
        points = float(meta.get("points") or 0) if meta else sc.points
        if sc.role == TEST and meta and (not meta.get("grade") or points != sc.points):
            flags.append(f"{what} {sc.key}: its nbgrader metadata was changed (ignored)")
        if len(positions) > 1:
            self.used.update(positions)
            for p in positions:
                self.anchor.setdefault(p, sc.index)
            flags.append(f"{what} {sc.key} appears {len(positions)} times (one restored copy runs)")

    def _missing(self, sc, what):
        """A test or locked cell the student's file lacks: stripped of metadata, or deleted."""
        release = normalised(sc.release)
        stripped = [
            p
            for p, c in enumerate(self.raw)
            if p not in self.used and release and normalised(cell_text(c)) == release
        ]
        if stripped and sc.role == TEST:
            self.used.add(stripped[0])
            self.anchor.setdefault(stripped[0], sc.index)
            self.result.flags.append(f"{what} {sc.key}: nbgrader metadata was stripped (restored)")
        elif sc.role == TEST or sc.grade_id:
            self.result.flags.append(f"{what} {sc.key} was deleted (restored)")

    def _extra(self, cell, count):
        """An added cell as it runs; flags a copied test and notes an unknown grade_id."""
        text = cell_text(cell)
        source_text = {
            normalised(c.release): c for c in self.spec.cells if c.role in (TEST, LOCKED)
        }
        copy = source_text.get(normalised(text))
        if copy is not None and copy.role == TEST:
            self.result.flags.append(f"test cell {copy.key} was copied into an extra cell")
        gid = nbgrader_meta(cell).get("grade_id")
        if gid and gid not in {c.grade_id for c in self.spec.cells if c.grade_id}:
            self.result.notes.append(
                f"cell with unknown grade_id {str(gid)[:40]!r} runs as an extra cell"
            )
        return ProgramCell(f"extra-{count}", "code", text, "extra", "extra")

    def _insert_extra_cells(self):
        """Put the student's own code cells after the instructor's cell they followed."""
        after, last, count = {}, -1, 0  # source index -> the extra cells after it
        for pos, cell in enumerate(self.raw):
            if pos in self.anchor:
                last = self.anchor[pos]
                continue
            if pos in self.used or cell.get("cell_type") != "code":
                continue
            if cell_text(cell).strip():
                count += 1
                after.setdefault(last, []).append(self._extra(cell, count))
        if not after:
            return
        cells = list(after.get(-1, []))
        for sc, pc in zip(self.spec.cells, self.result.cells, strict=True):
            cells += [pc, *after.get(sc.index, [])]
        self.result.cells = cells
        self.result.notes.append(f"{count} cell(s) you added ran where you put them")

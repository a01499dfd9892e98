"""Grades back into the LMS: ``DIR/canvas_import.csv`` or ``DIR/moodle_import.csv``.

``--roster FILE`` is the instructor's own export, from Canvas or Moodle, told apart by its
header; :func:`write_import` matches the graded submissions to it and writes the file
that LMS imports as it is. Every roster student with no submission and every submission
with no roster entry is listed (:func:`summary_lines`), never dropped silently.

**Canvas** (the formats are Canvas's own code, ``instructure/canvas-lms``:
``lib/gradebook_exporter.rb`` writes the export, ``app/models/gradebook_importer.rb`` and
``ui/features/gradebook_uploads/jquery/process_gradebook_upload.js`` read the import; the
user guide is "How do I import grades in the Gradebook?" in the Canvas Instructor Guide).

- The export (Grades > Export) is UTF-8, with a BOM when chosen, comma- or
  semicolon-separated. Its header is ``Student, ID, [SIS User ID,] SIS Login ID,
  [Integration ID,] [Root Account,] Section`` (``LastName, FirstName`` instead of
  ``Student`` when that option is on), the custom columns, one column per assignment
  named ``Title (assignment id)``, then the totals. An optional ``Manual Posting`` row
  follows, then the ``    Points Possible`` row (``(read only)`` under computed columns),
  then one row per student, sortable name (``Doe, Jane``) first and Canvas's
  ``Test Student`` last. An assignment column here is a ``Title (digits)`` column that is
  not read-only.
- The import finds a student by ``ID`` (the Canvas user id, which ingest reads from
  ``<name>_<userid>_<submissionid>_<file>``), an assignment by the id in its header, else
  by its title, else it creates a new one, with the points of the Points Possible row.
  :func:`write_canvas_import` writes ``Student, ID, SIS User ID, SIS Login ID, Section``,
  then one column: the roster's own header when it has ``NAME`` or ``NAME (digits)`` (so
  Canvas updates that assignment and keeps its points possible), else ``NAME`` (Canvas
  creates it); the Points Possible row; one row per roster student, in roster order.
- Canvas posts every cell that differs from the grade it has, an empty one included
  (which removes that grade). So a student with no grade from the grader (no submission,
  or not graded) gets, under an existing column, the cell Canvas exported (no change),
  and under a new column an empty cell (no grade). Never 0.

**Moodle** (``moodle/moodle``: ``grade/export/txt/grade_export_txt.php`` writes the export,
``grade/import/csv/classes/load_data.php`` and the import mapping form read the import;
the user guide is https://docs.moodle.org/en/Grade_import).

- The export (Grades > Export > Plain text file) has the user fields, by default
  ``First name, Last name, ID number, Institution, Department, Email address``, one column
  per grade item and display type, ``<Module>: <item> (Real)``, and ``Last downloaded from
  this course``; comma, semicolon, colon or tab separated.
- The import identifies users by one column mapped to ``ID number`` or ``Email address``
  (preselected when a column is named so), and preselects the grade item of a column
  named ``<its name> (Real)``. A blank or ``-`` grade is "no grade" and replaces the
  grade there, and one row whose user is not found stops the whole import. So
  :func:`write_moodle_import` writes ``First name, Last name`` (shown in the preview,
  ignored), one key column, ``Email address`` when every graded student has a distinct
  one, else ``ID number`` (the other left out so that Moodle preselects the right one),
  and the grade item's column under the roster's own header (else under the item's name,
  to map by hand), with one row per graded student: students with no grade are left out
  of the file, so Moodle keeps what it has, and listed.
- Moodle's submission folders (``<Full Name>_<id>_assignsubmission_file_``) carry a
  participant id that the grades export does not have, so a Moodle student is matched by
  full name: the folder's name (from the result's ``origin``, which keeps its accents;
  else the student id with underscores as spaces) against the roster's ``First name
  Last name`` (or ``Last name First name``, for sites that show names that way), both in
  Unicode NFC, casefolded, with underscores and runs of spaces as one space. Two roster
  students, or two submissions, with the same name are ambiguous: they are listed as
  unmatched, with the reason, rather than guessed.

Both files are UTF-8 without a BOM, comma-separated, written with :mod:`csv`; names are
written exactly as the roster has them. Scores are written like grades.csv (7.5, 18).
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .ingest import MOODLE as MOODLE_FOLDER
from .outputs import fmt  # scores as grades.csv writes them (7.5, 18)

__all__ = [
    "LMS",
    "CanvasStudent",
    "Matching",
    "MoodleStudent",
    "Pair",
    "Roster",
    "RosterError",
    "RosterOnly",
    "SubmissionOnly",
    "canvas_column",
    "fold",
    "match",
    "moodle_column",
    "read_roster",
    "summary_lines",
    "write_canvas_import",
    "write_import",
    "write_moodle_import",
]

CANVAS_FILE = "canvas_import.csv"
MOODLE_FILE = "moodle_import.csv"
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"
READ_ONLY = "(read only)"
CANVAS_ASSIGNMENT = re.compile(r".+ \(\d+\)")
POSTING_ROW = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.IGNORECASE)
TEST_STUDENT = ("Student, Test", "Test Student")
FIRST, LAST, ID_NUMBER, EMAIL = "First name", "Last name", "ID number", "Email address"
MOODLE_GRADE = " (Real)"
DELIMITERS = (",", ";", "\t", ":")
NO_SUBMISSION = "no submission"
EXPECTED = (
    "a Canvas gradebook export (header 'Student, ID, [SIS User ID,] SIS Login ID, Section, "
    "...') or a Moodle grades export (header 'First name, Last name, ID number, Institution, "
    "Department, Email address, ...')"
)


class RosterError(Exception):
    """The roster cannot be read, or does not say where a grade goes."""


class LMS(StrEnum):
    """Which LMS a roster comes from."""

    CANVAS = "Canvas"
    MOODLE = "Moodle"


@dataclass
class CanvasStudent:
    """One student row of a Canvas gradebook export, as exported."""

    name: str  # the Student column: the sortable name, "Doe, Jane"
    id: str  # the Canvas user id
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    cells: dict = field(default_factory=dict)  # header -> cell, every column of the row

    @property
    def label(self):
        """The student as the summary names them."""
        return f"{self.name} (ID {self.id})"


@dataclass
class MoodleStudent:
    """One student row of a Moodle grades export, as exported."""

    first_name: str
    last_name: str
    id_number: str = ""
    email: str = ""
    cells: dict = field(default_factory=dict)  # header -> cell, every column of the row

    @property
    def name(self):
        """First name and last name, as Moodle's default full name."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def label(self):
        """The student as the summary names them."""
        if self.email:
            return f"{self.name} <{self.email}>"
        return f"{self.name} (ID number {self.id_number})" if self.id_number else self.name


@dataclass
class Roster:
    """An LMS export: which LMS, its header, its students and its grade columns."""

    kind: LMS
    header: list
    rows: list  # CanvasStudent or MoodleStudent, in the file's order
    assignments: list = field(default_factory=list)  # Canvas "Title (id)", Moodle "... (Real)"
    points_possible: dict = field(default_factory=dict)  # Canvas: header -> Points Possible cell


@dataclass
class Pair:
    """A roster student and their graded submission."""

    row: object
    result: object  # StudentResult


@dataclass
class RosterOnly:
    """A roster student with no submission, and why."""

    row: object
    reason: str = NO_SUBMISSION


@dataclass
class SubmissionOnly:
    """A submission that matches no roster student, and why."""

    result: object  # StudentResult
    reason: str


@dataclass
class Matching:
    """Who matched whom, who did not and why, and what writing the import file noted."""

    kind: LMS
    pairs: list = field(default_factory=list)  # Pair, in roster order
    no_submission: list = field(default_factory=list)  # RosterOnly, in roster order
    no_roster: list = field(default_factory=list)  # SubmissionOnly, in the results' order
    notes: list = field(default_factory=list)  # str, from writing the file
    path: Path | None = None  # the import file, once written

    @property
    def not_graded(self):
        """The matched students whose submission has no score."""
        return [p for p in self.pairs if not p.result.graded]


# --- reading the roster -------------------------------------------------------------


def read_roster(path):
    """Read a Canvas gradebook export or a Moodle grades export, told apart by its header.

    Parameters
    ----------
    path : path
        The CSV file the instructor exported (UTF-8, with or without a BOM).

    Returns
    -------
    Roster
        Its kind, header, student rows in file order (Canvas's Test Student included), and
        its grade columns.

    Raises
    ------
    RosterError
        When the file cannot be read, is not UTF-8, or has neither header.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise RosterError(f"{path}: cannot read the roster: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise RosterError(
            f"{path}: not UTF-8 (byte {err.start}); export the roster again as UTF-8"
        ) from None
    for delimiter in DELIMITERS:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        header = [cell.strip() for cell in records[0]] if records else []
        kind = _kind(header)
        if kind == LMS.CANVAS:
            return _canvas_roster(header, records[1:])
        if kind == LMS.MOODLE:
            return _moodle_roster(header, records[1:])
    first = text.splitlines()[0][:120] if text.strip() else "(the file is empty)"
    raise RosterError(f"{path}: not a roster: expected {EXPECTED}; its first line is {first!r}")


def _kind(header):
    canvas = header[:2] == ["Student", "ID"] or header[:3] == ["LastName", "FirstName", "ID"]
    if canvas and "Section" in header:
        return LMS.CANVAS
    if FIRST in header and LAST in header and (EMAIL in header or ID_NUMBER in header):
        return LMS.MOODLE
    return None


def _canvas_roster(header, records):
    points, rows = {}, []
    for record in records:
        cells = dict(zip(header, record, strict=False))
        if not any(cell.strip() for cell in record):
            continue
        if "Points Possible" in record[0]:
            points = cells
        elif not all(POSTING_ROW.fullmatch(cell) for cell in record):
            rows.append(_canvas_student(cells))
    section = header.index("Section")
    assignments = [
        h
        for h in header[section + 1 :]
        if CANVAS_ASSIGNMENT.fullmatch(h) and READ_ONLY not in points.get(h, "")
    ]
    return Roster(LMS.CANVAS, header, rows, assignments, points)


def _canvas_student(cells):
    if "Student" in cells:
        name = cells["Student"]
    else:
        name = f"{cells.get('LastName', '')}, {cells.get('FirstName', '')}"
    return CanvasStudent(
        name=name,
        id=cells.get("ID", "").strip(),
        sis_user_id=cells.get("SIS User ID", ""),
        sis_login_id=cells.get("SIS Login ID", ""),
        section=cells.get("Section", ""),
        cells=cells,
    )


def _moodle_roster(header, records):
    rows = []
    for record in records:
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, record, strict=False))
        rows.append(
            MoodleStudent(
                first_name=cells.get(FIRST, ""),
                last_name=cells.get(LAST, ""),
                id_number=cells.get(ID_NUMBER, "").strip(),
                email=cells.get(EMAIL, "").strip(),
                cells=cells,
            )
        )
    assignments = [h for h in header if h.endswith(MOODLE_GRADE)]
    return Roster(LMS.MOODLE, header, rows, assignments)


# --- matching -------------------------------------------------------------------------


def fold(name):
    """A name as matching compares it: NFC, casefolded, ``_`` and runs of spaces as one space.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
    """
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(text.replace("_", " ").split())


def _indices(roster):
    """Roster rows by key, one dict per way of keying them, tried in order."""
    if roster.kind == LMS.CANVAS:
        keys = [lambda row: row.id]
    else:
        keys = [
            lambda row: fold(f"{row.first_name} {row.last_name}"),
            lambda row: fold(f"{row.last_name} {row.first_name}"),
        ]
    indices = []
    for key in keys:
        index = {}
        for row in roster.rows:
            if key(row):
                index.setdefault(key(row), []).append(row)
        indices.append(index)
    return indices


def _result_key(kind, result):
    """(key, how to name it), or (None, why there is none)."""
    if kind == LMS.CANVAS:
        uid = result.lms_id.strip()
        if not uid:
            return None, "no Canvas user id: its files are not named <name>_<userid>_..."
        return uid, f"Canvas user id {uid}"
    for name in result.origin:
        found = MOODLE_FOLDER.match(name)
        if found:
            return fold(found.group("name")), f"name {found.group('name')!r}"
    return fold(result.student), f"name {result.student.replace('_', ' ')!r}"


def match(roster, results):
    """Pair each roster student with their submission, by the ids ingest reads.

    Canvas: the result's ``lms_id`` (Canvas user id) against the roster's ``ID``. Moodle:
    the submission folder's full name against the roster's names (see the module
    docstring). A key with two roster rows, or a roster row with two submissions, is
    ambiguous: all of them are listed as unmatched, with the reason. A result that is not
    graded still matches (it then gets no grade).

    Parameters
    ----------
    roster : Roster
    results : list of StudentResult

    Returns
    -------
    Matching
        The pairs and the unmatched on both sides; nobody is left out.
    """
    indices, claims, strays = _indices(roster), {}, []
    ambiguous_rows = {}
    for result in results:
        key, what = _result_key(roster.kind, result)
        rows = next((index[key] for index in indices if key in index), []) if key else []
        if key is None:
            strays.append(SubmissionOnly(result, what))
        elif not rows:
            strays.append(SubmissionOnly(result, f"{what} is not on the roster"))
        elif len(rows) > 1:
            names = " and ".join(row.label for row in rows)
            reason = f"ambiguous: {what} fits {len(rows)} roster students, {names}: not guessed"
            strays.append(SubmissionOnly(result, reason))
            for row in rows:
                ambiguous_rows[id(row)] = (
                    f"ambiguous: {what} fits another roster student too, so submission "
                    f"{result.student} is not guessed"
                )
        else:
            claims.setdefault(id(rows[0]), []).append(result)
    matching = Matching(roster.kind, no_roster=strays)
    for row in roster.rows:
        _settle(matching, row, claims.get(id(row), []), ambiguous_rows.get(id(row)))
    order = {id(result): n for n, result in enumerate(results)}
    matching.no_roster.sort(key=lambda stray: order[id(stray.result)])
    return matching


def _settle(matching, row, claimed, ambiguity):
    """Record one roster row: paired, claimed by several submissions, or with none."""
    if len(claimed) == 1:
        matching.pairs.append(Pair(row, claimed[0]))
    elif claimed:
        names = ", ".join(result.student for result in claimed)
        matching.no_submission.append(
            RosterOnly(row, f"ambiguous: {len(claimed)} submissions fit ({names}); not guessed")
        )
        matching.no_roster.extend(
            SubmissionOnly(result, f"ambiguous: {len(claimed)} submissions fit {row.label}")
            for result in claimed
        )
    elif ambiguity:
        matching.no_submission.append(RosterOnly(row, ambiguity))
    elif matching.kind == LMS.CANVAS and row.name in TEST_STUDENT and not row.sis_login_id:
        matching.no_submission.append(RosterOnly(row, "Canvas's Test Student, from Student View"))
    else:
        matching.no_submission.append(RosterOnly(row))


# --- writing ----------------------------------------------------------------------------


def _number(text):
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def canvas_column(roster, assignment_name):
    """The header of the assignment's column in canvas_import.csv.

    Parameters
    ----------
    roster : Roster
        A Canvas roster.
    assignment_name : str
        The assignment's name, or a Canvas header ``Name (id)``.

    Returns
    -------
    str
        The roster's assignment column named ``assignment_name`` or
        ``assignment_name (digits)`` (Canvas updates that assignment), else
        ``assignment_name`` (Canvas creates an assignment of that name).

    Raises
    ------
    RosterError
        When two of the roster's assignments have that name.
    """
    pattern = re.compile(rf"{re.escape(assignment_name)}( \(\d+\))?")
    found = [h for h in roster.assignments if pattern.fullmatch(h)]
    if len(found) > 1:
        raise RosterError(
            f"the Canvas roster has {len(found)} assignments named {assignment_name!r} "
            f"({', '.join(found)}): name the one to grade with its id, as in {found[0]!r}"
        )
    return found[0] if found else assignment_name


def write_canvas_import(path, roster, matching, assignment_name, points_possible):
    """Write canvas_import.csv: Canvas's student columns, the assignment, every student.

    Parameters
    ----------
    path : path
    roster : Roster
        A Canvas roster.
    matching : Matching
        From :func:`match` on this roster.
    assignment_name : str
        See :func:`canvas_column`.
    points_possible : float
        The assignment's maximum score, for the Points Possible row.

    Returns
    -------
    list of str
        Notes for the summary (a Canvas assignment out of other points than the grader's).
    """
    column = canvas_column(roster, assignment_name)
    existing, notes, points = column in roster.assignments, [], fmt(points_possible)
    theirs = roster.points_possible.get(column, "").strip() if existing else ""
    if theirs:
        if _number(theirs) != points_possible:
            notes.append(
                f"Canvas's {column} is out of {theirs} points, the grader's scores out of "
                f"{points}: Canvas keeps {theirs}; change the assignment's points in Canvas "
                "if that is not what you want"
            )
        points = theirs
    graded = {id(pair.row): pair.result for pair in matching.pairs if pair.result.graded}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*CANVAS_COLUMNS, column])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", points])
        for row in roster.rows:
            result = graded.get(id(row))
            kept = row.cells.get(column, "") if existing else ""
            grade = fmt(result.score) if result else kept
            writer.writerow(
                [row.name, row.id, row.sis_user_id, row.sis_login_id, row.section, grade]
            )
    if existing:
        what = f"updates the grades of {column}"
    else:
        what = f"creates a new assignment {column!r} (the roster has no assignment of that name)"
    notes.append(f"Canvas: Grades > Import, choose {Path(path).name}; it {what}")
    return notes


def moodle_column(roster, item_name):
    """The header of the grade item's column in moodle_import.csv, and a note or None.

    Parameters
    ----------
    roster : Roster
        A Moodle roster.
    item_name : str
        The grade item's name, or its full export header.

    Returns
    -------
    (str, str or None)
        The roster's ``<Module>: item_name (Real)`` or ``item_name (Real)`` header (Moodle
        then maps the column to that grade item by itself), else ``item_name`` with a
        note that the column is to be mapped by hand.

    Raises
    ------
    RosterError
        When two of the roster's grade items have that name.
    """
    real = f"{item_name}{MOODLE_GRADE}"
    found = [h for h in roster.assignments if h in (item_name, real) or h.endswith(f": {real}")]
    if len(found) > 1:
        raise RosterError(
            f"the Moodle roster has {len(found)} grade items named {item_name!r} "
            f"({', '.join(found)}): name the one to grade by its full header"
        )
    if found:
        return found[0], None
    return item_name, (
        f"the Moodle roster has no grade item {item_name!r}: in Moodle's import, map the "
        f"column {item_name!r} to the grade item by hand (or to a new grade item)"
    )


def _moodle_key(roster, rows):
    """The key column, and the rows it identifies: the first of email, ID number that
    identifies the most (distinct on the whole roster: Moodle stops at a duplicate)."""
    best = None
    for header, attr in ((EMAIL, "email"), (ID_NUMBER, "id_number")):
        if header not in roster.header:
            continue
        values = [getattr(row, attr) for row in roster.rows]
        usable = [
            row for row in rows if getattr(row, attr) and values.count(getattr(row, attr)) == 1
        ]
        if best is None or len(usable) > len(best[2]):
            best = (header, attr, usable)
    return best


def write_moodle_import(path, roster, matching, item_name):
    """Write moodle_import.csv: one row per graded student, keyed by email or ID number.

    Parameters
    ----------
    path : path
    roster : Roster
        A Moodle roster.
    matching : Matching
        From :func:`match` on this roster.
    item_name : str
        See :func:`moodle_column`.

    Returns
    -------
    list of str
        Notes for the summary: how to import, and any student left out of the file for
        want of a distinct email or ID number.
    """
    column, note = moodle_column(roster, item_name)
    graded = [pair for pair in matching.pairs if pair.result.graded]
    key, attr, usable = _moodle_key(roster, [pair.row for pair in graded])
    usable_ids = {id(row) for row in usable}
    notes = [note] if note else []
    left_out = [pair.row.label for pair in graded if id(pair.row) not in usable_ids]
    if left_out:
        notes.append(
            f"left out of {Path(path).name} (no distinct {key.lower()} to identify them by): "
            + "; ".join(left_out)
        )
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([FIRST, LAST, key, column])
        for pair in graded:
            if id(pair.row) in usable_ids:
                row = pair.row
                writer.writerow(
                    [row.first_name, row.last_name, getattr(row, attr), fmt(pair.result.score)]
                )
    notes.append(
        f"Moodle: Grades > Import > CSV file, choose {Path(path).name}; users are identified by "
        f"{key!r} (preselected); students with no grade are not in the file and keep theirs"
    )
    return notes


def write_import(out_dir, roster, results, assignment_name, max_score):
    """Match ``results`` to ``roster`` and write the import file its LMS reads.

    Parameters
    ----------
    out_dir : path
        The output folder: ``canvas_import.csv`` or ``moodle_import.csv`` goes there.
    roster : Roster
        From :func:`read_roster`.
    results : list of StudentResult
    assignment_name : str
        The assignment (Canvas) or grade item (Moodle) the grades go to.
    max_score : float
        The assignment's maximum score (Canvas's Points Possible).

    Returns
    -------
    Matching
        With ``path`` set to the file written and ``notes`` from writing it.
    """
    matching = match(roster, results)
    if roster.kind == LMS.CANVAS:
        matching.path = Path(out_dir) / CANVAS_FILE
        matching.notes += write_canvas_import(
            matching.path, roster, matching, assignment_name, max_score
        )
    else:
        matching.path = Path(out_dir) / MOODLE_FILE
        matching.notes += write_moodle_import(matching.path, roster, matching, assignment_name)
    return matching


def _listed(items, one, many, describe):
    """``"<n> <one or many>: a; b; c"``, or None when there are none."""
    if not items:
        return None
    head = f"{len(items)} {one if len(items) == 1 else many}"
    return f"{head}: " + "; ".join(describe(item) for item in items)


def summary_lines(matching):
    """The matching in words, for the console and the report: nobody unmatched is unnamed.

    Parameters
    ----------
    matching : Matching

    Returns
    -------
    list of str
        How many matched, the file written, then every student not graded, every roster
        student with no submission and every submission with no roster entry, by name
        and with the reason, then the notes from writing the file.
    """
    total = len(matching.pairs) + len(matching.no_submission)
    roster = "roster student" if total == 1 else "roster students"
    lines = [f"{len(matching.pairs)} of {total} {roster} matched a submission ({matching.kind})"]
    if matching.path is not None:
        lines.append(f"wrote {matching.path}")
    keeps = f"no grade from the grader ({matching.kind} keeps the one it has)"
    lines += [
        _listed(
            matching.not_graded,
            f"matched student is not graded, so gets {keeps}",
            f"matched students are not graded, so get {keeps}",
            lambda pair: f"{pair.row.label} ({pair.result.reason})",
        ),
        _listed(
            matching.no_submission,
            f"student on the roster has no submission, so gets {keeps}",
            f"students on the roster have no submission, so get {keeps}",
            lambda miss: (
                miss.row.label + ("" if miss.reason == NO_SUBMISSION else f" ({miss.reason})")
            ),
        ),
        _listed(
            matching.no_roster,
            "submission matches no roster entry, so is not in the import file",
            "submissions match no roster entry, so are not in the import file",
            lambda stray: f"{stray.result.student} ({stray.reason})",
        ),
    ]
    return [line for line in lines if line] + list(matching.notes)

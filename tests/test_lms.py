"""Grades back into Canvas and Moodle (coursekit/grader/lms.py), from the exports in
tests/lms_fixtures/ (see its README) and StudentResults built here."""

import csv
import unicodedata
from pathlib import Path

import pytest

from coursekit.grader import lms
from coursekit.grader.results import Status, StudentResult

FIXTURES = Path(__file__).parent / "lms_fixtures"
CANVAS = FIXTURES / "canvas_export.csv"
MOODLE = FIXTURES / "moodle_export.csv"


def canvas_result(student, uid, score=0.0, status=Status.GRADED):
    """A result as ingest and grading make it from Canvas's ``<name>_<uid>_<sid>_<file>``."""
    reason = None if status == Status.GRADED else "no notebook found"
    return StudentResult(
        student=student,
        lms_id=uid,
        origin=[f"{student}_{uid}_555_01_rnn_cell.ipynb"],
        status=status,
        reason=reason,
        score=score,
        max_score=18.0,
    )


def moodle_result(full_name, pid, score=0.0):
    """A result as ingest makes it from Moodle's ``<Full Name>_<id>_assignsubmission_file_``."""
    return StudentResult(
        student=full_name.replace(" ", "_"),
        lms_id=pid,
        origin=[f"{full_name}_{pid}_assignsubmission_file_"],
        score=score,
        max_score=18.0,
    )


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def canvas_class():
    """Doe and Núñez graded, Müller not graded, a stranger, a file with no Canvas id."""
    return [
        canvas_result("doejane", "1001", 7.5),
        canvas_result("mullerzoe", "1002", status=Status.NOT_GRADED),
        canvas_result("nunezjose", "1003", 18.0),
        canvas_result("ghost", "9999", 3.0),
        StudentResult(student="loose_notebook", score=4.0),
    ]


@pytest.mark.parametrize(("path", "kind"), [(CANVAS, lms.LMS.CANVAS), (MOODLE, lms.LMS.MOODLE)])
def test_read_roster_tells_canvas_and_moodle_apart_by_their_header(path, kind):
    roster = lms.read_roster(path)

    assert roster.kind == kind


def test_read_roster_refuses_an_unknown_header_and_names_both_formats_it_expected():
    with pytest.raises(lms.RosterError) as err:
        lms.read_roster(FIXTURES / "blackboard_export.csv")

    message = str(err.value)
    assert "blackboard_export.csv" in message
    assert "Student, ID, [SIS User ID,] SIS Login ID, Section" in message
    assert "First name, Last name, ID number" in message
    assert "Last Name" in message  # the header it found


def test_canvas_roster_reads_bom_quoted_commas_accents_and_skips_points_and_posting_rows():
    roster = lms.read_roster(CANVAS)

    assert roster.header[0] == "Student"
    assert [row.name for row in roster.rows] == [
        "Doe, Jane",
        "Müller, Zoë",
        "Núñez, José",
        "O'Brien, Seán",
        "Student, Test",
    ]
    assert [row.id for row in roster.rows] == ["1001", "1002", "1003", "1004", "1099"]
    assert roster.rows[3].section == "RNN 101 and RNN 102"
    assert roster.assignments == ["01_rnn_cell (12345)", "02_lstm (12346)"]
    assert roster.points_possible["01_rnn_cell (12345)"] == "18.00"


def test_canvas_roster_reads_semicolon_separated_and_last_first_name_exports(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "LastName;FirstName;ID;SIS Login ID;Section;01_rnn_cell (12345)\n"
        "    Points Possible;;;;;18\n"
        "Müller;Zoë;1002;zmueller;RNN 101;\n",
        encoding="utf-8",
    )

    roster = lms.read_roster(path)

    assert roster.kind == lms.LMS.CANVAS
    assert (roster.rows[0].name, roster.rows[0].id) == ("Müller, Zoë", "1002")
    assert roster.assignments == ["01_rnn_cell (12345)"]


def test_canvas_import_has_canvas_columns_the_existing_column_and_points_possible(tmp_path):
    roster = lms.read_roster(CANVAS)

    matching = lms.write_import(tmp_path, roster, canvas_class(), "01_rnn_cell", 18.0)

    rows = read_csv(tmp_path / "canvas_import.csv")
    assert matching.path == tmp_path / "canvas_import.csv"
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "01_rnn_cell (12345)",
    ]
    assert rows[1] == ["    Points Possible", "", "", "", "", "18.00"]


def test_canvas_import_gives_each_canvas_id_the_grader_score_and_keeps_canvas_cell_otherwise(
    tmp_path,
):
    roster = lms.read_roster(CANVAS)

    lms.write_import(tmp_path, roster, canvas_class(), "01_rnn_cell", 18.0)

    grades = {row[1]: row[5] for row in read_csv(tmp_path / "canvas_import.csv")[2:]}
    # Doe 7.5 replaces Canvas's 12; Müller is not graded and Canvas had nothing; O'Brien
    # has no submission and keeps Canvas's EX: the import changes nothing for them.
    assert grades == {"1001": "7.5", "1002": "", "1003": "18", "1004": "EX", "1099": ""}


def test_canvas_import_of_a_new_assignment_leaves_students_without_a_grade_empty_not_zero(tmp_path):
    roster = lms.read_roster(CANVAS)

    lms.write_import(tmp_path, roster, canvas_class(), "03_gru", 20.0)

    rows = read_csv(tmp_path / "canvas_import.csv")
    assert rows[0][5] == "03_gru"
    assert rows[1][5] == "20"
    assert [row[5] for row in rows[2:]] == ["7.5", "", "18", "", ""]


def test_canvas_import_has_every_roster_student_in_roster_order(tmp_path):
    roster = lms.read_roster(CANVAS)

    lms.write_import(tmp_path, roster, canvas_class(), "01_rnn_cell", 18.0)

    rows = read_csv(tmp_path / "canvas_import.csv")[2:]
    assert [row[:5] for row in rows] == [
        [r.name, r.id, r.sis_user_id, r.sis_login_id, r.section] for r in roster.rows
    ]


@pytest.mark.parametrize("name", ["Doe, Jane", "Müller, Zoë", "Núñez, José", "O'Brien, Seán"])
def test_canvas_import_writes_names_with_commas_and_accents_byte_exact(tmp_path, name):
    roster = lms.read_roster(CANVAS)

    lms.write_import(tmp_path, roster, canvas_class(), "01_rnn_cell", 18.0)

    quoted = f'"{name}",'.encode()
    assert quoted in CANVAS.read_bytes()
    assert quoted in (tmp_path / "canvas_import.csv").read_bytes()


def test_canvas_import_notes_an_assignment_out_of_other_points_than_the_grader(tmp_path):
    roster = lms.read_roster(CANVAS)

    matching = lms.write_import(tmp_path, roster, canvas_class(), "02_lstm", 18.0)

    assert read_csv(tmp_path / "canvas_import.csv")[1][5] == "20.00"
    assert any("out of 20.00 points" in note for note in matching.notes)


def test_canvas_column_refuses_two_assignments_of_the_same_name(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Student,ID,SIS Login ID,Section,01_rnn_cell (1),01_rnn_cell (2)\n"
        "    Points Possible,,,,18,18\n",
        encoding="utf-8",
    )
    roster = lms.read_roster(path)

    with pytest.raises(lms.RosterError, match=r"2 assignments named '01_rnn_cell'"):
        lms.canvas_column(roster, "01_rnn_cell")


def test_match_lists_every_roster_student_without_submission_and_every_stray_submission():
    roster = lms.read_roster(CANVAS)

    matching = lms.match(roster, canvas_class())

    assert [p.row.id for p in matching.pairs] == ["1001", "1002", "1003"]
    assert [(m.row.id, m.reason) for m in matching.no_submission] == [
        ("1004", "no submission"),
        ("1099", "Canvas's Test Student, from Student View"),
    ]
    assert [(s.result.student, s.reason) for s in matching.no_roster] == [
        ("ghost", "Canvas user id 9999 is not on the roster"),
        ("loose_notebook", "no Canvas user id: its files are not named <name>_<userid>_..."),
    ]


def test_summary_lines_name_the_not_graded_the_missing_and_the_strays():
    roster = lms.read_roster(CANVAS)
    matching = lms.match(roster, canvas_class())

    text = "\n".join(lms.summary_lines(matching))

    assert "3 of 5 roster students matched a submission (Canvas)" in text
    assert "1 matched student is not graded" in text and "Müller, Zoë (ID 1002)" in text
    assert "2 students on the roster have no submission" in text
    assert "O'Brien, Seán (ID 1004)" in text and "Student, Test (ID 1099)" in text
    assert "2 submissions match no roster entry" in text
    assert "ghost (Canvas user id 9999 is not on the roster)" in text
    assert "loose_notebook" in text


def test_moodle_match_by_name_ignores_case_underscores_and_unicode_normalisation():
    roster = lms.read_roster(MOODLE)
    decomposed = unicodedata.normalize("NFD", "José Núñez")  # as a Mac unzips it
    results = [
        moodle_result(decomposed, "41", 7.0),
        moodle_result("ZOË MÜLLER", "42", 9.0),
        StudentResult(student="Jane__Doe", score=5.0),  # no origin: the student id alone
    ]

    matching = lms.match(roster, results)

    assert [(p.row.email, p.result.lms_id) for p in matching.pairs] == [
        ("zoe.mueller@example.edu", "42"),
        ("jose.nunez@example.edu", "41"),
        ("jane.doe@example.edu", ""),
    ]
    assert matching.no_roster == []


def test_moodle_match_lists_a_name_two_roster_students_share_as_ambiguous():
    roster = lms.read_roster(MOODLE)

    matching = lms.match(roster, [moodle_result("Wei Zhang", "43", 10.0)])

    assert matching.pairs == []
    assert [s.result.lms_id for s in matching.no_roster] == ["43"]
    assert "ambiguous" in matching.no_roster[0].reason
    assert "wei.zhang@example.edu" in matching.no_roster[0].reason
    assert "wei.zhang.2@example.edu" in matching.no_roster[0].reason
    wei = [m for m in matching.no_submission if m.row.last_name == "Zhang"]
    assert len(wei) == 2 and all("ambiguous" in m.reason for m in wei)


def test_moodle_match_lists_two_submissions_with_one_name_as_ambiguous():
    roster = lms.read_roster(MOODLE)
    results = [moodle_result("Jane Doe", "44", 1.0), moodle_result("jane doe", "45", 2.0)]

    matching = lms.match(roster, results)

    assert matching.pairs == []
    assert [s.result.lms_id for s in matching.no_roster] == ["44", "45"]
    doe = next(m for m in matching.no_submission if m.row.last_name == "Doe")
    assert doe.reason.startswith("ambiguous: 2 submissions fit")


def test_moodle_import_is_keyed_by_email_under_the_grade_item_header_with_graded_students(tmp_path):
    roster = lms.read_roster(MOODLE)
    results = [moodle_result("José Núñez", "41", 7.5), moodle_result("Jane Doe", "46", 12.0)]

    matching = lms.write_import(tmp_path, roster, results, "01_rnn_cell", 18.0)

    assert matching.path == tmp_path / "moodle_import.csv"
    assert read_csv(matching.path) == [
        ["First name", "Last name", "Email address", "Assignment: 01_rnn_cell (Real)"],
        ["José", "Núñez", "jose.nunez@example.edu", "7.5"],
        ["Jane", "Doe", "jane.doe@example.edu", "12"],
    ]
    text = "\n".join(lms.summary_lines(matching))
    assert "3 students on the roster have no submission" in text
    assert "Zoë Müller <zoe.mueller@example.edu>" in text


def test_moodle_import_falls_back_to_id_number_when_emails_are_missing(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "First name\tLast name\tID number\tEmail address\tAssignment: 01_rnn_cell (Real)\n"
        "Zoë\tMüller\t20230001\t\t-\n"
        "José\tNúñez\t20230002\t\t-\n",
        encoding="utf-8",
    )
    roster = lms.read_roster(path)
    results = [moodle_result("Zoë Müller", "42", 9.0), moodle_result("José Núñez", "41", 7.0)]

    lms.write_import(tmp_path, roster, results, "01_rnn_cell", 18.0)

    assert read_csv(tmp_path / "moodle_import.csv") == [
        ["First name", "Last name", "ID number", "Assignment: 01_rnn_cell (Real)"],
        ["Zoë", "Müller", "20230001", "9"],
        ["José", "Núñez", "20230002", "7"],
    ]


def test_moodle_import_leaves_out_and_names_a_student_with_no_distinct_key(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "First name,Last name,Email address\nZoë,Müller,zoe.mueller@example.edu\nJosé,Núñez,\n",
        encoding="utf-8",
    )
    roster = lms.read_roster(path)
    results = [moodle_result("Zoë Müller", "42", 9.0), moodle_result("José Núñez", "41", 7.0)]

    matching = lms.write_import(tmp_path, roster, results, "01_rnn_cell", 18.0)

    assert [row[0] for row in read_csv(tmp_path / "moodle_import.csv")[1:]] == ["Zoë"]
    assert any("left out" in note and "José Núñez" in note for note in matching.notes)
    assert any("map the column '01_rnn_cell'" in note for note in matching.notes)


def test_write_import_writes_the_files_as_utf8_without_bom(tmp_path):
    roster = lms.read_roster(MOODLE)

    lms.write_import(tmp_path, roster, [moodle_result("Zoë Müller", "42", 9.0)], "01_rnn_cell", 18)

    data = (tmp_path / "moodle_import.csv").read_bytes()
    assert data.startswith(b"First name,")
    assert "Zoë,Müller".encode() in data


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("01_rnn_cell", "updates the grades of 01_rnn_cell (12345)"),
        ("03_gru", "creates a new assignment '03_gru'"),
    ],
)
def test_canvas_import_says_whether_it_updates_an_assignment_or_creates_one(tmp_path, name, says):
    roster = lms.read_roster(CANVAS)

    matching = lms.write_import(tmp_path, roster, canvas_class(), name, 18.0)

    assert any(says in line for line in lms.summary_lines(matching))

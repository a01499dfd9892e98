"""The grader's parts, without running notebooks: records, ingest, rebuild, cut, scan,
compare, CLI."""

import ast
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from grader_fixtures import course

from coursekit import checks, protocol
from coursekit.__main__ import build_parser
from coursekit.grader import compare, cut, fingerprint, ingest, rebuild, scan
from coursekit.grader.assignment import blank_answer, load_assignment, read_json_notebook
from coursekit.grader.cli import parse_timeout
from coursekit.grader.kit import STUDENT_MODULES, build_kit
from coursekit.grader.runner import CellRun, CellStatus
from coursekit.grader.sandbox import Limits, Sandbox

# --- records: encode in the sandbox, decode and evaluate outside -------------------------


def roundtrip(value):
    return protocol.decode_value(json.loads(json.dumps(protocol.encode_value(value))))


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6.0).reshape(2, 3),
        np.ones((2, 2), dtype=np.float32),
        np.array([1, 2], dtype=np.int16),
        np.array([True, False]),
        np.zeros((0, 3)),
        np.float32(1.5),
        np.int64(7),
        3,
        2.5,
        float("nan"),
        True,
        None,
        "text",
        (np.ones(2), 3),
        [1, [2, 3]],
        {"W_xh": np.eye(2), "b_h": np.zeros(2)},
    ],
)
def test_record_roundtrip_keeps_exact_types_and_values(value):
    back = roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, dict):
        assert set(back) == set(value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    elif not isinstance(value, (tuple, list)):
        assert back == value


def test_record_of_an_unknown_object_decodes_to_a_plain_named_object():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    back = roundtrip(AlwaysEqual())
    assert type(back).__name__ == "AlwaysEqual" and back != 1


def test_record_of_an_ndarray_subclass_stays_a_subclass():
    back = roundtrip(np.ma.array([1.0, 2.0]))
    assert type(back) is not np.ndarray and isinstance(back, np.ndarray)


@pytest.mark.parametrize(
    "bad",
    [
        {"t": "ndarray", "dtype": "|O", "shape": [1], "data": ""},
        {"t": "ndarray", "dtype": "<f8", "shape": [3], "data": "AAAA"},
        {"t": "ndarray", "dtype": "<f8", "shape": [-1], "data": ""},
        {"t": "pickle", "v": "gASV"},
        {"t": "list", "items": "nope"},
        ["not", "a", "dict"],
    ],
)
def test_decoding_refuses_malformed_or_dangerous_records(bad):
    with pytest.raises(protocol.RecordError):
        protocol.decode_value(bad)


def test_decoding_refuses_records_beyond_the_size_budget():
    big = protocol.encode_value(np.zeros(2**20))
    with pytest.raises(protocol.RecordError):
        protocol.decode_value(big, _budget=[1000, 10])


EXPECTED = {"name": "h_t", "args": {"expected": np.ones((2, 3)), "rtol": 1e-6, "atol": 1e-9}}


@pytest.mark.parametrize(
    "actual",
    [
        [[1.0] * 3] * 2,
        np.ones((2, 3)).view(np.ma.MaskedArray),
        np.ones((2, 3), dtype=np.float32),
        np.ones((3, 2)),
        np.ones((2, 3)) * 1.01,
    ],
)
def test_evaluate_rejects_lists_subclasses_wrong_dtypes_shapes_and_values(actual):
    passed, message = checks.evaluate("array", roundtrip(actual), EXPECTED)
    assert not passed and message


def test_evaluate_accepts_the_right_array_and_names_a_likely_mistake():
    assert checks.evaluate("array", np.ones((2, 3)), EXPECTED) == (True, "")
    record = {**EXPECTED, "args": {**EXPECTED["args"], "mistakes": {"forgot b": np.zeros((2, 3))}}}
    passed, message = checks.evaluate("array", np.zeros((2, 3)), record)
    assert not passed and "forgot b" in message


@pytest.fixture
def channel(monkeypatch):
    """Record mode on a socket pair: returns a function that reads the records sent so far."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    monkeypatch.setenv(protocol.CHANNEL_ENV, str(theirs.fileno()))
    reader = protocol.Channel(ours, 2**30)

    def records(with_args=False):
        lines = [("cell", protocol.parse(line)) for _, line in reader.read()]
        return compare.decode_records(lines, with_args=with_args)

    yield records
    ours.close()
    theirs.close()


def test_record_mode_records_without_evaluating_the_expected_value(channel):
    def reference_is_not_reachable():
        raise AssertionError("expected was evaluated")

    checks.check_array("y", np.zeros(2), reference_is_not_reachable, rtol=0, atol=0)
    checks.check_int("n", 3, 4)
    records, bad = channel()
    assert bad == 0
    assert [(r["kind"], r["name"]) for r in records["cell"]] == [("array", "y"), ("int", "n")]
    assert all("args" not in r for r in channel(with_args=False)[0].get("cell", []))


def test_reference_mode_records_resolved_arguments_and_still_checks(channel, monkeypatch):
    monkeypatch.setenv(protocol.REFERENCE_ENV, "1")
    checks.check_array(
        "y", np.ones(2), lambda: np.ones(2), rtol=0, atol=0, mistakes={"m": lambda: np.zeros(2)}
    )
    with pytest.raises(checks.CheckFailed):
        checks.check_int("n", 3, lambda: 4)
    records, _ = channel(with_args=True)
    first = records["cell"][0]
    np.testing.assert_array_equal(first["args"]["expected"], np.ones(2))
    np.testing.assert_array_equal(first["args"]["mistakes"]["m"], np.zeros(2))


def test_reference_mode_records_an_expected_as_its_values_and_a_rule_by_name(channel, monkeypatch):
    from coursekit.expected import rnn_cell

    monkeypatch.setenv(protocol.REFERENCE_ENV, "1")
    checks.check_int("count", 42, rnn_cell.param_count(3, 4, 2))
    values = (np.array([1.0, -0.25]), np.array([0.762, -0.245]), np.array([1.134, 0.631]))
    values += (np.array([0.812, 0.559]),)
    checks.check_rule("by hand", values, rnn_cell.by_hand_consistent())
    count, rule = channel(with_args=True)[0]["cell"]
    assert count["args"]["expected"] == 42 and "forgot the biases" in str(count["args"]["mistakes"])
    assert rule["args"]["rule"] == "coursekit.expected.rnn_cell:_by_hand_agree"
    assert checks.evaluate("rule", values, rule) == (True, "")
    assert not checks.evaluate("rule", values[:3], rule)[0]


def test_a_rule_from_outside_coursekit_expected_is_refused():
    record = {"name": "x", "args": {"rule": "os:system", "data": {}}}
    passed, message = checks.evaluate("rule", "echo hi", record)
    assert not passed and "coursekit.expected" in message


def test_the_channel_names_the_process_that_wrote_each_line():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    reader = protocol.Channel(ours, 2**20)
    protocol.send({"m": "ready"}, theirs.fileno())
    child = os.fork()
    if child == 0:
        protocol.send({"m": "done", "cell": 0}, theirs.fileno())
        os._exit(0)
    os.waitpid(child, 0)
    lines = reader.read()
    assert [(pid, protocol.parse(line)["m"]) for pid, line in lines] == [
        (os.getpid(), "ready"),
        (child, "done"),
    ]


def test_normal_mode_accepts_lazy_expected_values():
    checks.check_array("y", np.ones(2), lambda: np.ones(2), rtol=0, atol=0)
    with pytest.raises(checks.CheckFailed, match="Likely cause: zeros"):
        checks.check_array(
            "y",
            np.zeros(2),
            lambda: np.ones(2),
            rtol=0,
            atol=0,
            mistakes={"zeros": lambda: np.zeros(2)},
        )


# --- compare ----------------------------------------------------------------------------


def _ref(name, expected):
    return {"kind": "int", "name": name, "args": {"expected": expected}}


def _rec(name, actual):
    return {"kind": "int", "name": name, "actual": actual}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = course.make_course(tmp_path_factory.mktemp("course"))
    return load_assignment(root, "toy")


def test_a_test_cell_passes_only_when_every_reference_check_passes(toy):
    cell = next(c for c in toy.notebooks[0].tests if c.key == "test_count_hidden")
    refs = [_ref("a", 2), _ref("b", 16)]
    ran = CellRun(index=0, id=cell.key, status=CellStatus.OK)
    full = compare.score_cell(cell, refs, [_rec("a", 2), _rec("b", 16)], ran, None)
    assert (full.points, full.status) == (2, "passed")
    half = compare.score_cell(cell, refs, [_rec("a", 2), _rec("b", 15)], ran, None)
    assert (half.points, half.status) == (0, "failed") and "15" in half.message


def test_a_cell_that_passed_but_wrote_to_stderr_scores_zero_as_in_nbgrader(toy):
    cell = toy.notebooks[0].tests[0]
    ran = CellRun(index=0, id=cell.key, status=CellStatus.OK, stderr="RuntimeWarning: overflow")
    q = compare.score_cell(cell, [_ref("a", 2)], [_rec("a", 2)], ran, None)
    assert (q.points, q.status) == (0, "error") and "RuntimeWarning: overflow" in q.message


def test_a_missing_record_scores_zero_with_the_cells_error(toy):
    cell = toy.notebooks[0].tests[0]
    ran = CellRun(
        index=0, id=cell.key, status=CellStatus.ERROR, ename="CheckFailed", evalue="not written yet"
    )
    q = compare.score_cell(cell, [_ref("a", 2)], [], ran, None)
    assert q.points == 0 and "not written yet" in q.message


def test_a_cell_that_raised_after_its_checks_scores_zero(toy):
    cell = toy.notebooks[0].tests[0]
    ran = CellRun(
        index=0, id=cell.key, status=CellStatus.ERROR, ename="NameError", evalue="name 'q'"
    )

    q = compare.score_cell(cell, [_ref("a", 2)], [_rec("a", 2)], ran, None)

    assert (q.points, q.status) == (0, "error") and "NameError" in q.message


@pytest.mark.parametrize(
    "student",
    [[_rec("noise", 0), _rec("a", 2)], [_rec("a", 2), _rec("a", 2)]],
    ids=["before", "after"],
)
def test_records_the_test_does_not_make_fail_the_cell(toy, student):
    cell = toy.notebooks[0].tests[0]
    ran = CellRun(index=0, id=cell.key, status=CellStatus.OK)
    q = compare.score_cell(cell, [_ref("a", 2)], student, ran, None)
    assert (q.points, q.status) == (0, "failed") and "does not count" in q.message


def test_malformed_records_are_counted_and_skipped():
    good = {"m": "record", "v": 1, "kind": "int", "name": "n", "actual": {"t": "int", "v": "1"}}
    bad_ones = [None, [], {"v": 1}, {**good, "v": 2}, {**good, "actual": {"t": "pickle"}}]
    records, bad = compare.decode_records([("c", m) for m in [*bad_ones, good]])
    assert bad == 5 and len(records["c"]) == 1


# --- assignment and rebuild --------------------------------------------------------------


def test_assignment_reads_points_roles_and_hidden_tests(toy):
    nb = toy.notebooks[0]
    assert nb.max_score == course.MAX_SCORE
    assert [c.key for c in nb.manual] == ["written"]
    hidden = next(c for c in nb.cells if c.key == "test_affine_hidden")
    assert "BEGIN HIDDEN TESTS" in hidden.source and "BEGIN HIDDEN TESTS" not in hidden.release


def test_blank_answer_replaces_the_solution_like_nbgrader():
    text = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    assert (
        blank_answer(text, "code")
        == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )


def _program(toy, nb):
    return rebuild.rebuild(toy.notebooks[0], nb)


def test_rebuild_takes_answers_from_the_student_and_tests_from_the_source(toy):
    nb = course.notebook({"affine": "def affine(x, W, b):\n    return 0\n"})
    course.cell(nb, "test_affine")["source"] = "pass"
    rebuilt = _program(toy, nb)
    by_key = {c.key: c for c in rebuilt.cells}
    assert by_key["affine"].source.endswith("return 0\n") and by_key["affine"].origin == "student"
    assert "check_array" in by_key["test_affine"].source
    assert "test cell test_affine was edited (restored)" in rebuilt.flags


def test_rebuild_matches_an_answer_whose_metadata_was_stripped_by_cell_id(toy):
    nb = course.notebook()
    course.cell(nb, "count_params")["metadata"] = {}
    rebuilt = _program(toy, nb)
    count = next(c for c in rebuilt.cells if c.key == "count_params")
    assert count.origin == "student" and "return n_inputs" in count.source
    assert any("metadata was stripped" in f for f in rebuilt.flags)


def test_rebuild_uses_the_blank_for_a_deleted_answer_and_flags_it(toy):
    nb = course.notebook()
    nb["cells"] = [c for c in nb["cells"] if c["id"] != "tanh_half"]
    rebuilt = _program(toy, nb)
    tanh = next(c for c in rebuilt.cells if c.key == "tanh_half")
    assert tanh.origin == "blank" and "NotImplementedError" in tanh.source
    assert "answer cell tanh_half is missing: graded as blank" in rebuilt.flags


def test_rebuild_keeps_extra_student_cells_after_the_cell_they_followed(toy):
    nb = course.notebook()
    position = next(i for i, c in enumerate(nb["cells"]) if c["id"] == "affine")
    nb["cells"].insert(position + 1, {"cell_type": "code", "metadata": {}, "source": "helper = 1"})
    keys = [c.key for c in _program(toy, nb).cells]
    assert keys[keys.index("affine") + 1] == "extra-1"


def test_rebuild_flags_a_test_cell_changed_to_markdown_and_a_duplicate(toy):
    nb = course.notebook()
    course.cell(nb, "test_count")["cell_type"] = "markdown"
    nb["cells"].append(dict(course.cell(nb, "test_tanh")))
    rebuilt = _program(toy, nb)
    assert "test cell test_count was changed to a markdown cell (restored)" in rebuilt.flags
    assert "test cell test_tanh appears 2 times (one restored copy runs)" in rebuilt.flags
    assert [c.key for c in rebuilt.cells].count("test_tanh") == 1


@pytest.mark.parametrize(
    "code, flag",
    [
        (
            "from coursekit.rnn import cell_forward",
            "imports coursekit.rnn (reference implementation)",
        ),
        ("import coursekit\nx = coursekit.lstm", "uses coursekit.lstm (reference implementation)"),
        ("import importlib", "uses importlib"),
        ("m = __import__('os')", "uses __import__"),
        ("import sys\nsys.modules['x'] = 1", "uses sys.modules"),
        ("import numpy as np\nnp.allclose = print", "monkeypatches np.allclose"),
        ("import sys\nsys.excepthook = print", "replaces sys.excepthook"),
    ],
)
def test_scan_flags_reaching_for_the_reference_and_the_machinery(code, flag):
    assert flag in scan.scan([code])


@pytest.mark.parametrize("module", STUDENT_MODULES)
def test_scan_accepts_every_module_the_sandbox_ships(module, tmp_path):
    # One list: what the kit copies into the sandbox is what the scan lets answers import.
    assert scan.scan([f"from coursekit import {module}\nimport coursekit.{module}"]) == []
    kit = build_kit(tmp_path) / "coursekit"
    path = kit / module if (kit / module).is_dir() else kit / f"{module}.py"
    text = (path / "__init__.py" if path.is_dir() else path).read_text()
    assert "not available while grading" not in text


@pytest.mark.parametrize("module", ["rnn", "expected", "expected.rnn_cell", "grader", "interop"])
def test_scan_flags_every_module_the_sandbox_stubs(module):
    assert "reference implementation" in " ".join(scan.scan([f"import coursekit.{module}"]))


def test_fingerprint_ignores_comments_and_spacing_but_not_blanks_or_the_solution(toy):
    spec = toy.notebooks[0]
    code = "def affine(x, W, b):\n    out = np.dot(x, W)  # mine\n    return out + b[np.newaxis, :] * 1.0\n"
    a = rebuild.rebuild(spec, course.notebook({"affine": code}))
    b = rebuild.rebuild(
        spec, course.notebook({"affine": code.replace("  # mine", "").replace(" = ", "=")})
    )
    assert fingerprint.answer_fingerprint(a, spec, min_chars=20) == fingerprint.answer_fingerprint(
        b, spec, min_chars=20
    )
    assert fingerprint.answer_fingerprint(a, spec, min_chars=20) is not None
    assert (
        fingerprint.answer_fingerprint(rebuild.rebuild(spec, course.notebook()), spec, 20) is None
    )
    blank = rebuild.rebuild(spec, course.notebook(blank=True))
    assert fingerprint.answer_fingerprint(blank, spec, min_chars=1) is None


SOURCE_WITH_CHECKS = """%matplotlib inline
check_array(
    "h",  # the state
    call(f, x),
    np.array([[0.25, 0.5],
              [0.75, 1.0]]),
    rtol=1e-6, atol=1e-8, mistakes={"missing bias": np.array([[0.125, 0.5]])},
)
for _a in range(2): checks.check_int(f"n {_a}", g(_a), lambda: _a * 2)
check_unchanged("x", _x, _saved[0])
print("done")
"""


def test_without_expected_cuts_every_check_to_name_and_actual_and_keeps_the_lines():
    text = cut.without_expected(SOURCE_WITH_CHECKS)

    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
    checks_left = [c for c in calls if cut._check_name(c) in cut.CHECKS]
    assert len(checks_left) == 3
    assert all(len(c.args) == 2 and not c.keywords for c in checks_left)
    assert (
        "0.25" not in text and "0.125" not in text and "_a * 2" not in text and "_saved" not in text
    )
    assert text.count("\n") == SOURCE_WITH_CHECKS.count("\n")
    assert text.splitlines()[-1] == 'print("done")'


def test_without_expected_refuses_a_check_called_with_keywords_only():
    with pytest.raises(ValueError, match=r"line 1: a check must be called as check_int\(name"):
        cut.without_expected('check_int(name="n", actual=n, expected=3)\n')


def test_every_test_cell_of_the_course_keeps_only_name_and_actual_in_the_students_run():
    root = Path(__file__).resolve().parents[1]
    for source in sorted((root / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(source.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] != "code" or "check_" not in text:
                continue
            tree = ast.parse(cut.without_expected(text))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and cut._check_name(node) in cut.CHECKS:
                    assert len(node.args) == 2 and not node.keywords, (source.name, node.lineno)


def test_scan_flags_answer_code_that_rebinds_the_checks():
    flags = scan.scan(["check_array = lambda *a: None\nglobals()['check_int'] = print\n"])
    assert "rebinds the check helper check_array" in flags
    assert "touches the namespace with globals()" in flags


# --- ingest --------------------------------------------------------------------------------


def _names(tmp_path, subs):
    found, problems = ingest.collect(subs, ["toy"], tmp_path / "work", log=lambda m: None)
    return {s.student: s for s in found}, problems


def test_ingest_reads_canvas_moodle_and_folder_layouts(tmp_path):
    subs = tmp_path / "subs"
    good = json.dumps(course.notebook())
    course.write(subs / "smithjane_1234_5678_toy.ipynb", good)
    course.write(subs / "doejohn_LATE_99_100_toy-2.ipynb", good)
    course.write(subs / "Grace Hopper_555_assignsubmission_file_" / "toy.ipynb", good)
    course.write(subs / "alan" / "toy" / "toy.ipynb", good)
    found, _ = _names(tmp_path, subs)
    assert sorted(found) == ["Grace_Hopper", "alan", "doejohn", "smithjane"]
    assert found["smithjane"].lms_id == "1234" and found["smithjane"].files["toy"].name.endswith(
        "toy.ipynb"
    )


def test_ingest_keeps_two_students_with_the_same_name_apart(tmp_path):
    subs = tmp_path / "subs"
    course.write(subs / "leeann_1_10_toy.ipynb", "{}")
    course.write(subs / "leeann_2_20_toy.ipynb", "{}")
    found, _ = _names(tmp_path, subs)
    assert sorted(found) == ["leeann_1", "leeann_2"]


def test_ingest_refuses_zip_slip_absolute_paths_and_links(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside.ipynb", "{}")
        zf.writestr("/etc/absolute.ipynb", "{}")
        link = zipfile.ZipInfo("alice/link.ipynb")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("alice/toy.ipynb", json.dumps(course.notebook()))
        zf.writestr("bob/toy.ipynb", json.dumps(course.notebook()))
    found, problems = _names(tmp_path, archive)
    assert sorted(found) == ["alice", "bob"]
    text = " ".join(problems)
    assert "outside the archive" in text and "absolute path" in text and "symbolic link" in text
    assert (
        not (tmp_path / "outside.ipynb").exists()
        and not (tmp_path / "work" / "outside.ipynb").exists()
    )


def test_ingest_refuses_tar_links_and_devices(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tf:
        info = tarfile.TarInfo("toy.ipynb")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(info)
    course.write(tmp_path / "subs" / "eve_1_2_upload.tar", buffer.getvalue())
    found, _ = _names(tmp_path, tmp_path / "subs")
    assert "link or a device" in found["eve"].reason


def test_ingest_stops_at_the_size_budget(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    with zipfile.ZipFile(subs / "max_1_2_big.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("toy.ipynb", b"\0" * 2**21)
    found, _ = ingest.collect(subs, ["toy"], tmp_path / "work", max_bytes=2**20, log=lambda m: None)
    assert "size limit" in found[0].reason


def test_ingest_ignores_symlinked_submissions(tmp_path):
    subs = tmp_path / "subs"
    (subs / "mallory").mkdir(parents=True)
    os.symlink("/etc/passwd", subs / "mallory" / "toy.ipynb")
    found, _ = _names(tmp_path, subs)
    assert found["mallory"].reason.startswith("toy.ipynb: symbolic link ignored")


def test_notebook_reader_explains_what_is_wrong(tmp_path):
    for text, words in [("", "empty"), ("{oops", "invalid JSON"), ("[1, 2]", "no list of cells")]:
        path = course.write(tmp_path / "nb.ipynb", text)
        with pytest.raises(ValueError, match=words):
            read_json_notebook(path)


# --- sandbox kit and command line -------------------------------------------------------------


def test_kit_keeps_only_the_allowed_modules_and_stubs_the_reference(tmp_path):
    kit = build_kit(tmp_path)
    names = sorted(p.stem for p in (kit / "coursekit").glob("*.py"))
    for name in ("rnn", "lstm", "gru", "heads", "wrappers", "interop", "grader", "expected"):
        assert (
            name in names
            and "not available while grading" in (kit / "coursekit" / f"{name}.py").read_text()
        )
    for name in STUDENT_MODULES:
        path = kit / "coursekit" / name
        text = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
        assert "not available while grading" not in text


def test_a_virtual_environment_under_tmp_is_mounted_over_the_private_tmp(tmp_path, monkeypatch):
    # A fresh clone in /tmp keeps its .venv there: the sandbox's private /tmp must not hide it.
    venv = Path("/tmp") / tmp_path.name / ".venv"
    venv.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "exec_prefix", str(venv))
    argv, _, _ = Sandbox(kit=tmp_path).command(Limits())
    private_tmp = argv.index("/tmp", argv.index("--tmpfs") - 1)
    assert argv[private_tmp - 1] == "--tmpfs"
    venv_bind = argv.index(str(venv))
    assert argv[venv_bind - 1] == "--ro-bind" and venv_bind > private_tmp


def test_timeout_option_takes_a_cell_and_an_optional_notebook_limit():
    assert parse_timeout("30") == (30.0, None)
    assert parse_timeout("30:900") == (30.0, 900.0)
    args = build_parser().parse_args(["grade", "a1", "subs.zip", "--out", "o", "--workers", "2"])
    assert args.workers == 2 and args.timeout == (60.0, None) and not args.force


def test_ingest_keeps_students_whose_names_clean_up_alike_apart(tmp_path):
    subs = tmp_path / "subs"
    course.write(subs / "ann lee" / "toy.ipynb", "{}")
    course.write(subs / "ann_lee" / "toy.ipynb", "{}")
    found, _ = _names(tmp_path, subs)
    assert sorted(found) == ["ann_lee", "ann_lee_2"]


def test_rebuild_ignores_and_flags_points_changed_in_a_test_cells_metadata(toy):
    nb = course.notebook()
    course.cell(nb, "test_tanh")["metadata"]["nbgrader"]["points"] = 100
    rebuilt = _program(toy, nb)
    assert "test cell test_tanh: its nbgrader metadata was changed (ignored)" in rebuilt.flags
    assert next(c for c in rebuilt.cells if c.key == "test_tanh").points == 2


def test_a_coursekit_installed_into_the_environment_is_hidden_in_the_sandbox(tmp_path, monkeypatch):
    # After `pip install .` (not editable) coursekit lies in site-packages, which is mounted.
    venv = tmp_path / "venv"
    installed = venv / "lib" / "python3.11" / "site-packages" / "coursekit"
    installed.mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "exec_prefix", str(venv))

    argv, _, _ = Sandbox(kit=tmp_path / "kit", protect=[installed]).command(Limits())

    hidden = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--tmpfs"]
    assert str(venv) in argv and str(installed) in hidden


@pytest.mark.slow  # runs the toy's solutions (the reference run and the self-check)
def test_the_grader_hides_the_coursekit_it_runs_from(tmp_path):
    import coursekit
    from coursekit.grader.grade import Grader, Options

    course_dir = course.make_course(tmp_path / "course")
    course.write(tmp_path / "subs" / "ok" / "toy.ipynb", course.notebook())
    grader = Grader(course_dir, "toy", tmp_path / "subs", tmp_path / "out", Options(progress=False))

    grader.prepare()

    assert Path(coursekit.__file__).parent in grader.sandbox.protect


def git_course(root, ignore=""):
    """The toy course in a new git work tree, with ``ignore`` as its .gitignore."""
    course_dir = course.make_course(root)
    subprocess.run(["git", "init", "-q", str(course_dir)], check=True)
    (course_dir / ".gitignore").write_text(ignore)
    course.write(root / "subs" / "ok" / "toy.ipynb", course.notebook())
    return course_dir


@pytest.mark.parametrize(
    "ignore, out, warned",
    [("", "grading/toy", True), ("grading/\n", "grading/toy", False), ("", None, False)],
    ids=["inside, not ignored", "inside, ignored", "outside the work tree"],
)
def test_grader_warns_when_git_would_take_in_the_output_folder(tmp_path, ignore, out, warned):
    from coursekit.grader.grade import Grader, Options

    course_dir = git_course(tmp_path / "course", ignore)
    folder = course_dir / out if out else tmp_path / "elsewhere"
    grader = Grader(course_dir, "toy", tmp_path / "course" / "subs", folder, Options())
    warnings = [w for w in grader.warnings if "git add ." in w]
    assert bool(warnings) == warned, grader.warnings
    if warned:
        assert str(course_dir.resolve()) in warnings[0]

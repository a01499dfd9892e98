"""Find every student's notebook in an LMS export (zip or folder), safely.

Supported layouts (SUBMISSIONS may be a folder or a .zip/.tar/.tar.gz of one):

- **Folder per student**: ``<student>/<notebook>.ipynb``, at any depth below the
  student's folder (so nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb``
  works when SUBMISSIONS is ``submitted/``).
- **Canvas**: files named ``<name>_<userid>_<submissionid>_<filename>``, also with
  ``_LATE_`` after the name, and with Canvas' resubmission suffix (``notebook-1.ipynb``).
  The student is ``<name>`` (``<name>_<userid>`` when two user ids share a name).
- **Moodle**: folders named ``<Full Name>_<id>_assignsubmission_file_`` holding the files;
  the student is the full name with spaces as underscores (``_<id>`` added on a clash).
  ``..._assignsubmission_onlinetext_`` folders are ignored.
- **Loose notebooks**: ``<student>.ipynb`` directly in SUBMISSIONS.

A student's upload may itself be an archive (zip or tar), nested up to three levels.
Everything is extracted under the output folder; an archive member with an absolute
path, a ``..`` component, a link or a device is refused, and so is an archive that would
unpack to more than ``max_bytes`` (a zip bomb). Refusals become the student's reason in
grades.csv when a student can be named, and a line in the log either way.
"""

import re
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CANVAS = re.compile(r"^(?P<name>[^_/]+?)_(?:LATE_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<uid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)$")
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")
MAX_NESTING = 3
SKIP = ("__MACOSX", ".DS_Store", "Thumbs.db")


class IngestError(Exception):
    """SUBMISSIONS cannot be read at all."""


@dataclass
class Submission:
    """One student's files, or the reason there are none."""

    student: str
    files: dict = field(default_factory=dict)  # notebook name -> Path
    reason: str | None = None
    notes: list = field(default_factory=list)
    origin: list = field(default_factory=list)  # names in the export
    lms_id: str = ""


@dataclass
class Budget:
    """Bytes and members an ingest may still unpack (shared by nested archives)."""

    bytes_left: int
    members_left: int = 20_000


def is_archive(name):
    """Whether ``name`` is a zip or tar archive, by its extension."""
    return str(name).lower().endswith(ARCHIVES)


def safe_name(text):
    """A student id made of letters, digits, ``_ . -`` (nbgrader and file names need it)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip()).strip("._")
    return cleaned[:80] or "student"


def _member_problem(name):
    if "\x00" in name:
        return "has a NUL byte in its name"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "has an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "points outside the archive (..)"
    return None


def extract(archive, dest, budget, problems):
    """Unpack ``archive`` into ``dest`` refusing unsafe members; return True if it opened.

    ``problems`` collects one line per refused member or archive.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if archive.name.lower().endswith(".zip"):
            return _extract_zip(archive, dest, budget, problems)
        return _extract_tar(archive, dest, budget, problems)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as err:
        problems.append(f"{archive.name}: not a readable archive ({type(err).__name__}: {err})")
        return False


def _claim(budget, size, archive, name, problems):
    budget.members_left -= 1
    budget.bytes_left -= size
    if budget.members_left < 0:
        problems.append(f"{archive.name}: too many files (refused the rest)")
        return False
    if budget.bytes_left < 0:
        problems.append(
            f"{archive.name}: unpacks to more than the size limit (a zip bomb?): "
            f"refused {name} and the rest"
        )
        return False
    return True


def _extract_zip(archive, dest, budget, problems):
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if declared > 50 * 2**20 and declared / packed > 100:
            problems.append(
                f"{archive.name}: compression ratio {declared / packed:.0f}:1 and "
                f"{declared / 2**20:.0f} MiB unpacked: refused as a zip bomb"
            )
            return False
        for info in infos:
            problem = _member_problem(info.filename)
            mode = info.external_attr >> 16
            if problem is None and stat.S_ISLNK(mode):
                problem = "is a symbolic link"
            if problem:
                problems.append(f"{archive.name}: refused member {info.filename!r}: it {problem}")
                continue
            if info.is_dir():
                continue
            if not _claim(budget, info.file_size, archive, info.filename, problems):
                return True
            target = dest / info.filename.replace("\\", "/")
            if not _within(target, dest):
                problems.append(f"{archive.name}: refused member {info.filename!r}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 2**20)
    return True


def _extract_tar(archive, dest, budget, problems):
    with tarfile.open(archive) as tf:
        for member in tf:
            problem = _member_problem(member.name)
            if problem is None and not (member.isfile() or member.isdir()):
                problem = "is a link or a device"
            if problem:
                problems.append(f"{archive.name}: refused member {member.name!r}: it {problem}")
                continue
            if member.isdir():
                continue
            if not _claim(budget, member.size, archive, member.name, problems):
                return True
            target = dest / member.name
            if not _within(target, dest):
                problems.append(f"{archive.name}: refused member {member.name!r}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tf.extractfile(member)
            if src is None:
                continue
            with src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 2**20)
    return True


def _within(path, folder):
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _files_below(folder, work, budget, problems, depth=0):
    """Regular files below ``folder`` (archives unpacked in place), no links followed."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if any(part in SKIP or part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.is_symlink():
            problems.append(f"{path.name}: symbolic link ignored")
            continue
        if not path.is_file():
            continue
        if is_archive(path.name):
            if depth >= MAX_NESTING:
                problems.append(f"{path.name}: archives nested more than {MAX_NESTING} deep")
                continue
            inner = work / f"{path.name}.d{depth}"
            n = 0
            while inner.exists():
                n += 1
                inner = work / f"{path.name}.d{depth}.{n}"
            if extract(path, inner, budget, problems):
                found += _files_below(inner, inner, budget, problems, depth + 1)
            continue
        found.append(path)
    return found


def _notebook_key(filename, expected):
    """The expected notebook a file name stands for, or None."""
    stem = Path(filename).stem if filename.lower().endswith(".ipynb") else None
    if stem is None:
        return None
    candidates = [stem]
    m = RESUBMISSION.match(stem)
    if m:
        candidates.append(m.group("stem"))
    lowered = {e.lower(): e for e in expected}
    for c in candidates:
        if c.lower() in lowered:
            return lowered[c.lower()]
    return None


def _assign(sub, files, expected):
    """Pick each expected notebook among a student's files; explain what is missing."""
    notebooks = [f for f in files if f.name.lower().endswith(".ipynb")]
    chosen = {}
    for path in notebooks:
        name = path.name
        m = CANVAS.match(name)
        if m:
            name = m.group("file")
        key = _notebook_key(name, expected)
        if key is not None:
            if key in chosen:
                sub.notes.append(f"several files for {key}.ipynb: graded {path.name}")
            chosen[key] = path  # sorted order: the last (highest resubmission) wins
    leftovers = [p for p in notebooks if p not in chosen.values()]
    missing = [e for e in expected if e not in chosen]
    if len(missing) == 1 and len(leftovers) == 1:
        chosen[missing[0]] = leftovers[0]
        sub.notes.append(f"renamed notebook: graded {leftovers[0].name} as {missing[0]}.ipynb")
        missing = []
    sub.files = {k: chosen[k] for k in expected if k in chosen}
    if missing and not sub.files:
        others = sorted({p.name for p in files})[:5]
        sub.reason = (
            f"no notebook found (expected {', '.join(e + '.ipynb' for e in missing)}; "
            f"got {', '.join(others) if others else 'no files'})"
        )
    elif missing:
        sub.notes.append(f"missing notebook(s): {', '.join(m + '.ipynb' for m in missing)}")


def _export_root(source, work, budget, problems):
    """The folder that holds the students' entries: the export, unpacked if need be."""
    if source.is_file():
        root = work / "export"
        if is_archive(source.name):
            if not extract(source, root, budget, problems):
                raise IngestError("; ".join(problems))
        elif source.name.lower().endswith(".ipynb"):
            (root / safe_name(source.stem)).mkdir(parents=True)
            shutil.copy2(source, root / safe_name(source.stem) / source.name)
        else:
            raise IngestError(f"{source} is neither a folder, an archive nor a notebook")
    elif source.is_dir():
        root = source
    else:
        raise IngestError(f"{source} does not exist")
    for _ in range(3):  # an export wrapped in one folder
        entries = [e for e in root.iterdir() if e.name not in SKIP and not e.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir() and not MOODLE.match(entries[0].name):
            inner = [e for e in entries[0].iterdir() if not e.name.startswith(".")]
            if inner and all(e.is_dir() or CANVAS.match(e.name) for e in inner) and len(inner) > 1:
                root = entries[0]
                continue
        break
    return root


def _unpacked(entry, inner, budget, problems):
    """The files of an archive entry, unpacked into ``inner``."""
    if extract(entry, inner, budget, problems):
        return _files_below(inner, inner, budget, problems, 1)
    return []


def _entry(entry, unpack, budget, problems):
    """(student, LMS id, files) of one entry of the export; None for an entry to skip
    (Moodle's online text), False for one that is not a submission."""
    canvas, moodle = CANVAS.match(entry.name), MOODLE.match(entry.name)
    if entry.is_file() and canvas:
        student, uid = canvas.group("name"), canvas.group("uid")
        if not is_archive(canvas.group("file")):
            return student, uid, [entry]
        inner = unpack / f"{safe_name(student)}_{uid}" / canvas.group("sid")
        return student, uid, _unpacked(entry, inner, budget, problems)
    if entry.is_dir() and moodle:
        if moodle.group("plugin") != "file":
            return None
        student, uid = moodle.group("name").replace(" ", "_"), moodle.group("uid")
        return student, uid, _files_below(entry, unpack / safe_name(entry.name), budget, problems)
    if entry.is_dir():
        return entry.name, "", _files_below(entry, unpack / safe_name(entry.name), budget, problems)
    if entry.is_file() and entry.name.lower().endswith(".ipynb"):
        return entry.stem, "", [entry]
    if entry.is_file() and is_archive(entry.name):
        student = re.sub(r"(\.tar)?\.[A-Za-z]+$", "", entry.name)
        return student, "", _unpacked(entry, unpack / safe_name(entry.name), budget, problems)
    return False


def _submission(sid, uid, origin, problems, files, expected, log):
    sub = Submission(student=sid, origin=origin, lms_id=uid)
    _assign(sub, files, expected)
    for line in problems:
        log(f"ingest: {sid}: {line}")
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        text = "; ".join(problems[:3]) + more
        if sub.reason:
            sub.reason = f"{text}; {sub.reason}"
        else:
            sub.notes.append(text)
    return sub


def collect(source, expected, work, max_bytes=512 * 2**20, log=print):
    """All submissions in ``source`` for the notebooks named in ``expected``.

    Parameters
    ----------
    source : path
        The LMS export: a folder, an archive or one notebook.
    expected : list of str
        The notebook names of the assignment (without .ipynb).
    work : path
        A folder inside the output folder where archives are unpacked (emptied first).
    max_bytes : int
        What all archives together may unpack to.
    log : callable

    Returns
    -------
    (list of Submission, list of str)
        The submissions sorted by student, and the problems of the export itself.
    """
    source, work = Path(source), Path(work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    budget, top_problems = Budget(bytes_left=max_bytes), []
    root = _export_root(source, work, budget, top_problems)
    groups = {}  # (student, lms id) -> (origin names, problems, files)
    for entry in sorted(root.iterdir()):
        if entry.name in SKIP or entry.name.startswith("."):
            continue
        if entry.is_symlink():
            top_problems.append(f"{entry.name}: symbolic link ignored")
            continue
        problems = []
        found = _entry(entry, work / "students", budget, problems)
        if found is False:
            top_problems.append(f"{entry.name}: not a submission (ignored)")
        if not found:
            continue
        student, uid, files = found
        origin, probs, all_files = groups.setdefault((student, uid), ([], [], []))
        origin.append(entry.name)
        probs.extend(problems)
        all_files.extend(files)
    for line in top_problems:
        log(f"ingest: {line}")
    ids = _student_ids(groups)
    submissions = [
        _submission(ids[key], key[1], origin, problems, files, expected, log)
        for key, (origin, problems, files) in sorted(groups.items())
    ]
    submissions.sort(key=lambda sub: sub.student)
    return submissions, top_problems


def _student_ids(groups):
    """A unique, file-safe id per (name, LMS id): the name, then name_userid, then _2, _3."""
    by_name = {}
    for student, uid in groups:
        by_name.setdefault(safe_name(student), []).append((student, uid))
    ids, taken = {}, set()
    for name, keys in sorted(by_name.items()):
        for student, uid in sorted(keys):
            sid = name if len(keys) == 1 else safe_name(f"{student}_{uid}" if uid else student)
            base, n = sid, 1
            while sid in taken:
                n += 1
                sid = f"{base}_{n}"
            taken.add(sid)
            ids[(student, uid)] = sid
    return ids

"""The worker's side of grading on a Dask cluster: one task per submission.

``coursekit grade ASSIGNMENT SUBMISSIONS --out DIR --scheduler tcp://HOST:PORT`` sends each
submission to the cluster as a ``dask.distributed`` task (:class:`.pools.DaskPool`); Dask
alone carries the work between machines. Where each step happens:

- **The client** (the machine the command runs on) reads the export, hashes every
  submission, sends each one's files as a :class:`Parcel`, writes ``results/<student>.json``
  as each result arrives and, at the end, every output file. It runs no student code and
  needs no bubblewrap. A rerun skips every result whose input hash still holds, so an
  interrupted client, run again, resumes.
- **A worker** prepares the assignment once per worker process exactly as a local run does
  (:meth:`.grade.Grader.prepare`: bubblewrap's self-test, the sandbox's coursekit, the
  reference run of the solutions, the self-check), in its own local directory. Then, per
  task, it writes the submission's files there, runs the notebook in bubblewrap and scores
  its records (:func:`.student.grade_submission`), and returns the StudentResult.

Scoring happens in the worker process, outside the sandbox, and that side is trusted for the
same reasons as on one machine: the expected values exist only there (from the reference
run, in the worker's memory and local directory), while the student's code runs in a
bubblewrap child with no network (so it reaches neither the worker, nor the scheduler, nor
the client), a private file system (no course, no other submission) and nothing of the
grader but the one channel it records on (see :mod:`coursekit.protocol`). The result is
plain data the worker made itself.

A worker prepares with the client's options and must arrive at the client's settings hash
(grader version, the assignment's tests, limits, sandbox), or its tasks fail: a worker
with another version of the course or of coursekit never grades. A worker killed partway
loses nothing: the scheduler runs its tasks again on another worker (up to
``distributed.scheduler.allowed-failures`` times) and the client writes a result only when
it arrives.

Each worker machine needs what a local run needs: Linux with bubblewrap that can create
user namespaces, this course checked out at the path the client gives (``--worker-course``,
by default the client's own course path), and the same Python environment
(requirements.txt, coursekit installed) for ``dask worker``. See book/instructors.md.
"""

import hashlib
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import processes, student
from .ingest import Submission
from .prepare import GradingError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_address(address):
    """Refuse a scheduler that anyone on the network could join.

    Whoever reaches a plain-TCP scheduler can run code on its workers (where the expected
    values live), join as a worker and receive the submissions, or send the client
    results. So the scheduler must be ``tls://`` (certificates from Dask's configuration,
    ``distributed.comm.tls``; see book/instructors.md), or plain ``tcp://`` on this
    machine's loopback only (a LocalCluster, an ssh tunnel, ``kubectl port-forward``).
    """
    scheme, _, rest = address.partition("://")
    host = rest.rsplit(":", 1)[0].strip("[]") if ":" in rest else rest
    if scheme == "tls" or (scheme == "tcp" and host in LOOPBACK):
        return
    raise GradingError(
        f"--scheduler {address}: a plain-TCP scheduler off this machine lets anyone who "
        "reaches it run code on the workers or send results; use tls:// with certificates "
        "(Dask's distributed.comm.tls settings, see the instructors' page), or tunnel it "
        "to tcp://127.0.0.1"
    )


@dataclass(frozen=True)
class Job:
    """What every task of one run grades with.

    Parameters
    ----------
    course : str
        The course folder on the workers.
    assignment : str
    options : grade.Options
    settings : str
        The client's settings hash; a worker whose own differs refuses to grade.
    code : str
        The client's :func:`code_hash`; a worker whose coursekit differs refuses to grade.
    """

    course: str
    assignment: str
    options: object
    settings: str
    code: str


def code_hash():
    """A hash of coursekit's own source files (the grader, the checks, the reference maths)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Parcel:
    """One submission as it travels to a worker: its files' bytes instead of their paths."""

    student: str
    input_hash: str
    lms_id: str = ""
    origin: list = field(default_factory=list)
    reason: str | None = None
    notes: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # notebook name -> (file name, bytes)

    @classmethod
    def pack(cls, sub, input_hash):
        """The parcel of ``sub`` (an :class:`.ingest.Submission`), its files read now."""
        files = {name: (Path(p).name, Path(p).read_bytes()) for name, p in sub.files.items()}
        return cls(sub.student, input_hash, sub.lms_id, list(sub.origin), sub.reason,
                   list(sub.notes), files)  # fmt: skip

    def unpack(self, folder):
        """Write the files into ``folder``; the Submission that names them there."""
        folder.mkdir(parents=True)
        paths = {}
        for i, (name, (file_name, data)) in enumerate(sorted(self.files.items())):
            (folder / str(i)).mkdir()
            paths[name] = folder / str(i) / file_name
            paths[name].write_bytes(data)
        return Submission(self.student, paths, self.reason, list(self.notes), list(self.origin),
                          self.lms_id)  # fmt: skip


class _Preparations:
    """The worker process's prepared assignments, made once each (or their error, kept)."""

    def __init__(self):
        self.lock, self.made = threading.Lock(), {}

    def get(self, job):
        key = (job.course, job.assignment, job.settings)
        with self.lock:
            if key not in self.made:
                try:
                    self.made[key] = _prepare(job)
                except GradingError as err:
                    self.made[key] = err
            made = self.made[key]
        if isinstance(made, GradingError):
            raise made
        return made


_PREPARED = _Preparations()


def _folder(job):
    """This worker's folder for ``job`` (in Dask's local directory for the worker)."""
    from distributed import get_worker

    return Path(get_worker().local_directory) / f"coursekit-{job.settings}"


def _prepare(job):
    try:
        return _prepare_here(job)
    except GradingError as err:
        raise GradingError(f"worker {socket.gethostname()}: {err}") from None


def _prepare_here(job):
    from .grade import Grader  # grade imports the pools, which import this module

    processes.become_subreaper()  # every sandbox's processes are this process's to reap
    folder = _folder(job)
    (folder / "in").mkdir(parents=True, exist_ok=True)
    options = replace(
        job.options, workers=1, progress=False, outputs=False, scheduler=None, roster=None
    )
    grader = Grader(job.course, job.assignment, folder / "in", folder / "out", options)
    try:
        if grader.settings_hash() != job.settings or code_hash() != job.code:
            raise GradingError(
                f"its course at {job.course} or its coursekit differs from the client's "
                "(other tests, limits or grader code); check out the same commit everywhere"
            )
        grader.prepare()
    finally:
        grader.log_file.close()
    return grader.prepared


def prepare_task(job):
    """Prepare ``job`` on this worker (once per process).

    Parameters
    ----------
    job : Job

    Returns
    -------
    list of str
        The warnings the preparation found (as a local run gives them).

    Raises
    ------
    GradingError
        When this worker cannot grade: no bubblewrap, another version of the course or of
        coursekit, a broken solution.
    """
    return list(_PREPARED.get(job).warnings)


def grade_task(job, parcel):
    """Grade one submission on this worker, in bubblewrap, and score it here.

    Parameters
    ----------
    job : Job
    parcel : Parcel
        The submission's files and what ingest found about it.

    Returns
    -------
    StudentResult
    """
    prepared = _PREPARED.get(job)
    folder = _folder(job) / "in" / uuid.uuid4().hex
    try:
        return student.grade_submission(prepared, parcel.unpack(folder), parcel.input_hash)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

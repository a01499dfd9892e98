"""Run a rebuilt notebook in the sandbox and collect what happened (the trusted side).

:func:`run_program` starts the executor (``executor.py``) in a :class:`~.sandbox.Sandbox`
and drives it one cell at a time over the channel of :mod:`coursekit.protocol`: it sends a
cell with a fresh one-time token, and the cell is over only when the notebook's own process
answers ``done`` with that token. Between cells it kills whatever else the notebook started
(:class:`~.processes.ProcessTree`), and at the end it kills the whole sandbox and waits
until every process in it has gone. The wall-clock limits are enforced from here: a cell
past ``cell_timeout`` is first interrupted inside (an alarm) and, if that does not stop it
within a grace period, the sandbox is killed; past ``notebook_timeout`` it is killed.
Everything the sandbox sends is untrusted and bounded; :mod:`.compare` decides the scores.
"""

import json
import os
import secrets
import selectors
import shutil
import signal
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from coursekit import protocol

from .processes import ProcessTree
from .sandbox import Limits

GRACE = 2.0  # seconds a timed-out cell gets to stop by itself before the kill
START_TIMEOUT = 60.0  # seconds the executor has to say ready


class CellStatus(StrEnum):
    """How one cell ended."""

    OK = "ok"  # ran to its end
    ERROR = "error"  # raised an exception
    TIMEOUT = "timeout"  # ran past the time limit of a cell
    STOPPED = "stopped"  # was running when the notebook's time limit ran out
    EXIT = "exit"  # called sys.exit()
    DIED = "died"  # the notebook's process died (or was killed) while it ran
    NOT_RUN = "not run"  # the notebook stopped before it
    RUNNING = "running"  # sent, not done yet (never in a finished result)


class RunStatus(StrEnum):
    """How a whole notebook run ended."""

    COMPLETED = "completed"  # every cell was sent and answered
    DIED = "died"  # the process died, or the sandbox could not start
    NOTEBOOK_TIMEOUT = "notebook timeout"  # past the notebook's time limit
    CELL_TIMEOUT = "cell timeout"  # a cell ran past its limit and could not be interrupted
    EXIT = "exit"  # the notebook called sys.exit()
    TAMPERED = "tampered"  # a forged message on the grader's channel


STOPS_EARLY = (RunStatus.DIED, RunStatus.NOTEBOOK_TIMEOUT, RunStatus.CELL_TIMEOUT, RunStatus.EXIT)


@dataclass
class CellRun:
    """What happened to one cell (all text comes from the sandbox: for display only)."""

    index: int
    id: str
    status: CellStatus = CellStatus.NOT_RUN
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    result: str | None = None
    ename: str | None = None
    evalue: str | None = None
    traceback: str | None = None


@dataclass
class RunResult:
    """The outcome of one notebook run."""

    cells: list
    records: list = field(default_factory=list)  # (cell id, record message), untrusted
    status: RunStatus = RunStatus.COMPLETED
    reason: str | None = None  # why the run stopped early, in words
    wall_seconds: float = 0.0  # from start of the process to its end
    cell_seconds: float = 0.0  # sum of the cells' own run times
    output: str = ""  # what reached fd 1/2 outside the captured cell streams
    records_truncated: bool = False
    memory_exceeded: bool = False
    process_limit_hit: bool = False
    imports: list = field(default_factory=list)  # watched modules the notebook imported
    intruders: int = 0  # messages written by processes other than the notebook's
    stragglers: int = 0  # processes killed at the end of a cell
    left_running: int = 0  # processes still running after the end (should be 0)

    def to_dict(self):
        """The run as plain data, without its records (for results/<student>.json)."""
        data = asdict(self)
        data.pop("records")
        return data


class _Bounded:
    def __init__(self, limit):
        self.limit, self.data, self.dropped = limit, bytearray(), 0

    def add(self, chunk):
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self):
        text = self.data.decode("utf-8", "replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not shown]"
        return text


_running = {}  # pid -> (process, tree) of every sandbox started by this grader
_running_lock = threading.Lock()
_stopping = threading.Event()


def stopping():
    """Whether :func:`stop_all` was called."""
    return _stopping.is_set()


def stop_all():
    """Kill every sandbox this process started and refuse new ones (Ctrl-C, SIGTERM)."""
    _stopping.set()
    with _running_lock:
        running = list(_running.values())
    for process, tree in running:
        tree.kill_all(process, wait=2.0)


def run_program(cells, sandbox, limits=None, clock=time.monotonic):
    """Run ``cells`` (dicts with ``id``, ``source`` and ``private``) in ``sandbox``.

    Parameters
    ----------
    cells : list of dict
        The code cells of the rebuilt notebook, in order.
    sandbox : Sandbox
        How to start the executor.
    limits : Limits, optional
    clock : callable, optional
        Monotonic seconds (tests pass their own).

    Returns
    -------
    RunResult
        One :class:`CellRun` per cell, in order. Never raises for anything the notebook does.
    """
    return NotebookRun(cells, sandbox, limits or Limits(), clock).run()


class NotebookRun:
    """One notebook's run: the sandbox, its channel, and the cell being run."""

    def __init__(self, cells, sandbox, limits, clock):
        self.cells, self.sandbox, self.limits, self.clock = cells, sandbox, limits, clock
        self.runs = [CellRun(index=i, id=str(c["id"])) for i, c in enumerate(cells)]
        self.result = RunResult(cells=self.runs)
        self.current = -1  # the cell being run; -1 = waiting for "ready"
        self.token = None  # the one-time token of the current cell
        self.notebook_pid = None  # who said "ready", before any student code ran
        self.deadline = None  # of the current cell (or of the start, or of the end)
        self.finished = self.stopped = False
        self.pending = b""  # bytes still to write to the executor's stdin

    # --- the whole run ----------------------------------------------------------------

    def run(self):
        """Start the sandbox, drive every cell, stop and clean up; return the RunResult."""
        start = self.clock()
        workdir = self.sandbox.private_workdir() if self.sandbox.mode == "none" else None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel = protocol.Channel(ours, self.limits.records_mb * 2**20)
        try:
            if _stopping.is_set():
                raise OSError("grading was interrupted")
            self.process, group = self.sandbox.start(self.limits, theirs.fileno(), workdir)
        except OSError as err:
            self._stop(RunStatus.DIED, f"the sandbox could not start: {err}")
            self.process = None
        finally:
            theirs.close()
        if self.process is not None:
            self.tree = ProcessTree(self.process.pid, group)
            with _running_lock:
                _running[self.process.pid] = (self.process, self.tree)
            try:
                self._drive(start)
            finally:
                self._finish(group)
        ours.close()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        self.result.wall_seconds = self.clock() - start
        self.result.cell_seconds = sum(r.seconds for r in self.runs)
        return self.result

    def _drive(self, start):
        self.outputs = {
            self.process.stdout.fileno(): _Bounded(self.limits.output_kb * 1024),
            self.process.stderr.fileno(): _Bounded(self.limits.output_kb * 1024),
        }
        self.selector = selectors.DefaultSelector()
        for fd in (*self.outputs, self.channel.fileno()):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ)
        self.stdin = self.process.stdin.fileno()
        os.set_blocking(self.stdin, False)
        self.notebook_deadline = start + self.limits.notebook_timeout
        self.deadline = self.clock() + START_TIMEOUT
        while not self.stopped and not (self.finished and self.channel.closed):
            if self._past_a_deadline():
                break
            timeout = max(0.0, min(self.notebook_deadline, self.deadline) - self.clock())
            for key, mask in self.selector.select(timeout=min(timeout, 1.0)):
                self._on_event(key.fd, mask)
                if self.stopped:
                    break

    def _past_a_deadline(self):
        now = self.clock()
        if now >= self.notebook_deadline:
            where = f" (in cell {self.current})" if 0 <= self.current < len(self.cells) else ""
            limit = f"{self.limits.notebook_timeout:g} s"
            self._stop(
                RunStatus.NOTEBOOK_TIMEOUT,
                f"the notebook ran past the time limit of {limit}{where}",
            )
            return True
        if now < self.deadline:
            return False
        if self.finished:
            return True
        if self.current == -1:
            self._stop(RunStatus.DIED, "the sandbox did not start in time")
        else:
            limit = f"{self.limits.cell_timeout:g} s"
            self._stop(
                RunStatus.CELL_TIMEOUT,
                f"cell {self.current} ran past the time limit of {limit} "
                "and could not be interrupted",
            )
        return True

    def _stop(self, status, reason):
        if not self.stopped:
            self.result.status, self.result.reason = status, reason
            self.stopped = True

    # --- events -------------------------------------------------------------------------

    def _on_event(self, fd, mask):
        if mask & selectors.EVENT_WRITE:
            self._write_pending()
        elif fd == self.channel.fileno():
            for pid, line in self.channel.read():
                self._on_line(pid, line)
                if self.stopped:
                    return
            if self.channel.closed:
                self.selector.unregister(fd)
                if not self.finished:
                    self._process_died()
        else:
            self._read_output(fd)

    def _read_output(self, fd):
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            self.outputs[fd].add(chunk)
        else:
            self.selector.unregister(fd)

    def _write_pending(self):
        try:
            written = os.write(self.stdin, self.pending[:65536])
            self.pending = self.pending[written:]
        except BlockingIOError:
            pass
        except OSError:
            self.pending = b""
        if not self.pending:
            self.selector.unregister(self.stdin)

    def _send(self, command):
        self.pending += (json.dumps(command) + "\n").encode()
        if self.stdin not in self.selector.get_map():
            try:
                self.selector.register(self.stdin, selectors.EVENT_WRITE)
            except (ValueError, KeyError, OSError):
                pass

    def _process_died(self):
        code = self.process.poll()
        if code is None:
            try:
                code = self.process.wait(timeout=1)
            except Exception:  # noqa: BLE001
                code = None
        where = f"in cell {self.current}" if self.current >= 0 else "before the first cell"
        self._stop(RunStatus.DIED, f"the Python process died {where}{_exit_words(code)}")

    # --- messages -----------------------------------------------------------------------

    def _on_line(self, pid, line):
        message = protocol.parse(line)
        if self.notebook_pid is None and message is not None and message.get("m") == "ready":
            self.notebook_pid = pid
            self.tree.keep_notebook(pid)
            self._next_cell()
        elif pid != self.notebook_pid:
            self.result.intruders += 1  # a process the notebook started wrote to the channel
        elif message is None:
            return
        elif message.get("m") == "record":
            cell = self.runs[self.current].id if 0 <= self.current < len(self.cells) else ""
            self.result.records.append((cell, message))
        elif message.get("m") == "import":
            self.result.imports.append(str(message.get("module"))[:100])
        elif message.get("m") == "done":
            self._on_done(message)

    def _on_done(self, message):
        if message.get("cell") != self.current or message.get("token") != self.token:
            self._stop(
                RunStatus.TAMPERED,
                f"a forged message tried to end cell {message.get('cell')!r} "
                f"while cell {self.current} ran",
            )
            return
        run = self.runs[self.current]
        status = str(message.get("status", "error"))
        run.status = (
            CellStatus(status) if status in ("ok", "error", "timeout", "exit") else CellStatus.ERROR
        )
        for key in ("stdout", "stderr", "result", "ename", "evalue", "traceback"):
            if message.get(key) is not None:
                setattr(run, key, str(message[key])[:50_000])
        try:
            run.seconds = max(0.0, min(float(message.get("seconds", 0)), 1e6))
        except (TypeError, ValueError):
            run.seconds = 0.0
        self.result.stragglers += self.tree.kill_stragglers()
        if run.status == CellStatus.EXIT:
            self._stop(
                RunStatus.EXIT,
                f"the notebook called sys.exit() (or raised SystemExit) in cell {self.current}",
            )
        else:
            self._next_cell()

    def _next_cell(self):
        self.current += 1
        if self.current >= len(self.cells):
            self._send({"end": True})
            self.finished, self.token = True, None
            self.deadline = self.clock() + 10
            return
        cell = self.cells[self.current]
        self.token = secrets.token_hex(16)
        self.runs[self.current].status = CellStatus.RUNNING
        self._send(
            {
                "cell": self.current,
                "id": str(cell["id"]),
                "source": cell["source"],
                "private": bool(cell.get("private")),
                "timeout": self.limits.cell_timeout,
                "token": self.token,
            }
        )
        self.deadline = self.clock() + self.limits.cell_timeout + GRACE

    # --- the end ------------------------------------------------------------------------

    def _finish(self, group):
        self.result.left_running = self.tree.kill_all(self.process)
        with _running_lock:
            _running.pop(self.process.pid, None)
        for fd in list(self.outputs):
            self._drain_output(fd)
        for pid, line in self.channel.read() + self.channel.flush():
            if pid == self.notebook_pid and not self.finished:
                message = protocol.parse(line)
                if message is not None and message.get("m") == "record":
                    self._on_line(pid, line)  # a killed cell's last checks
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self.result.records_truncated = self.channel.truncated
        if group is not None:
            self.result.memory_exceeded = group.out_of_memory()
            self.result.process_limit_hit = group.hit_process_limit()
            group.remove()
        self._close_cells()
        self.result.output = "\n".join(o.text() for o in self.outputs.values() if o.text())

    def _drain_output(self, fd):
        for _ in range(10_000):
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.outputs[fd].add(chunk)

    def _close_cells(self):
        status = self.result.status
        if self.stopped and 0 <= self.current < len(self.cells):
            run = self.runs[self.current]
            if run.status == CellStatus.RUNNING:
                run.status = {
                    RunStatus.NOTEBOOK_TIMEOUT: CellStatus.STOPPED,
                    RunStatus.CELL_TIMEOUT: CellStatus.TIMEOUT,
                }.get(status, CellStatus.DIED)
        for run in self.runs:
            if run.status == CellStatus.RUNNING:
                run.status = CellStatus.DIED
        if self.result.memory_exceeded and status == RunStatus.DIED:
            self.result.reason = (
                self.result.reason or ""
            ) + f" (memory limit of {self.limits.memory_mb} MiB)"


def _exit_words(code):
    if code is None:
        return ""
    if code > 128:  # bubblewrap reports a child killed by signal N as 128 + N
        code = 128 - code
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f" (killed by {name})"
    return f" (exit code {code})"

"""Run a rebuilt notebook in the sandbox and collect what happened (the trusted side).

:func:`run_program` starts the executor (``executor.py``) in a :class:`~.sandbox.Sandbox`,
feeds it one cell at a time, and enforces the wall-clock limits from outside: a cell that
runs past ``cell_timeout`` is first interrupted inside (an alarm) and, if that does not
stop it within a grace period, the whole sandbox is killed; past ``notebook_timeout``
the sandbox is killed. Everything the process sends back is untrusted and bounded: the
protocol lines, stdout/stderr (``output_kb``) and the check records (``records_mb``).
The records are returned raw; :mod:`.compare` decides the scores.
"""

import json
import os
import selectors
import shutil
import signal
import threading
import time
from dataclasses import asdict, dataclass, field

from .sandbox import Limits

GRACE = 2.0  # seconds a timed-out cell gets to stop by itself before the kill
LINE_LIMIT = 1_000_000  # longest protocol line accepted


@dataclass
class CellRun:
    """What happened to one cell (all text comes from the sandbox: for display only)."""

    index: int
    id: str
    status: str = "not run"  # ok, error, timeout, exit, died, not run
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
    records: list = field(default_factory=list)  # raw JSON lines (bytes), untrusted
    status: str = "completed"  # completed, died, notebook timeout, cell timeout
    reason: str | None = None  # why the run stopped early, in words
    wall_seconds: float = 0.0  # from start of the process to its end
    cell_seconds: float = 0.0  # sum of the cells' own run times
    output: str = ""  # what reached fd 1/2 outside the captured cell streams
    records_truncated: bool = False
    memory_exceeded: bool = False
    process_limit_hit: bool = False

    def to_dict(self):
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


_running = {}  # pid -> (process, cgroup) of every sandbox started by this grader
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
    for process, group in running:
        _kill(process, group)


def _kill(process, group):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    if group is not None:
        group.kill_all()


def run_program(cells, sandbox, limits=None, clock=time.monotonic):
    """Run ``cells`` (list of dicts with ``id`` and ``source``) in ``sandbox``.

    Returns a :class:`RunResult` with one :class:`CellRun` per cell, in order. Never
    raises for anything the notebook does.
    """
    limits = limits or Limits()
    runs = [CellRun(index=i, id=str(c["id"])) for i, c in enumerate(cells)]
    result = RunResult(cells=runs)
    proto_r, proto_w = os.pipe()
    records_r, records_w = os.pipe()
    workdir = sandbox.private_workdir() if sandbox.mode == "none" else None
    start = clock()
    try:
        if _stopping.is_set():
            raise OSError("grading was interrupted")
        process, group = sandbox.start(limits, proto_w, records_w, workdir)
        with _running_lock:
            _running[process.pid] = (process, group)
    except OSError as err:
        for fd in (proto_r, proto_w, records_r, records_w):
            os.close(fd)
        result.status, result.reason = "died", f"the sandbox could not start: {err}"
        return result
    os.close(proto_w)
    os.close(records_w)
    try:
        _drive(process, group, cells, runs, result, limits, proto_r, records_r, start, clock)
    finally:
        _kill(process, group)
        with _running_lock:
            _running.pop(process.pid, None)
        try:
            process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a process that will not die must not stop grading
            pass
        for stream in (process.stdin, process.stdout, process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        for fd in (proto_r, records_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if group is not None:
            result.memory_exceeded = group.out_of_memory()
            result.process_limit_hit = group.hit_process_limit()
            group.remove()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    result.wall_seconds = clock() - start
    result.cell_seconds = sum(r.seconds for r in runs)
    if result.memory_exceeded and result.status == "died":
        result.reason = (result.reason or "") + f" (memory limit of {limits.memory_mb} MiB)"
    return result


def _drive(process, group, cells, runs, result, limits, proto_r, records_r, start, clock):
    selector = selectors.DefaultSelector()
    outputs = {
        process.stdout.fileno(): _Bounded(limits.output_kb * 1024),
        process.stderr.fileno(): _Bounded(limits.output_kb * 1024),
    }
    for fd in (*outputs, proto_r, records_r):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    stdin = process.stdin.fileno()
    os.set_blocking(stdin, False)
    pending = b""  # bytes still to write to stdin
    proto_buffer, records_buffer = bytearray(), bytearray()
    records_bytes, records_limit = 0, limits.records_mb * 2**20
    current = -1  # index of the cell being run; -1 = waiting for "ready"
    cell_deadline = None
    notebook_deadline = start + limits.notebook_timeout
    finished = False
    open_fds = set(outputs) | {proto_r, records_r}

    def send(message):
        nonlocal pending
        pending += (json.dumps(message) + "\n").encode()
        if pending and stdin not in selector.get_map():
            try:
                selector.register(stdin, selectors.EVENT_WRITE)
            except (ValueError, KeyError, OSError):
                pass

    def next_cell():
        nonlocal current, cell_deadline, finished
        current += 1
        if current >= len(cells):
            send({"end": True})
            finished = True
            cell_deadline = clock() + 10
            return
        runs[current].status = "running"
        send(
            {
                "index": current,
                "id": str(cells[current]["id"]),
                "source": cells[current]["source"],
                "private": bool(cells[current].get("private")),
                "timeout": limits.cell_timeout,
            }
        )
        cell_deadline = clock() + limits.cell_timeout + GRACE

    def take_records(chunk):
        """Keep the complete record lines of ``chunk``, each tagged with the running cell."""
        nonlocal records_bytes, records_buffer
        records_bytes += len(chunk)
        if records_bytes > records_limit:
            result.records_truncated = True
            return
        records_buffer += chunk
        *lines, rest = records_buffer.split(b"\n")
        cell = str(cells[current]["id"]) if 0 <= current < len(cells) else ""
        result.records.extend(_tagged(line, cell) for line in lines if line.strip())
        records_buffer = bytearray(rest)

    def drain_records():
        """Read every record already in the pipe (written before the cell said done)."""
        while records_r in open_fds and not result.records_truncated:
            try:
                chunk = os.read(records_r, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                selector.unregister(records_r)
                open_fds.discard(records_r)
                return
            take_records(chunk)

    def on_message(message):
        if not isinstance(message, dict):
            return
        if current == -1 and message.get("ready") is True:
            next_cell()
        elif "done" in message and message.get("done") == current and current < len(cells):
            drain_records()
            run = runs[current]
            run.status = str(message.get("status", "error"))[:20]
            if run.status not in ("ok", "error", "timeout", "exit"):
                run.status = "error"
            for key in ("stdout", "stderr", "result", "ename", "evalue", "traceback"):
                value = message.get(key)
                if value is not None:
                    setattr(run, key, str(value)[:50_000])
            try:
                run.seconds = max(0.0, min(float(message.get("seconds", 0)), 1e6))
            except (TypeError, ValueError):
                run.seconds = 0.0
            if run.status == "exit":
                stop(
                    "exit",
                    f"the notebook called sys.exit() (or raised SystemExit) in cell {current}",
                )
            else:
                next_cell()

    stopped = False

    def stop(status, reason):
        nonlocal stopped
        if not stopped:
            result.status, result.reason = status, reason
            stopped = True

    while not stopped:
        now = clock()
        if finished and proto_r not in open_fds:
            break
        if now >= notebook_deadline:
            stop(
                "notebook timeout",
                f"the notebook ran past the time limit of {limits.notebook_timeout:g} s"
                + (f" (in cell {current})" if 0 <= current < len(cells) else ""),
            )
            break
        if cell_deadline is not None and now >= cell_deadline:
            if finished:
                break
            if current == -1:
                stop("died", "the sandbox did not start in time")
            else:
                stop(
                    "cell timeout",
                    f"cell {current} ran past the time limit of {limits.cell_timeout:g} s "
                    "and could not be interrupted",
                )
            break
        deadlines = [notebook_deadline] + ([cell_deadline] if cell_deadline else [])
        timeout = max(0.0, min(deadlines) - now)
        if current == -1 and cell_deadline is None:
            cell_deadline = now + 60  # the executor has 60 s to start
        events = selector.select(timeout=min(timeout, 1.0))
        for key, mask in events:
            fd = key.fd
            if mask & selectors.EVENT_WRITE:
                try:
                    written = os.write(fd, pending[:65536])
                    pending = pending[written:]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = b""
                if not pending:
                    selector.unregister(fd)
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                selector.unregister(fd)
                open_fds.discard(fd)
                if fd == proto_r and not finished:
                    code = process.poll()
                    if code is None:
                        try:
                            code = process.wait(timeout=1)
                        except Exception:  # noqa: BLE001
                            code = None
                    where = f"in cell {current}" if current >= 0 else "before the first cell"
                    stop("died", f"the Python process died {where}{_exit_words(code)}")
                continue
            if fd in outputs:
                outputs[fd].add(chunk)
            elif fd == records_r:
                take_records(chunk)
            elif fd == proto_r:
                proto_buffer += chunk
                while b"\n" in proto_buffer:
                    line, _, rest = bytes(proto_buffer).partition(b"\n")
                    proto_buffer = bytearray(rest)
                    try:
                        on_message(json.loads(line))
                    except ValueError:
                        pass
                    if stopped:
                        break
                if len(proto_buffer) > LINE_LIMIT:
                    proto_buffer = bytearray()
    # Read what is still buffered in the pipes (a killed cell's last checks and output).
    _kill(process, group)
    try:
        process.wait(timeout=5)
    except Exception:  # noqa: BLE001
        pass
    for fd in list(open_fds):
        for _ in range(10_000):
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            if fd in outputs:
                outputs[fd].add(chunk)
            elif fd == records_r and not result.records_truncated:
                take_records(chunk)
    take_records(b"\n")  # the last line, if it had no line break
    if stopped and 0 <= current < len(cells) and runs[current].status == "running":
        runs[current].status = {"notebook timeout": "timeout", "cell timeout": "timeout"}.get(
            result.status, "died"
        )
    for run in runs:
        if run.status == "running":
            run.status = "died"
    result.output = "\n".join(o.text() for o in outputs.values() if o.text())


def _tagged(line, cell):
    """A record line with its ``cell`` set to the cell that was running when it came.

    The grader, not the notebook, says which cell a record belongs to: a record written
    while an answer cell runs cannot count for a test cell.
    """
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    record["cell"] = cell
    return json.dumps(record).encode()


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

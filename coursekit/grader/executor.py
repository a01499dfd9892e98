"""Run a notebook's cells one by one in a plain Python process (the sandboxed side).

This file runs *inside* the sandbox as a script, with the standard library only: it is
not imported from coursekit, which is replaced by stubs there. It is the grader's
stand-in for a Jupyter kernel: one Python process, one namespace, cells executed in
order, which starts in a fraction of the time a kernel needs.

Protocol: :mod:`coursekit.protocol` (the grader is the other side, see ``runner.py``).
Cells come one JSON line at a time on stdin, each with a one-time token; this side says
``ready`` once and, after each cell, ``done`` with that cell's token, on the message
socket. It also reports the first import of each watched module (``COURSEKIT_WATCH``: the
modules an assignment forbids), from an audit hook, which no code in the process can remove.

Nothing written here decides a score: student code runs in this same process and can
change anything in it. The scores come from the check records, which the grader compares
outside the sandbox.
"""

import ast
import builtins
import json
import linecache
import os
import re
import resource
import signal
import sys
import time
import traceback
import warnings

from coursekit import protocol

CELL_OUTPUT_LIMIT = 20_000  # characters of stdout (and of stderr) kept per cell
TRACEBACK_LIMIT = 5_000
RESULT_LIMIT = 2_000


class CellTimeout(BaseException):
    """Raised by the alarm when a cell runs past its time (a BaseException, like ^C)."""


class BoundedStream:
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit, name):
        self.limit, self.name = limit, name
        self.parts, self.kept, self.dropped = [], 0, 0

    def write(self, text):
        """Keep what fits within the limit; count the rest."""
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def writelines(self, lines):
        """Write every line."""
        for line in lines:
            self.write(line)

    def flush(self):
        """Nothing to flush: the text is kept in memory."""
        pass

    def isatty(self):
        """Not a terminal."""
        return False

    def fileno(self):
        """No file descriptor: raises OSError, as io streams without one do."""
        raise OSError("no file descriptor for a captured stream")

    @property
    def encoding(self):
        """UTF-8."""
        return "utf-8"

    def value(self):
        """The text kept, with a line saying how much more there was."""
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of {self.name} not shown]"
        return text


class Shell:
    """The few IPython methods notebooks call; none of them changes how cells are judged."""

    def __init__(self, namespace):
        self.user_ns = namespace

    def run_line_magic(self, *args, **kwargs):
        """A no-op: magics do not run while grading."""
        return None

    def run_cell_magic(self, *args, **kwargs):
        """A no-op: magics do not run while grading."""
        return None

    def set_custom_exc(self, *args, **kwargs):
        """A no-op: errors are reported, whatever the notebook asks."""
        return None

    def showtraceback(self, *args, **kwargs):
        """A no-op: errors are reported by the executor."""
        return None

    def system(self, *args, **kwargs):
        """A no-op: shell commands do not run while grading."""
        return None


def display(*objects, **kwargs):
    """Jupyter's display(): print a short repr of each object."""
    for obj in objects:
        print(short_repr(obj))


def short_repr(obj):
    """``repr(obj)``, cut to RESULT_LIMIT characters, whatever ``__repr__`` does."""
    try:
        text = repr(obj)
    except BaseException as err:  # a hostile or broken __repr__
        text = f"<repr failed: {type(err).__name__}>"
    if len(text) > RESULT_LIMIT:
        text = text[:RESULT_LIMIT] + " ..."
    return text


MAGIC = re.compile(r"^\s*[%!]")


def plain_python(source):
    """Turn IPython syntax into plain Python: magics and shell escapes become no-ops."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        lines = ["pass  # " + lines[0].strip()] + lines[1:]
    out = []
    for line in lines:
        if MAGIC.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # {line.strip()}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def run_cell(source, filename, namespace):
    """Execute one cell; return the repr of its last expression (or None)."""
    code = plain_python(source)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, filename, "eval"), namespace)
        if value is not None:
            return short_repr(value)
    return None


def run_private_cell(source, filename, namespace):
    """Run a test cell in a copy of the namespace; keep only its public names afterwards.

    While the cell runs, the student's functions (whose globals are ``namespace``) see none
    of the names it defines; after it, the names without a leading underscore (a visible
    test's inputs, say) join the namespace as they would in a notebook, and the hidden
    tests' helpers and data, all named ``_...``, do not.
    """
    private = dict(namespace)
    try:
        return run_cell(source, filename, private)
    finally:
        for name, value in private.items():
            if not name.startswith("_") and namespace.get(name, private) is not value:
                namespace[name] = value


def apply_limits(limits):
    """Lower this process's resource limits (children inherit them)."""
    pairs = {
        "memory_bytes": resource.RLIMIT_AS,
        "cpu_seconds": resource.RLIMIT_CPU,
        "processes": resource.RLIMIT_NPROC,
        "file_bytes": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
    }
    for key, which in pairs.items():
        value = limits.get(key)
        if value:
            try:
                resource.setrlimit(which, (int(value), int(value)))
            except (ValueError, OSError):
                pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def forget_editable_finders():
    """Drop import hooks that could point at the instructor's checkout."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path[:] = [p for p in sys.path if "__editable__" not in p]
    sys.path_importer_cache.clear()


def format_error(err):
    """The traceback of ``err`` without the executor's own frames, cut to size."""
    try:
        lines = traceback.format_exception(type(err), err, err.__traceback__)
        # Drop the executor's own frames: students see their cell first.
        text = "".join(line for line in lines if "coursekit-executor" not in line)
    except BaseException:
        text = f"{type(err).__name__}"
    return text[-TRACEBACK_LIMIT:]


def safe_str(err):
    """``str(err)``, cut to size, whatever ``__str__`` does."""
    try:
        return str(err)[:TRACEBACK_LIMIT]
    except BaseException:
        return "<str failed>"


def watch_imports(modules, send):
    """Report the first import of each module in ``modules`` (top-level names).

    An audit hook (PEP 578) sees every import, also one made through ``exec``, ``eval``,
    ``importlib`` or ``__import__``, and cannot be removed once added.
    """
    watched, seen = frozenset(modules), set()

    def hook(event, args, _watched=watched, _seen=seen, _send=send):
        if event == "import" and args and isinstance(args[0], str):
            top = args[0].partition(".")[0]
            if top in _watched and top not in _seen:
                _seen.add(top)
                _send({"m": "import", "module": top})

    if watched:
        sys.addaudithook(hook)


class Executor:
    """One notebook's cells, run in order in one namespace, reported on the channel."""

    def __init__(self, send):
        self.send = send
        self.pid = os.getpid()
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, "display": display}
        shell = Shell(self.namespace)
        self.namespace["get_ipython"] = lambda: shell

    def run(self, commands):
        """Run every cell command until ``end``; a cell that exits stops the notebook."""
        self.send({"m": "ready"})
        for line in commands:
            try:
                command = json.loads(line)
            except ValueError:
                break
            if command.get("end"):
                break
            status = self.run_one(command)
            if status == "exit":
                break

    def run_one(self, command):
        """Run one cell command; send its ``done`` with the cell's token; return the status."""
        index, source = command["cell"], command["source"]
        out, err = BoundedStream(CELL_OUTPUT_LIMIT, "output"), BoundedStream(10_000, "errors")
        real = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        status, error, result = "ok", None, None
        t0 = time.perf_counter()
        run = run_private_cell if command.get("private") else run_cell
        try:
            signal.setitimer(signal.ITIMER_REAL, float(command.get("timeout") or 0))
            result = run(source, f"<cell {index}>", self.namespace)
        except CellTimeout as exc:
            status, error = "timeout", exc
        except SystemExit as exc:
            status, error = "exit", exc
        except BaseException as exc:  # the cell's own error, reported like a kernel would
            status, error = "error", exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if os.getpid() != self.pid:
            os._exit(0)  # a process the cell forked must not take part in the protocol
        sys.stdout, sys.stderr = real
        message = {
            "m": "done",
            "cell": index,
            "token": command.get("token"),
            "status": status,
            "seconds": time.perf_counter() - t0,
            "stdout": out.value(),
            "stderr": err.value(),
            "result": result,
        }
        if error is not None:
            message.update(
                ename=type(error).__name__, evalue=safe_str(error), traceback=format_error(error)
            )
        self.send(message)
        return status


def main():
    """Set the limits and the channel up, then run the cells the grader sends."""
    apply_limits(json.loads(os.environ.pop("COURSEKIT_LIMITS", "{}")))
    fd = int(os.environ[protocol.CHANNEL_ENV])
    commands = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    forget_editable_finders()

    def send(message, _send=protocol.send, _fd=fd):
        _send(message, _fd)

    watch_imports(filter(None, os.environ.pop("COURSEKIT_WATCH", "").split(",")), send)

    def on_alarm(signum, frame):
        raise CellTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    # The warnings a Jupyter kernel shows: Python's defaults, and deprecations from the
    # notebook's own code (IPython's filter), so that stderr is what nbgrader would see.
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    sys.argv = ["notebook"]
    Executor(send).run(commands)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

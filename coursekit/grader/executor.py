"""Run a notebook's cells one by one in a plain Python process (the sandboxed side).

This file runs *inside* the sandbox as a script, with the standard library only: it is
not imported from coursekit, which is replaced by stubs there. It is the grader's
stand-in for a Jupyter kernel: one Python process, one namespace, cells executed in
order, which starts in a fraction of the time a kernel needs.

Protocol (the grader is the other side, see ``runner.py``):

- the grader writes one JSON line per cell to stdin: ``{"index": k, "id": "...",
  "source": "...", "timeout": seconds}``, and ``{"end": true}`` at the end; it sends the
  next cell only after the previous one is done, so no later cell is ever readable here;
- this side writes JSON lines to the protocol fd: ``{"ready": ...}`` once, then
  ``{"started": k}`` and ``{"done": k, "status": ..., ...}`` per cell.

Nothing written here decides a score: student code runs in this same process and can
change anything in it. The scores come from the check records (``COURSEKIT_RECORD``),
which the grader compares outside the sandbox.
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
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("no file descriptor for a captured stream")

    @property
    def encoding(self):
        return "utf-8"

    def value(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of {self.name} not shown]"
        return text


class Shell:
    """The few IPython methods notebooks call; none of them changes how cells are judged."""

    def __init__(self, namespace):
        self.user_ns = namespace

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def set_custom_exc(self, *args, **kwargs):
        return None

    def showtraceback(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None


def display(*objects, **kwargs):
    """Jupyter's display(): print a short repr of each object."""
    for obj in objects:
        print(short_repr(obj))


def short_repr(obj):
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
    try:
        lines = traceback.format_exception(type(err), err, err.__traceback__)
        # Drop the executor's own frames: students see their cell first.
        text = "".join(line for line in lines if "coursekit-executor" not in line)
    except BaseException:
        text = f"{type(err).__name__}"
    return text[-TRACEBACK_LIMIT:]


def safe_str(err):
    try:
        return str(err)[:TRACEBACK_LIMIT]
    except BaseException:
        return "<str failed>"


def main():
    started = time.perf_counter()
    main_pid = os.getpid()
    apply_limits(json.loads(os.environ.pop("COURSEKIT_LIMITS", "{}")))
    proto_fd = int(os.environ.pop("COURSEKIT_PROTO_FD", "3"))
    commands = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    forget_editable_finders()

    def send(message):
        data = (json.dumps(message) + "\n").encode()
        try:
            os.write(proto_fd, data)
        except OSError:
            pass

    def on_alarm(signum, frame):
        raise CellTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    namespace = {"__name__": "__main__", "__builtins__": builtins, "display": display}
    shell = Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    sys.argv = ["notebook"]
    real_stdout, real_stderr = sys.stdout, sys.stderr
    send({"ready": True, "seconds": time.perf_counter() - started})

    for line in commands:
        try:
            cell = json.loads(line)
        except ValueError:
            break
        if cell.get("end"):
            break
        index = cell["index"]
        os.environ["COURSEKIT_CELL"] = str(cell["id"])
        send({"started": index})
        out, err = BoundedStream(CELL_OUTPUT_LIMIT, "output"), BoundedStream(10_000, "errors")
        sys.stdout, sys.stderr = out, err
        status, error, result = "ok", None, None
        t0 = time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_REAL, float(cell.get("timeout") or 0))
            if cell.get("private"):
                result = run_private_cell(cell["source"], f"<cell {index}>", namespace)
            else:
                result = run_cell(cell["source"], f"<cell {index}>", namespace)
        except CellTimeout as exc:
            status, error = "timeout", exc
        except SystemExit as exc:
            status, error = "exit", exc
        except BaseException as exc:  # the cell's own error, reported like a kernel would
            status, error = "error", exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if os.getpid() != main_pid:
            os._exit(0)  # a process the cell forked must not take part in the protocol
        seconds = time.perf_counter() - t0
        sys.stdout, sys.stderr = real_stdout, real_stderr
        message = {
            "done": index,
            "status": status,
            "seconds": seconds,
            "stdout": out.value(),
            "stderr": err.value(),
            "result": result,
        }
        if error is not None:
            message.update(
                ename=type(error).__name__, evalue=safe_str(error), traceback=format_error(error)
            )
        send(message)
        if status == "exit":
            break
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

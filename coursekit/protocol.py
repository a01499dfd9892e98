"""The channel between a notebook's process in the sandbox and the grader outside it.

Two streams, both of JSON lines:

- **commands**, grader to notebook, on the notebook process's stdin: one line per cell,
  ``{"cell": k, "id": key, "source": ..., "private": bool, "timeout": s, "token": hex}``,
  then ``{"end": true}``. The grader sends a cell only after the one before it is done,
  so no later cell is ever readable in the sandbox.
- **messages**, notebook to grader, on one Unix stream socket whose number is in
  ``COURSEKIT_CHANNEL``: ``{"m": "ready"}`` once, ``{"m": "done", "cell": k, "token": ...,
  "status": ..., ...}`` after each cell, ``{"m": "record", "v": 1, "kind": ..., "name": ...,
  "actual": <value>}`` for each check (:func:`record`), and ``{"m": "import", "module":
  name}`` for each watched module imported.

What the grader trusts, and why (:class:`Channel` reads the messages):

- **Who wrote it.** The grader's end of the socket has ``SO_PASSCRED``: the kernel tells it
  which process wrote every chunk, and no chunk mixes two writers. The notebook's process is
  the one that said ``ready``, before any student code ran. Anything another process writes
  (a child the notebook forked, which inherits the socket) is not read as a message; it is
  counted, and the submission is flagged and scores zero.
- **Which cell.** A record counts for the cell the grader is running when the record
  arrives, never for a cell it names; the grader, not the notebook, knows which cell runs.
- **When a cell ends.** Only with a ``done`` that carries the token the grader sent with
  that very cell: a ``done`` written blind, with another cell's number or a guessed token,
  is refused, flagged, and the notebook scores zero.
- **Values, not code.** A record holds plain data (:func:`encode_value`), rebuilt outside
  by :func:`decode_value` without pickle and within size limits; the grader compares it
  with its own reference, never asks the notebook whether it passed.

What it cannot do: code running in the notebook's own process can read that process's
memory, so it can learn the current cell's token and speak for the notebook. That gains no
more than typing in answers: no expected value, tolerance or hint ever exists in the
sandbox (the checks there are cut to ``check_x(name, actual)``), so a forged record passes
only if it holds the right answer to inputs the process has seen, which a hidden test
shows only while it runs.

This module is part of the coursekit a submission runs with (it has no secrets); it needs
the standard library only, and numpy for array values.
"""

import base64
import json
import os
import socket
import struct
import sys

CHANNEL_ENV = "COURSEKIT_CHANNEL"
"""The environment variable holding the message socket's file descriptor (in the sandbox)."""
REFERENCE_ENV = "COURSEKIT_RECORD_REFERENCE"
"""Set to 1 in the grader's trusted reference run: records then hold the expected side too."""
RECORD_VERSION = 1

LINE_LIMIT = 64 * 2**20
"""The longest message line the grader reads (a record of a large array)."""

_ARRAY_KINDS = "biufc"  # bool, signed, unsigned, float, complex: nothing else is recorded
_MAX_DEPTH = 12
_MAX_ITEMS = 10_000
_MAX_BYTES = 32 * 2**20  # of array data per record, when encoding


class RecordError(ValueError):
    """A value or message could not be decoded (malformed, too large or of unknown kind)."""


# --- the notebook's side ----------------------------------------------------------------


def recording():
    """Whether this process runs under the grader (a message channel is open)."""
    return bool(os.environ.get(CHANNEL_ENV))


def reference_run():
    """Whether this is the grader's trusted reference run of the solutions."""
    return os.environ.get(REFERENCE_ENV) == "1"


def send(message, fd=None):
    """Write ``message`` (a dict) as one JSON line on the channel; errors are ignored."""
    fd = int(os.environ.get(CHANNEL_ENV, "-1")) if fd is None else fd
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:
        pass


def record(kind, name, actual, args=None):
    """Send one check's record: its kind, its name, the student's value (and, in the
    reference run, ``args``: the expected value, tolerances and mistakes)."""
    message = {
        "m": "record",
        "v": RECORD_VERSION,
        "kind": kind,
        "name": str(name)[:500],
        "actual": encode_value(actual),
    }
    if args is not None:
        message["args"] = {key: encode_value(value) for key, value in args.items()}
    send(message)


# --- values -----------------------------------------------------------------------------


def _type_label(t):
    try:
        return f"{t.__module__}.{t.__qualname__}"[:200]
    except Exception:  # noqa: BLE001 - a type with odd attributes
        return "unknown"


def _encode_array(value, budget):
    import numpy as np

    t = type(value)
    is_array = issubclass(t, np.ndarray)
    array = np.ndarray.view(value, np.ndarray) if is_array else np.asarray(value)
    if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
        return {"t": "opaque", "type": f"{_type_label(t)} of dtype {array.dtype.str}"}
    budget[0] -= array.nbytes
    if budget[0] < 0:
        return {"t": "opaque", "type": "too large to record"}
    encoded = {
        "t": "ndarray" if is_array else "npscalar",
        "dtype": array.dtype.str,
        "shape": list(array.shape) if is_array else [],
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }
    if is_array and t is not np.ndarray:
        encoded["type"] = _type_label(t)
    return encoded


def _encode_container(value, depth, budget):
    t = type(value)
    items = list(value.items()) if t is dict else list(value)
    if len(items) > _MAX_ITEMS:
        return {"t": "opaque", "type": f"{t.__name__} too long to record"}
    if t is dict:
        pairs = [
            [encode_value(k, depth + 1, budget), encode_value(v, depth + 1, budget)]
            for k, v in items
        ]
        return {"t": "dict", "items": pairs}
    return {"t": t.__name__, "items": [encode_value(v, depth + 1, budget) for v in items]}


def encode_value(value, _depth=0, _budget=None):
    """A JSON-able description of ``value`` that :func:`decode_value` turns back.

    Exact types are kept: a numpy array of a numeric dtype (data, dtype, shape), numpy
    scalars, bool/int/float/str/None, and tuples, lists and dicts of those. A subclass of
    ndarray, int or float keeps its values and the name of its type; anything else is
    recorded as an opaque object of the named type, which no check accepts.
    """
    budget = _budget if _budget is not None else [_MAX_BYTES]
    t = type(value)
    try:
        if value is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": value}
        if t is int:
            return {"t": "int", "v": str(value)} if abs(value) < 10**300 else _opaque("int")
        if t is float:
            return {"t": "float", "v": repr(value)}
        if t is str:
            budget[0] -= len(value)
            return {"t": "str", "v": value[:10_000]}
        np = sys.modules.get("numpy")  # a numpy value exists only once numpy is imported
        if np is not None and issubclass(t, (np.ndarray, np.generic)):
            return _encode_array(value, budget)
        if issubclass(t, (int, float)) and not issubclass(t, bool):
            base = int if issubclass(t, int) else float
            label = _type_label(t)
            return {"t": "sub", "base": base.__name__, "type": label, "v": base.__repr__(value)}
        if t in (tuple, list, dict) and _depth < _MAX_DEPTH:
            return _encode_container(value, _depth, budget)
    except Exception:  # noqa: BLE001 - whatever a value does, recording goes on
        pass
    return _opaque(_type_label(t))


def _opaque(label):
    return {"t": "opaque", "type": label}


_made_types = {}


def _named_type(label, base):
    """A plain class that carries a recorded type's name (no behaviour of its own)."""
    module, _, name = str(label)[:200].rpartition(".")
    key = (module, name, base)
    if key not in _made_types:
        made = type(name or "object", (base,), {"__module__": module or "recorded"})
        made.__qualname__ = name or "object"
        _made_types[key] = made
    return _made_types[key]


def _decode_array(obj, budget):
    import numpy as np

    dtype = np.dtype(str(obj["dtype"])[:10])
    shape = tuple(int(s) for s in obj["shape"])
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or any(s < 0 for s in shape):
        raise RecordError("malformed value")
    data = base64.b64decode(str(obj["data"]), validate=True)
    budget[0] -= len(data)
    if budget[0] < 0 or len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise RecordError("malformed value")
    array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if obj["t"] == "npscalar":
        return array[()]
    if "type" in obj:
        return array.view(_named_type(obj["type"], np.ndarray))
    return array


def _decode_items(obj, depth, budget):
    items = obj["items"]
    if type(items) is not list or len(items) > _MAX_ITEMS:
        raise RecordError("malformed value")
    if obj["t"] == "dict":
        return {
            decode_value(k, depth + 1, budget): decode_value(v, depth + 1, budget) for k, v in items
        }
    values = [decode_value(v, depth + 1, budget) for v in items]
    return tuple(values) if obj["t"] == "tuple" else values


def _decode_scalar(obj):
    kind = obj["t"]
    if kind == "none":
        return None
    if kind == "bool":
        if type(obj["v"]) is not bool:
            raise RecordError("malformed value")
        return obj["v"]
    if kind == "sub":
        base = {"int": int, "float": float}[obj["base"]]
        return _named_type(obj["type"], base)(base(str(obj["v"])[:400]))
    if kind == "opaque":
        return _named_type(obj.get("type", "unknown"), object)()
    limits = {"int": (int, 400), "float": (float, 100), "str": (str, 10_000)}
    make, length = limits[kind]
    return make(str(obj["v"])[:length])


def decode_value(obj, _depth=0, _budget=None):
    """Rebuild a value recorded by :func:`encode_value`; raise RecordError if malformed.

    Safe for untrusted input: no pickle, no code, numeric dtypes only, sizes bounded
    (64 MiB of array data, 100,000 items and 12 levels per value).
    """
    budget = _budget if _budget is not None else [64 * 2**20, 100_000]
    if _depth > _MAX_DEPTH + 1 or type(obj) is not dict:
        raise RecordError("malformed value")
    budget[1] -= 1
    if budget[1] < 0:
        raise RecordError("too many items")
    kind = obj.get("t")
    try:
        if kind in ("ndarray", "npscalar"):
            return _decode_array(obj, budget)
        if kind in ("tuple", "list", "dict"):
            return _decode_items(obj, _depth, budget)
        if kind in ("none", "bool", "int", "float", "str", "sub", "opaque"):
            return _decode_scalar(obj)
    except RecordError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, MemoryError) as err:
        raise RecordError(f"malformed {kind} value: {type(err).__name__}") from None
    raise RecordError(f"unknown value kind {str(kind)[:20]!r}")


def decode_record(message, with_args=False):
    """A record message as a dict with ``kind``, ``name``, ``actual`` (and ``args``)."""
    if type(message) is not dict or message.get("v") != RECORD_VERSION:
        raise RecordError("unknown record version")
    record = {
        "kind": str(message["kind"])[:40],
        "name": str(message["name"])[:500],
        "actual": decode_value(message["actual"]),
    }
    if with_args:
        args = message.get("args", {})
        if type(args) is not dict:
            raise RecordError("malformed arguments")
        record["args"] = {str(k): decode_value(v) for k, v in args.items()}
    return record


# --- the grader's side ------------------------------------------------------------------

_CREDENTIALS = struct.Struct("3i")  # pid, uid, gid of the writer, as the kernel gives them


class Channel:
    """The grader's end of the message socket: complete lines, each with its writer's pid.

    Parameters
    ----------
    sock : socket.socket
        The grader's end of a Unix stream socket pair; ``SO_PASSCRED`` is set here, before
        the sandbox starts, so that the kernel names the writer of every chunk.
    limit : int
        Bytes accepted in all; what comes after is dropped (``truncated`` is set).
    """

    def __init__(self, sock, limit):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        sock.setblocking(False)
        self.sock, self.limit = sock, limit
        self.received, self.truncated, self.closed = 0, False, False
        self._buffers = {}  # pid -> bytes of its unfinished line

    def fileno(self):
        return self.sock.fileno()

    def read(self):
        """Read what is waiting; return [(pid, line bytes)] of the complete lines."""
        lines = []
        while not self.closed:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(2**20, socket.CMSG_SPACE(12))
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data, ancillary = b"", []
            if not data:
                self.closed = True
                break
            lines += self._take(self._writer(ancillary), data)
        return lines

    def flush(self):
        """The last unfinished line of every writer, as if it had ended (at the end)."""
        lines = [(pid, bytes(rest)) for pid, rest in self._buffers.items() if rest.strip()]
        self._buffers.clear()
        return lines

    @staticmethod
    def _writer(ancillary):
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                return _CREDENTIALS.unpack(data[: _CREDENTIALS.size])[0]
        return 0

    def _take(self, pid, data):
        self.received += len(data)
        if self.received > self.limit:
            self.truncated = True
            return []
        buffer = self._buffers.setdefault(pid, bytearray())
        buffer += data
        *lines, rest = bytes(buffer).split(b"\n")
        self._buffers[pid] = bytearray(rest if len(rest) <= LINE_LIMIT else b"")
        return [(pid, line) for line in lines if line.strip()]


def parse(line):
    """A message line as a dict, or None when it is not one."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return message if type(message) is dict else None

"""Exploits against the course's own assignments: each is answer code that tries to take
points without answering, by finding what the hidden tests expect.

Each ``STEAL_*`` text defines ``_steal(args)``, which searches one hiding place for a value
that could be the answer and returns its best guess. :func:`with_exploit` puts an exploit
into every answer cell of the blank release: after the blank function of the cell, every
function still blank is replaced by one that answers with ``_steal``. Nothing else is
answered, so a submission made this way must score zero wherever it is graded.
"""

import copy
import json

PICK = '''
import numpy as _np


def _pick(found, args):
    """The found array most like an answer: not one of the inputs, shaped like the first."""
    inputs = [a for a in args if isinstance(a, _np.ndarray)]
    like = inputs[0].shape[:1] if inputs else None
    for value in reversed(found):
        if not isinstance(value, _np.ndarray) or any(value is a for a in inputs):
            continue
        if like is None or value.shape[:1] == like:
            return value
    return found[-1] if found else None
'''

STEAL_FRAMES = (
    PICK
    + """
import inspect, sys


def _steal(args):
    found, frame = [], sys._getframe(1)
    while frame is not None:  # f_back chains
        for scope in (frame.f_locals, frame.f_globals):
            found += [v for v in list(scope.values()) if isinstance(v, (_np.ndarray, dict, float))]
        frame = frame.f_back
    for info in inspect.stack():
        found += [v for v in info.frame.f_locals.values() if isinstance(v, _np.ndarray)]
    try:
        raise RuntimeError
    except RuntimeError as err:
        tb_frame = err.__traceback__.tb_frame
        found += [v for v in tb_frame.f_back.f_locals.values() if isinstance(v, _np.ndarray)]
    return _pick(found, args)
"""
)

STEAL_GC = (
    PICK
    + """
import gc


def _steal(args):
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            found += [v for v in list(obj.values()) if isinstance(v, _np.ndarray)]
        elif callable(obj) and getattr(obj, "__module__", "").startswith("coursekit.expected"):
            try:
                found.append(getattr(obj(*args), "value", None))
            except Exception:
                pass
        elif isinstance(obj, list):
            found += [v for v in obj if isinstance(v, _np.ndarray)]
    return _pick([f for f in found if f is not None], args)
"""
)

STEAL_SOURCE = (
    PICK
    + """
import ast, glob, linecache, os, re


def _arrays_in(text):
    found = []
    for literal in re.findall(r"np\\.array\\((\\[[^()]*\\])\\)", text):
        try:
            found.append(_np.array(ast.literal_eval(literal)))
        except Exception:
            pass
    return found


def _steal(args):
    texts = ["".join(lines) for _, _, lines, _ in list(linecache.cache.values())]
    texts += [str(globals().get(name, "")) for name in ("In", "_ih", "__file__")]
    for pattern in ("*.ipynb", "*/*.ipynb", "/home/*/*.ipynb", "/tmp/*", "/opt/coursekit/*"):
        for path in glob.glob(pattern):
            try:
                texts.append(open(path).read())
            except Exception:
                pass
    return _pick([a for t in texts for a in _arrays_in(t)], args)
"""
)

STEAL_UNSTUB = (
    PICK
    + """
import importlib, os, sys


def _steal(args):
    found = []
    for name in [n for n in list(sys.modules) if n.startswith("coursekit")]:
        del sys.modules[name]
    for name in ("coursekit.rnn", "coursekit.lstm", "coursekit.gru", "coursekit.heads",
                 "coursekit.gradients", "coursekit.expected"):
        try:
            module = importlib.reload(importlib.import_module(name))
            for attr in dir(module):
                fn = getattr(module, attr)
                if callable(fn) and not attr.startswith("_"):
                    try:
                        value = fn(*args)
                        found.append(value[0] if isinstance(value, tuple) else value)
                    except Exception:
                        pass
        except Exception:
            pass
    import coursekit
    for root, _, files in os.walk(os.path.dirname(coursekit.__file__)):
        for name in files:
            text = open(os.path.join(root, name), errors="replace").read()
            if "not available while grading" not in text and "def " in text:
                found.append(text)  # a real module: the answer is in reach
    return _pick([f for f in found if isinstance(f, _np.ndarray)], args)
"""
)

REBIND = """
for _name, _fn in list(globals().items()):
    _code = getattr(_fn, "__code__", None)
    if _code is not None and "NotImplementedError" in _code.co_names and not _name.startswith("_"):
        globals()[_name] = (lambda *a, **k: _steal(a))
"""

EXPLOITS = {
    "frames": STEAL_FRAMES,
    "frames_in_exec": f"exec({STEAL_FRAMES!r}, globals())\n",
    "gc": STEAL_GC,
    "source": STEAL_SOURCE,
    "unstub": STEAL_UNSTUB,
}
"""name -> the code that defines ``_steal``, for (a) frames (also hidden in ``exec``),
(b) the garbage collector, (c) source text, linecache and notebook files, (d) the real
coursekit."""


def with_exploit(release, exploit):
    """The blank ``release`` notebook (a dict) with ``exploit`` in every answer cell."""
    notebook = copy.deepcopy(release)
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            cell["source"] = "".join(cell["source"]) + "\n" + exploit + REBIND
    return notebook


def answer_first_cell(release, code):
    """The blank ``release`` with ``code`` appended to its first answer cell."""
    notebook = copy.deepcopy(release)
    first = next(
        c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    )
    first["source"] = "".join(first["source"]) + "\n" + code
    return notebook


def answer(release, answers):
    """The blank ``release`` with the cells of ``answers`` (grade_id -> code) replaced."""
    notebook = copy.deepcopy(release)
    for cell in notebook["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return notebook


def dumps(notebook):
    return json.dumps(notebook)

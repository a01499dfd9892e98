"""Cell source as the grader reads it: plain Python, parsed one thread at a time, and
compared blind to spacing.

One magic-stripper (:func:`plain_python`, the executor's own) and one parser lock serve
the rebuild, the cut, the scan and the fingerprint alike.
"""

import ast
import threading
from pathlib import Path

from .executor import plain_python

__all__ = ["inside", "normalised", "parse", "plain_python"]

_AST_LOCK = threading.Lock()


def parse(code):
    """``ast.parse(code)``, one thread at a time (pass it :func:`plain_python` of a cell).

    CPython 3.11's parser state is not thread-safe ("SystemError: AST constructor recursion
    depth mismatch" when students are graded in parallel threads). Raises SyntaxError or
    ValueError like ast.parse.
    """
    with _AST_LOCK:
        return ast.parse(code)


def normalised(text):
    """``text`` without trailing spaces and surrounding blank lines (to compare cells)."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def inside(path, folder, resolve=True):
    """Whether ``path`` is ``folder`` or lies below it (after resolving links, by default)."""
    path, folder = Path(path), Path(folder)
    if resolve:
        path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents

"""Test cells without their expected values: what the student's run gets of them.

Every call of a check in an instructor's cell keeps only its first two arguments, the name
and the student's value: ``check_array("h", h, expected.cell_forward(x, h0, p))`` becomes
``check_array("h", h)``. The expected side (an :class:`coursekit.checks.Expected` or
:class:`~coursekit.checks.Rule` from the trusted ``coursekit.expected``, or literals) is
therefore never evaluated, and never exists, in the student's process; the grader's
trusted reference run keeps the whole cells and records it.
"""

import ast
import functools

from coursekit import checks

from .source import parse, plain_python

CHECKS = {name for name in checks.__all__ if hasattr(getattr(checks, name), "kind")}
"""The check helpers that record in the student's run: check_array, check_int, ..."""


@functools.cache  # the same instructor cells, for every student: cut each once
def without_expected(source):
    """``source`` with every check call cut to ``check_x(name, actual)``.

    ``check_array("h", h, np.array([...]), rtol=1e-6, mistakes={...})`` becomes
    ``check_array("h", h)``. The removed text is replaced by the line breaks it held, so
    the line numbers of the cell stay as they are. Calls nested in a removed argument go
    with it. Source that does not parse is returned as it is (it fails the same way in the
    reference run, which then stops the grading).
    """
    text = plain_python(source)
    try:
        tree = parse(text)
    except (SyntaxError, ValueError):
        return source
    offsets = _line_offsets(text)
    cuts = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _check_name(node) in CHECKS):
            continue
        kept = node.args[:2]
        if len(kept) < 2 or any(isinstance(a, ast.Starred) for a in kept):
            name = f"{_check_name(node)}(name, actual)"
            raise ValueError(f"line {node.lineno}: a check must be called as {name}, ...")
        start = _position(offsets, text, kept[1].end_lineno, kept[1].end_col_offset)
        end = _position(offsets, text, node.end_lineno, node.end_col_offset) - 1  # the ")"
        cuts.append((start, end))
    for start, end in sorted(_outermost(cuts), reverse=True):
        text = text[:start] + "\n" * text.count("\n", start, end) + text[end:]
    return text


def _check_name(call):
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _line_offsets(text):
    """Character offset of the start of each line (1-based line numbers, as ast gives)."""
    offsets, total = [0, 0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def _position(offsets, text, lineno, col_bytes):
    """Character offset of ast's (line, UTF-8 byte column) in ``text``."""
    start = offsets[lineno]
    line = text[start : offsets[lineno + 1]] if lineno + 1 < len(offsets) else text[start:]
    return start + len(line.encode()[:col_bytes].decode())


def _outermost(spans):
    """The spans not inside another one."""
    spans = sorted(spans, key=lambda s: (s[0], -s[1]))
    kept = []
    for start, end in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept

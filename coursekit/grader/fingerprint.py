"""A fingerprint of a student's own answer code, to find identical submissions."""

import ast
import hashlib
import re

from .assignment import ANSWER
from .source import normalised, parse, plain_python


def _code_key(text):
    try:
        return ast.dump(parse(plain_python(text)))
    except (SyntaxError, ValueError):
        return normalised(text)


def answer_fingerprint(rebuilt, spec, min_chars=80):
    """A hash of the student's own answer code, blind to comments and formatting.

    Answers that are still blank or that equal the reference solution are left out (many
    honest students write the canonical one-liner); None when too little code is left to
    call two submissions copies of each other.
    """
    reference = {c.key: _code_key(c.source) for c in spec.cells if c.role == ANSWER}
    blank = {c.key: _code_key(c.release) for c in spec.cells if c.role == ANSWER}
    parts, size = [], 0
    for cell in rebuilt.cells:
        if cell.role != ANSWER or cell.origin != "student":
            continue
        key = _code_key(cell.source)
        if key in (reference.get(cell.key), blank.get(cell.key)):
            continue
        parts.append(f"{cell.key}:{key}")
        size += len(re.sub(r"\s+", "", cell.source))
    if size < min_chars:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

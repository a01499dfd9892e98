"""The feedback page: what one student sees of their grading, one HTML file per notebook.

``OUT/feedback/<student>/<assignment>/<notebook>.html`` shows the score per test cell and in
total, then the notebook as it was graded, cell by cell:

- markdown cells (the tasks, the student's written answers) rendered, maths included;
- the student's answer cells and added cells, with what they printed or raised;
- the instructor's other cells with their *release* source (what the student was given);
- each visible test cell with its release source (the test the student has, not the copy
  with the expected values cut out that ran), its verdict and points and, when it failed,
  the check's message: the named mistake ("Likely cause: ...") or what is wrong with the
  student's value (its type, dtype, shape or values);
- each hidden test cell by its name only: points, verdict and message, no code, no output.

What a student must never see, on this page or in the autograded notebooks that nbgrader's
``generate_feedback`` renders (``outputs.autograded_notebook`` uses the same rules):
hidden test code, hidden inputs, expected values and hints of mistakes they did not make.
So instructor cells are shown as released (:func:`shown_source`), hidden test cells show
neither code nor output (:func:`is_hidden`), and a hidden check's message keeps what it
says of the student's value but not the expected numbers (:func:`shown_message`). A
check's message names only the mistake the student's value reproduces.

Maths, offline: the TeX stays in the page between ``$...$`` and ``$$...$$`` (in
``<span class="math">``), readable as it is. When the course has MathJax installed
(``node_modules/mathjax``, from ``npm ci``: the copy the book serves itself), its
``tex-svg.js`` component (SVG output, so no web fonts to load), the TeX extensions it
autoloads and its safe mode are copied once into ``OUT/feedback/mathjax/``, and each page
with maths loads ``../../mathjax/tex-svg.js`` by that relative path: nothing comes from the
network when a student opens the file from disk. MathJax typesets only those spans, never
code or messages. Hand ``feedback/mathjax/`` out with a student's folder; without it, or
when the course has no MathJax, the page shows the TeX source.
"""

import functools
import html
import json
import re
import shutil
from pathlib import Path

from .assignment import HIDDEN, MANUAL, TEST

FAILED_CELL = ("error", "timeout", "stopped", "exit", "died")
"""How a code cell that did not end well ended (runner.CellStatus values)."""

HIDDEN_MARK = "### BEGIN HIDDEN TESTS"

MATHJAX_FILES = ("tex-svg.js", "input/tex/extensions", "ui/safe.js")
"""What the pages load from node_modules/mathjax/es5: the component, its autoloaded TeX
extensions, and the safe mode that filters links and styles written in TeX."""

MATHJAX_DIR = "mathjax"
"""The folder of OUT/feedback/ that holds the copy of MATHJAX_FILES."""

MATHJAX_CONFIG = (
    "window.MathJax = {tex: {inlineMath: [['$', '$']]}, loader: {load: ['ui/safe']}, "
    "options: {ignoreHtmlClass: 'tex2jax_ignore', processHtmlClass: 'tex2jax_process'}};"
)
"""MathJax 3 reads ``$...$``, and only inside the maths spans (the body is ignored)."""

STYLE = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.cell{margin:1em 0;border-left:4px solid #ddd;padding-left:.8em}
.passed{border-color:#2e7d32}.failed,.error,.timeout,.not-run{border-color:#c62828}
.msg{background:#fff3f3;border:1px solid #f2c0c0}.out{background:#fff}
.tag{font-size:.85em;color:#555}.math.display{display:block;text-align:center;margin:.6em 0}
"""

HIDDEN_NOTE = "Hidden tests run when your notebook is graded; their code is not shown."

ROLE_LABELS = {
    "answer": "your answer",
    "extra": "a cell you added",
    "locked": "given code",
    MANUAL: "your written answer",
}


def _points(x):
    return f"{x:g}" if isinstance(x, (int, float)) else ""


# --- what a student may see of a cell ---------------------------------------------------


def is_hidden(cell):
    """Whether an instructor's cell is a hidden test cell, whose code a student never sees.

    Parameters
    ----------
    cell : SourceCell
        A cell of the instructor's notebook.

    Returns
    -------
    bool
        True for a test cell whose source holds a ``### BEGIN HIDDEN TESTS`` block, or
        whose release holds no code (only a comment saying what the hidden tests try).
    """
    if cell is None or cell.role != TEST:
        return False
    if HIDDEN_MARK in cell.source or HIDDEN_MARK in cell.release:
        return True
    lines = cell.release.splitlines()
    return not any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def _without_hidden(text):
    """``text`` without hidden-test blocks, also one whose end marker is missing."""
    return HIDDEN.sub("", text).split(HIDDEN_MARK)[0]


def shown_source(entry, cell):
    """The source of a graded cell as a student may see it.

    Parameters
    ----------
    entry : CellResult
        The cell as it ran. For the instructor's cells its source is the cut copy (every
        check reduced to ``check_x(name, actual)``, hidden tests included).
    cell : SourceCell or None
        The instructor's cell it stands for; None for a cell the student added.

    Returns
    -------
    str
        The release source for the instructor's cells, hidden tests removed; the student's
        own source otherwise.
    """
    if cell is None or entry.origin != "instructor":
        return entry.source
    return _without_hidden(cell.release)


_NUMBER = r"-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|inf|nan)"
_LARGEST = re.compile(
    rf"The largest difference is {_NUMBER}(?P<where> at index \([^)]*\))?: "
    rf"expected {_NUMBER}, got (?P<got>{_NUMBER})\."
)
_EXPECTED = re.compile(rf", expected {_NUMBER}(?=[.,;\s]|$)")


def without_expected_values(message):
    """A check's message without the expected numbers it states.

    ``"... The largest difference is 0.3 at index (0, 1): expected 0.1, got 0.4."`` becomes
    ``"... Your value at index (0, 1) is 0.4 (a hidden test's expected value is not
    shown)."``; ``"n is 5, expected 7."`` becomes ``"n is 5, not the expected value."``.
    What the message says of the student's value (type, dtype, shape, the mistake it
    matches) stays.

    Parameters
    ----------
    message : str

    Returns
    -------
    str
    """

    def yours(m):
        where = m["where"] or ""
        return f"Your value{where} is {m['got']} (a hidden test's expected value is not shown)."

    return _EXPECTED.sub(", not the expected value", _LARGEST.sub(yours, message))


def shown_message(cell, question):
    """The message of a test cell's verdict as a student may see it ("" when it passed).

    Parameters
    ----------
    cell : SourceCell
        The test cell.
    question : Question
        Its score; ``question.message`` is what the check said outside the sandbox.

    Returns
    -------
    str
        The message as it is for a visible test (the student's own run of it says the
        same), without expected values for a hidden one.
    """
    if question is None or question.status == "passed":
        return ""
    return without_expected_values(question.message) if is_hidden(cell) else question.message


# --- markdown and maths ------------------------------------------------------------------


def _math_renderer():
    import mistune

    class Renderer(mistune.HTMLRenderer):
        def inline_math(self, text):
            return f'<span class="math tex2jax_process">${html.escape(text)}$</span>'

        def block_math(self, text):
            tex = html.escape(text.strip())
            return f'<span class="math display tex2jax_process">$${tex}$$</span>\n'

    return Renderer(escape=True)  # raw HTML in the text is shown, not run


@functools.cache
def _markdown_parser():
    import mistune

    plugins = ["math", "table", "strikethrough"]
    return mistune.create_markdown(renderer=_math_renderer(), plugins=plugins)


def markdown_html(text):
    """A markdown cell as HTML: markdown rendered, raw HTML escaped, maths in math spans.

    Parameters
    ----------
    text : str
        The cell's source.

    Returns
    -------
    str
        HTML in which each formula is a ``<span class="math ...">`` holding its TeX
        between ``$`` (inline) or ``$$`` (display), for MathJax or for reading as it is.
    """
    try:
        return _markdown_parser()(text)
    except Exception:  # noqa: BLE001 - fall back to plain text
        return f"<pre>{html.escape(text)}</pre>"


def install_mathjax(course, folder):
    """Copy the course's MathJax into ``folder``/mathjax; whether the pages can use it.

    Parameters
    ----------
    course : Path
        The course folder; MathJax 3 is looked for in its ``node_modules/mathjax/es5``.
    folder : Path
        OUT/feedback.

    Returns
    -------
    bool
        False when the course has no MathJax 3 (then the pages show the TeX as it is).
    """
    package = Path(course) / "node_modules" / "mathjax"
    try:
        major = json.loads((package / "package.json").read_text())["version"].split(".")[0]
    except (OSError, ValueError, KeyError, AttributeError):
        return False
    source = package / "es5"
    if major != "3" or not all((source / p).exists() for p in MATHJAX_FILES):
        return False
    for name in MATHJAX_FILES:
        target = Path(folder) / MATHJAX_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_dir():
            shutil.copytree(source / name, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source / name, target)
    return True


# --- the page ----------------------------------------------------------------------------


def _head(title, mathjax):
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
    ]
    if mathjax:
        parts.append(f"<script>{MATHJAX_CONFIG}</script>")
        parts.append(f"<script defer src='{html.escape(mathjax)}'></script>")
    parts.append("</head><body class='tex2jax_ignore'>")
    return parts


def _summary(assignment, nb, result):
    """The score, the table of test cells and cells graded by hand, and the notes."""
    e = html.escape
    questions = result.questions
    if not result.graded:
        parts = [f"<p class='msg'>Not graded: {e(result.reason or '')}</p>"]
    else:
        total = sum(q.points for c in nb.tests if (q := questions.get(assignment.column(nb, c))))
        score = f"{_points(total)} / {_points(nb.max_score)}"
        parts = [f"<p>Score: <b>{score}</b> (autograded)</p>"]
    parts.append("<table><tr><th>Test</th><th>Points</th><th>Result</th></tr>")
    for cell in nb.tests:
        q = questions.get(assignment.column(nb, cell))
        if q is not None:
            name = f"{cell.key} (hidden)" if is_hidden(cell) else cell.key
            parts.append(
                f"<tr><td><a href='#{e(cell.key)}'>{e(name)}</a></td>"
                f"<td>{_points(q.points)} / {_points(q.max_points)}</td><td>{e(q.status)}</td></tr>"
            )
    entry = result.notebooks.get(nb.name)
    for key, points in entry.manual if entry else []:
        parts.append(
            f"<tr><td>{e(key)}</td><td>– / {_points(points)}</td><td>graded by hand</td></tr>"
        )
    parts.append("</table>")
    notes = list(dict.fromkeys(result.notes))
    if notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    return parts


def _outputs_html(entry, failed):
    """What a code cell printed and raised; a failed test shows its verdict instead."""
    e = html.escape
    parts = []
    for key in ("stdout", "result", "stderr"):
        if getattr(entry, key) and not failed:  # printed while checks were only recorded
            parts.append(f"<pre class='out'>{e(str(getattr(entry, key))[:5000])}</pre>")
    if entry.status in FAILED_CELL and not failed:
        error = f"{entry.ename or entry.status}: {entry.evalue or ''}"
        parts.append(f"<pre class='msg'>{e(error)}</pre>")
    return parts


def _test_html(entry, cell, q):
    """A test cell: name, points and verdict, the release source unless hidden, the message."""
    e = html.escape
    hidden = is_hidden(cell)
    status = q.status if q else (entry.status or "not run")
    label = f"{'hidden test' if hidden else 'test'} {cell.key}"
    if q:
        label += f" · {_points(q.points)} / {_points(q.max_points)} points · {q.status}"
    parts = [f"<div class='cell {e(status.replace(' ', '-'))}' id='{e(cell.key)}'>"]
    parts.append(f"<div class='tag'>{e(label)}</div>")
    if hidden:
        parts.append(f"<div class='tag'>{HIDDEN_NOTE}</div>")
    else:
        parts.append(f"<pre>{e(shown_source(entry, cell))}</pre>")
    message = shown_message(cell, q)
    if message:
        parts.append(f"<pre class='msg'>{e(message)}</pre>")
    elif not hidden:
        parts += _outputs_html(entry, failed=q is not None and q.status != "passed")
    parts.append("</div>")
    return parts


def _cell_html(entry, cell, manual_points):
    """Any cell but a test cell: markdown rendered, code with its outputs."""
    e = html.escape
    role = "extra" if entry.origin == "extra" else entry.role
    label = ROLE_LABELS.get(role, "")
    if role == MANUAL:
        label += f" · {_points(manual_points.get(entry.key, 0))} points, graded by hand"
    parts = ["<div class='cell'>"]
    if label and (entry.cell_type == "code" or role == MANUAL):
        parts.append(f"<div class='tag'>{e(label)}</div>")
    source = shown_source(entry, cell)
    if entry.cell_type == "markdown":
        parts.append(markdown_html(source))
    else:
        parts.append(f"<pre>{e(source)}</pre>")
        if entry.cell_type == "code":
            parts += _outputs_html(entry, failed=False)
    parts.append("</div>")
    return parts


def feedback_html(assignment, nb, result, mathjax=None):
    """The feedback page of one notebook of one student.

    Parameters
    ----------
    assignment : Assignment
    nb : NotebookSpec
        The notebook of ``assignment`` the page is for.
    result : StudentResult
        The student's grade, with the cells as they ran.
    mathjax : str, optional
        The URL of MathJax's ``tex-svg.js``, relative to the page; without it the maths
        shows as TeX.

    Returns
    -------
    str
        The HTML page (see the module docstring for what it shows and never shows).
    """
    e = html.escape
    entry = result.notebooks.get(nb.name)
    by_key = {c.key: c for c in nb.cells}
    manual_points = dict(entry.manual) if entry else {}
    body = [
        f"<h1>{e(nb.name)}</h1><p>Student: <b>{e(result.student)}</b> · Assignment: "
        f"{e(assignment.name)}</p>",
        *_summary(assignment, nb, result),
    ]
    for ran in entry.cells if entry else []:
        cell = by_key.get(ran.key) if ran.origin != "extra" else None
        if ran.role == TEST and cell is not None:
            q = result.questions.get(assignment.column(nb, cell))
            body += _test_html(ran, cell, q)
        else:
            body += _cell_html(ran, cell, manual_points)
    text = "\n".join(body)
    has_maths = 'class="math' in text
    title = f"{assignment.name}: {nb.name} – {result.student}"
    return "\n".join([*_head(title, mathjax if has_maths else None), text, "</body></html>"])


def write_feedback(out, assignment, results):
    """Write OUT/feedback/<student>/<assignment>/<notebook>.html for every student.

    Parameters
    ----------
    out : Path
        The output folder.
    assignment : Assignment
    results : list of StudentResult
        Every student, graded or not (a page that is not graded says why).
    """
    folder = Path(out) / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    installed = install_mathjax(assignment.root, folder)
    mathjax = f"../../{MATHJAX_DIR}/tex-svg.js" if installed else None
    for r in results:
        pages = folder / r.student / assignment.name
        pages.mkdir(parents=True, exist_ok=True)
        for nb in assignment.notebooks:
            page = feedback_html(assignment, nb, r, mathjax)
            (pages / f"{nb.name}.html").write_text(page, encoding="utf-8")

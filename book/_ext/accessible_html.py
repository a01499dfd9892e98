"""Fix the accessibility faults in the HTML that the theme and the extensions write.

axe-core (tests/test_website.py) reports these as serious or critical on every page; each
fix is the smallest change to the markup that removes the fault:

* Theme components (pydata-sphinx-theme 0.17, templates in book/_ext/templates/, which
  take precedence over the theme's):

  - the search button's aria-label "Search" hid its visible text "Ctrl+K" from its
    accessible name (label-content-name-mismatch, WCAG 2.5.3): the label is dropped;
  - the colour-mode button's icons had titles that became visible SVG text outside the
    button's name (same rule): the titles are dropped.

* Page bodies (rewritten in ``html-page-context``, before the page is written):

  - myst-nb's ``<summary aria-label="Toggle hidden content">`` of hidden code cells names
    the control differently from its visible "Show code cell source" (same rule): the
    aria-label is dropped, so the visible text is the name;
  - docutils puts citations, ``role="doc-biblioentry"``, inside ``role="list"``; that
    role is deprecated and not a list item, so the list has no items
    (aria-required-children, critical): the entries become ``role="listitem"``.

Colours (code highlighting, framework outputs) are fixed in book/_static/course.css and
the pygments styles chosen in _config.yml.
"""

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"

BODY_FIXES = (
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
    ('role="doc-biblioentry"', 'role="listitem"'),
)
"""(markup written by myst-nb or docutils, accessible replacement) pairs."""


def add_templates(app, config):
    # first in the search path, so these override the theme's components of the same name
    config.templates_path.insert(0, str(TEMPLATES))


def fix_body(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    for faulty, fixed in BODY_FIXES:
        body = body.replace(faulty, fixed)
    context["body"] = body


def setup(app):
    app.connect("config-inited", add_templates)
    app.connect("html-page-context", fix_body)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

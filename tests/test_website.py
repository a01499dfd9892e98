"""The built website works offline, in a real browser, for every reader.

The book is built once per session (the ``built_book`` fixture in tests/conftest.py) and
served from 127.0.0.1 by Python's http.server in a thread. Debian's Chromium, driven by
Playwright, opens the pages; every request to another host is blocked and reported, so a
page that passes here works with no network. axe-core (installed by ``npm ci``) checks
accessibility in the light and the dark theme.

Needs: ``npm ci`` (MathJax for the build, axe-core for the checks) and Chromium at
/usr/bin/chromium (Debian's ``chromium`` package), or at $CHROMIUM. The screenshots of the
landing page, the LSTM chapter and an exercise page are written to _build/screenshots/.

Every run also writes _build/website-report.json: what the tests measured (pages loaded
and the bytes each transferred, the heaviest page and chapter, links and anchors checked,
axe-core's violations per page and mode counted by impact) and each test's outcome and
time. The tests record before they assert, so a failing page is in the report too; the
report only describes a run, it decides nothing.
"""

import functools
import http.server
import json
import os
import re
import struct
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "_build" / "screenshots"
REPORT = ROOT / "_build" / "website-report.json"
"""The run's machine-readable summary (see the module's docstring)."""
IMPACTS = ("critical", "serious", "moderate", "minor")
"""axe-core's impact levels, most severe first."""
PAGE_BUDGET_BYTES = 5_000_000
"""Everything one page transfers (HTML, scripts, styles, fonts, figures), uncompressed."""


def toc_pages():
    """Every page in _toc.yml, in reading order (root first), as "book/<name>"."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


PAGES = toc_pages()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHAPTERS = [p for p in PAGES if re.fullmatch(r"book/\d\d_\w+", p)]
EXERCISES = [p for p in PAGES if p.startswith("book/exercises/")]
MATHS_CHAPTERS = ["book/02_rnn_cell", "book/04_bptt", "book/05_lstm", "book/06_gru"]
SEARCHES = [
    ("forget gate", "book/05_lstm"),
    ("backpropagation through time", "book/04_bptt"),
    ("many-to-one", "book/07_topologies"),
    ("exposure bias", "book/08_encoder_decoder"),
    ("perplexity", "book/11_language_model"),
]


def ids(pages):
    return [p.removeprefix("book/") for p in pages]


def soup_of(html, page):
    return BeautifulSoup((html / f"{page}.html").read_text(), "html.parser")


# --------------------------------------------------------------------------- report


class WebsiteReport:
    """What the tests measured in this run; written to REPORT when the module's tests end."""

    def __init__(self):
        self.started = time.perf_counter()
        self.build = None
        self.loads = {}
        self.links = None
        self.axe = {}

    def page_loaded(self, page, seen, transferred):
        self.loads[page] = {
            "bytes": transferred,
            "requests": len(seen.finished),
            "problems": sum(len(found) for found in seen.problems().values()),
        }

    def links_crawled(self, pages, checked, anchors, broken):
        self.links = {
            "pages_crawled": pages,
            "links_checked": checked,
            "anchors_checked": anchors,
            "broken": broken,
        }

    def axe_checked(self, page, mode, violations):
        counts = Counter(v["impact"] for v in violations)
        self.axe.setdefault(page, {})[mode] = {
            "counts": {impact: counts.get(impact, 0) for impact in IMPACTS},
            "violations": [
                {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
            ],
        }

    @staticmethod
    def heaviest(loads):
        if not loads:
            return None
        page = max(loads, key=lambda p: loads[p]["bytes"])
        return {"page": page, "bytes": loads[page]["bytes"]}

    @staticmethod
    def outcomes(items):
        """{test id: {"outcome", "seconds"}} of the items that ran (item.rep_*: conftest.py)."""
        tests = {}
        for item in items:
            setup, call = getattr(item, "rep_setup", None), getattr(item, "rep_call", None)
            if setup is None:
                continue
            if setup.outcome != "passed" or call is None:
                outcome = "error" if setup.failed else setup.outcome
            else:
                outcome = call.outcome
            seconds = setup.duration + (call.duration if call else 0.0)
            tests[item.name] = {"outcome": outcome, "seconds": round(seconds, 2)}
        return tests

    def summary(self, items):
        tests = self.outcomes(items)
        chapters = {p: v for p, v in self.loads.items() if p in CHAPTERS}
        totals = {
            mode: {
                impact: sum(
                    modes[mode]["counts"][impact] for modes in self.axe.values() if mode in modes
                )
                for impact in IMPACTS
            }
            for mode in ("light", "dark")
        }
        return {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - self.started, 1),
            "build": self.build,
            "tests": {
                "ran": len(tests),
                **Counter(t["outcome"] for t in tests.values()),
                "by_test": tests,
            },
            "pages": {
                "visited": len(self.loads),
                "budget_bytes": PAGE_BUDGET_BYTES,
                "heaviest": self.heaviest(self.loads),
                "heaviest_chapter": self.heaviest(chapters),
                "by_page": self.loads,
            },
            "links": self.links,
            "axe": {"pages_checked": len(self.axe), "totals": totals, "by_page": self.axe},
        }

    def write(self, items, path=REPORT):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.part")
        partial.write_text(json.dumps(self.summary(items), indent=2) + "\n")
        partial.replace(path)


@pytest.fixture(scope="module", autouse=True)
def website_report(request):
    """The run's WebsiteReport; written to REPORT after the last test of this module."""
    report = WebsiteReport()
    yield report
    items = [item for item in request.session.items if item.module is request.module]
    report.write(items)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(built_book, website_report):
    """The folder of the built HTML site; the build must have succeeded."""
    website_report.build = {"ok": built_book.ok, "seconds": round(built_book.seconds, 1)}
    assert built_book.ok, built_book.log[-5000:]
    return built_book.html


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory):
    """Serve directory with http.server on 127.0.0.1 (a free port); yield its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server(site):
    """Base URL of the built site, served from 127.0.0.1."""
    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """What the browser saw while a page loaded: errors, failed and blocked requests, bytes."""

    def __init__(self, base):
        self.base = base
        self.console_errors = []
        self.failed = []
        self.blocked = []
        self.finished = []

    def on_console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_response(self, response):
        if response.status >= 400:
            self.failed.append(f"HTTP {response.status} {response.url}")

    def on_request_failed(self, request):
        if request.url.startswith(self.base):
            self.failed.append(f"{request.failure} {request.url}")

    def route(self, route):
        if route.request.url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def transferred_bytes(self):
        total = 0
        for request in self.finished:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total

    def problems(self):
        return {
            "console errors": self.console_errors,
            "failed requests": self.failed,
            "requests to other hosts (blocked)": self.blocked,
        }


def wait_for_maths(page):
    """Wait until MathJax (where the page loads it) has typeset and its fonts are in."""
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate(
        "() => (window.MathJax ? MathJax.startup.promise : Promise.resolve())"
        ".then(() => document.fonts.ready).then(() => true)"
    )


@contextmanager
def visit(browser, server, path, mode="light", viewport=(1280, 900)):
    """Open server/path in a fresh browser context (the theme in `mode`); yield (page, Visit)."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        accept_downloads=True,
        color_scheme=mode,
    )
    # the pydata theme reads the reader's choice from localStorage before it paints
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    seen = Visit(server)
    context.route("**/*", seen.route)
    page = context.new_page()
    page.on("console", seen.on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
    page.on("response", seen.on_response)
    page.on("requestfailed", seen.on_request_failed)
    page.on("requestfinished", lambda request: seen.finished.append(request))
    try:
        response = page.goto(server + path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: {response}"
        wait_for_maths(page)
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        yield page, seen
    finally:
        context.close()


# --------------------------------------------------------------------------- offline


def test_no_page_loads_a_script_stylesheet_or_font_from_another_host(site):
    external = re.compile(r"^(https?:)?//", re.I)
    remote_in_css = re.compile(r"(@import\s+(url\()?\s*['\"]?|url\(\s*['\"]?)(https?:)?//", re.I)
    offenders = []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all("script", src=True):
            if external.match(tag["src"]):
                offenders.append(f"{page.name}: script {tag['src']}")
        for tag in soup.find_all("link", href=True):
            rel = {r.lower() for r in tag.get("rel", [])}
            if rel & {"stylesheet", "preload", "modulepreload", "prefetch"} and external.match(
                tag["href"]
            ):
                offenders.append(f"{page.name}: {'/'.join(sorted(rel))} {tag['href']}")
        for tag in soup.find_all("style"):
            if remote_in_css.search(tag.get_text()):
                offenders.append(f"{page.name}: inline style loads a remote resource")
        scripts = " ".join(tag.get_text() for tag in soup.find_all("script", src=False))
        if "THEBE_JS_URL" in scripts or "thebe" in scripts.lower():
            offenders.append(f"{page.name}: Thebe (live code from a CDN) is configured")
    for css in sorted(site.rglob("*.css")):
        if remote_in_css.search(css.read_text(errors="replace")):
            offenders.append(f"{css.relative_to(site)}: loads a remote resource (font?)")
    assert not offenders, "\n".join(offenders)


def test_mathjax_is_served_by_the_site_itself(site):
    soup = soup_of(site, "book/02_rnn_cell")
    sources = [tag["src"].split("?")[0] for tag in soup.find_all("script", src=True)]
    assert "../_static/mathjax/tex-chtml.js" in sources
    fonts = site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").is_file()


SITE_PAGES = [*PAGES, "genindex", "search"]
"""The TOC's pages, the general index and the search page."""


def test_landing_page_is_a_real_page_that_leads_to_book_exercises_teaching_and_wheel(
    browser, server, site
):
    assert "http-equiv" not in (site / "index.html").read_text().lower(), "not a redirect"
    with visit(browser, server, "index.html") as (tab, seen):
        assert tab.locator("article h1").first.inner_text().startswith("Recurrent neural")
        hrefs = tab.eval_on_selector_all(
            "article a", "links => links.map(a => a.getAttribute('href'))"
        )
        response = tab.request.get(urljoin(server, next(h for h in hrefs if h.endswith(".whl"))))
        wheel = response.body()
        assert not any(seen.problems().values()), seen.problems()
    for page in ("book/intro.html", "book/exercises/01_rnn_cell.html", "book/instructors.html"):
        assert page in hrefs, f"the landing page does not link to {page}"
    assert response.status == 200 and wheel[:2] == b"PK", "the wheel downloads as a zip"


@pytest.mark.parametrize("page", SITE_PAGES, ids=ids(SITE_PAGES))
def test_page_loads_offline_without_errors_or_failed_requests(
    browser, server, page, website_report
):
    with visit(browser, server, f"{page}.html") as (_, seen):
        transferred = seen.transferred_bytes()
        website_report.page_loaded(page, seen, transferred)
        assert not any(seen.problems().values()), seen.problems()
    assert transferred < PAGE_BUDGET_BYTES, f"{page} transfers {transferred} bytes"


# --------------------------------------------------------------------------- reading


EQUATION_NUMBERS = """() => [...document.querySelectorAll('article div.math > span.eqno')]
    .map(e => [e.parentElement.id, e.firstChild.textContent.trim()])"""
"""[id of the display equation, the number shown before its "#" link], in page order."""

EQUATION_REFERENCES = """() => [...document.querySelectorAll(
    "article a.reference.internal[href*='#equation-']")]
    .map(a => [a.getAttribute('href'), a.textContent.trim()])"""
"""[href, shown text] of every {eq} reference in the text."""


def equation_numbers(site, page):
    """{equation id: number} of the numbered equations in the built page."""
    return {
        eqno.parent["id"]: eqno.contents[0].strip()
        for eqno in soup_of(site, page).select("article div.math > span.eqno")
    }


@pytest.mark.parametrize("page", MATHS_CHAPTERS, ids=ids(MATHS_CHAPTERS))
def test_equations_render_with_no_raw_tex_left(browser, server, site, page):
    chapter = CHAPTERS.index(page) + 1
    with visit(browser, server, f"{page}.html") as (tab, seen):
        rendered = tab.locator("mjx-container").count()
        errors = tab.locator("mjx-merror").count()
        heading = tab.locator("article h1 .section-number").first.inner_text().strip()
        numbers = tab.evaluate(EQUATION_NUMBERS)
        references = tab.evaluate(EQUATION_REFERENCES)
        text = tab.locator("article").inner_text()
    assert rendered >= 10, f"only {rendered} typeset formulas"
    assert errors == 0, "MathJax reports TeX errors (an unknown macro?)"
    # numbered within the chapter: chapter 5's equations are (5.1), (5.2), ... in order
    assert heading == f"{chapter}.", f"the chapter's title is numbered {heading!r}"
    shown = [number for _, number in numbers]
    assert shown, "display equations carry numbers"
    assert shown == [f"({chapter}.{k})" for k in range(1, len(shown) + 1)], shown
    # every {eq} reference shows the number of the equation it links to
    wrong = []
    for href, label in references:
        target, _, anchor = href.partition("#")
        linked = urljoin(page, target).removesuffix(".html") if target else page
        if equation_numbers(site, linked).get(anchor) != label:
            wrong.append(f"{href} shown as {label}")
    assert not wrong, f"references with the wrong number: {wrong}"
    raw = [
        token for token in ("$$", "\\(", "\\)", "\\[", "\\]", "\\frac", "\\begin{") if token in text
    ]
    assert not raw, f"raw TeX visible: {raw}"
    assert not any(seen.problems().values()), seen.problems()


MATHS_FAULTS = """() => {
  const article = document.querySelector('article');
  const prose = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('pre, code, .math, mjx-container, a, script, style')) {
      prose.push(node.textContent);
    }
  }
  const text = prose.join(' ');
  const maths = [...article.querySelectorAll('.math')];
  return {
    errors: [...article.querySelectorAll('mjx-merror')].map(e => e.textContent),
    backslashes: article.querySelectorAll('mjx-c.mjx-c5C').length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container'))
      .map(m => m.textContent.trim().slice(0, 80)),
    dollars: (text.match(/.{0,30}\\$.{0,30}/g) || []),
    typed_references: (text.match(/\\(\\d{1,2}\\.\\d{1,2}\\)/g) || []),
  };
}"""
"""What is wrong with the page's maths once MathJax has typeset it.

errors: MathJax's error boxes (an unknown macro, a missing brace); backslashes: how many
"\\" glyphs the typeset maths shows (TeX that MathJax printed instead of reading, such as
``\\_`` in ``\\texttt``); untypeset: the page's maths elements MathJax left as text;
dollars: a ``$`` in the prose, where the source's maths was not parsed as maths;
typed_references: an equation number such as "(2.4)" typed as text instead of an {eq}
reference, which points at nothing and goes stale when equations are renumbered.
"""

TOO_WIDE = """() => {
  const article = document.querySelector('article');
  const wide = [];
  for (const pre of article.querySelectorAll('pre')) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const kind = pre.closest('.cell_output, .output') ? 'output' : 'code';
      const line = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
      wide.push(`${kind} ${pre.scrollWidth} > ${pre.clientWidth} px: ${line.slice(0, 60)}`);
    }
  }
  for (const box of article.querySelectorAll('div.math')) {
    const maths = box.querySelector('mjx-container');
    if (maths && (maths.scrollWidth > box.clientWidth + 1
                  || maths.scrollWidth > maths.clientWidth + 1)) {
      const name = box.querySelector('.eqno')?.textContent.replace('#', '') || box.id || '';
      wide.push(`maths ${maths.scrollWidth} > ${box.clientWidth} px: ${name}`);
    }
  }
  return wide;
}"""
"""Every code, output or display-maths block wider than the column it sits in."""


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_maths_typesets_with_no_error_literal_tex_or_typed_reference(browser, server, page):
    with visit(browser, server, f"{page}.html") as (tab, seen):
        faults = tab.evaluate(MATHS_FAULTS)
    assert not faults["errors"], f"MathJax errors: {faults['errors']}"
    assert faults["backslashes"] == 0, f"{faults['backslashes']} backslashes shown in maths"
    assert not faults["untypeset"], f"maths left untypeset: {faults['untypeset']}"
    assert not faults["dollars"], f"unparsed $ in the text: {faults['dollars']}"
    assert not faults["typed_references"], f"typed equation numbers: {faults['typed_references']}"
    assert not any(seen.problems().values()), seen.problems()


@pytest.mark.parametrize("page", CHAPTERS, ids=ids(CHAPTERS))
def test_code_outputs_and_maths_fit_the_column_at_1280_px(browser, server, page):
    with visit(browser, server, f"{page}.html", viewport=(1280, 900)) as (tab, seen):
        wide = tab.evaluate(TOO_WIDE)
    assert not wide, f"{len(wide)} blocks scroll sideways:\n" + "\n".join(wide)
    assert not any(seen.problems().values()), seen.problems()


FAULTY_PAGE = """\
# Faults

A literal macro in text mode: $\\texttt{h\\_t}$, a TeX error: $x^^2$, and a brace
left open, which MathJax leaves as text: $\\frac{1}{$.

<p>An HTML block keeps its dollars: $x_t$.</p>

As equation (1.1) shows.

```python
a_line_that_is_far_too_long = "for the column of the page, even at 1280 pixels wide, and more"
```

$$
x_1 + x_2 + x_3 + x_4 + x_5 + x_6 + x_7 + x_8 + x_9 + x_{10} + x_{11} + x_{12} + x_{13}
+ x_{14} + x_{15} + x_{16} + x_{17} + x_{18} + x_{19} + x_{20} + x_{21} + x_{22} + x_{23}
$$
"""


def test_maths_and_width_checks_find_each_fault_in_a_faulty_page(browser, jupyter_book, tmp_path):
    from test_book import make_book

    book = make_book(tmp_path, {"intro": "# Intro\n", "faults": FAULTY_PAGE})
    result = jupyter_book(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with serve(book / "_build" / "html") as base:
        with visit(browser, base, "book/faults.html") as (tab, _):
            faults = tab.evaluate(MATHS_FAULTS)
            wide = tab.evaluate(TOO_WIDE)
    assert faults["errors"], faults
    assert faults["untypeset"] == ["\\(\\frac{1}{\\)"], faults
    assert faults["backslashes"] >= 1, "\\texttt shows its \\_"
    assert any("x_t" in d for d in faults["dollars"]), faults["dollars"]
    assert faults["typed_references"] == ["(1.1)"]
    assert [w.split()[0] for w in wide] == ["code", "maths"], wide


def framework_tab_sets(tab):
    return tab.locator("div.sd-tab-set.framework-tabs")


def shown_frameworks(tab):
    """For each framework tab-set on the page, the label of the tab whose content is visible."""
    shown = []
    for i in range(framework_tab_sets(tab).count()):
        tab_set = framework_tab_sets(tab).nth(i)
        labels = tab_set.locator(":scope > label")
        contents = tab_set.locator(":scope > div.sd-tab-content")
        visible = [labels.nth(j).inner_text() for j in range(2) if contents.nth(j).is_visible()]
        shown.append("/".join(visible))
    return shown


def test_framework_tabs_switch_on_click_and_stay_synced_across_the_page(browser, server, site):
    counts = {c: len(soup_of(site, c).select("div.framework-tabs")) for c in CHAPTERS}
    chapter = max(counts, key=counts.get)
    assert counts[chapter] >= 2, "a chapter with several tab-sets is needed to test syncing"
    with visit(browser, server, f"{chapter}.html") as (tab, seen):
        n = framework_tab_sets(tab).count()
        assert shown_frameworks(tab) == ["Keras"] * n

        first = framework_tab_sets(tab).first
        first.locator(":scope > label", has_text="PyTorch").click()
        assert shown_frameworks(tab) == ["PyTorch"] * n

        last = framework_tab_sets(tab).last
        last.scroll_into_view_if_needed()
        last.locator(":scope > label", has_text="Keras").click()
        assert shown_frameworks(tab) == ["Keras"] * n
        assert not any(seen.problems().values()), seen.problems()


@pytest.mark.parametrize("query, chapter", SEARCHES, ids=[q for q, _ in SEARCHES])
def test_search_finds_the_chapter_that_teaches_the_term(browser, server, query, chapter):
    with visit(browser, server, f"search.html?q={query.replace(' ', '+')}") as (tab, seen):
        tab.wait_for_function(
            "() => /found/.test(document.querySelector('#search-results .search-summary')"
            "?.textContent || '')"
        )
        hits = tab.eval_on_selector_all(
            "#search-results ul.search li a", "links => links.map(a => a.getAttribute('href'))"
        )
    pages = [urlsplit(href).path.removesuffix(".html") for href in hits]
    assert pages, f"no results for {query!r}"
    assert pages[0] == chapter, f"{query!r}: first results {pages[:5]}"
    assert not any(seen.problems().values()), seen.problems()


@pytest.mark.parametrize("page", EXERCISES, ids=ids(EXERCISES))
def test_exercise_page_downloads_the_student_notebook(browser, server, page, tmp_path):
    name = Path(page).name
    with visit(browser, server, f"{page}.html") as (tab, seen):
        link = tab.locator("article a.download", has_text=f"{name}.ipynb")
        assert link.count() == 1, f"{page} offers no download of {name}.ipynb"
        with tab.expect_download() as download:
            link.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert saved.name == f"{name}.ipynb"
    notebook = nbformat.read(saved, as_version=4)
    nbformat.validate(notebook)
    assert saved.read_bytes() == (ROOT / "exercises" / name / f"{name}.ipynb").read_bytes(), (
        "the page offers the released student notebook, byte for byte"
    )
    assert not any(seen.problems().values()), seen.problems()


# --------------------------------------------------------------------------- structure


def crawl(site):
    """Follow every internal link from index.html.

    Returns (ids, checked, anchors, broken): the ids of every page reached (by path), the
    number of links checked, the number of those that name an anchor in a page, and a
    message per broken link or anchor. External links (http, https, mailto, data) are not
    followed.
    """
    ids_of, checked, broken, anchors = {}, 0, [], []
    queue, queued = deque(["index.html"]), {"index.html"}
    while queue:
        page = queue.popleft()
        soup = BeautifulSoup((site / page).read_text(), "html.parser")
        ids_of[page] = {tag["id"] for tag in soup.find_all(id=True)}
        ids_of[page] |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
        urls = [
            element[attribute]
            for tag, attribute in (
                ("a", "href"),
                ("link", "href"),
                ("img", "src"),
                ("script", "src"),
            )
            for element in soup.find_all(tag, attrs={attribute: True})
        ]
        # index.html forwards to the first page with <meta http-equiv="refresh" content="0; url=...">
        for meta in soup.find_all("meta", attrs={"http-equiv": re.compile("refresh", re.I)}):
            urls.append(re.sub(r"^\d+;\s*url=", "", meta["content"], flags=re.I))
        for url in urls:
            if not url or urlsplit(url).scheme or url.startswith("//"):
                continue
            checked += 1
            target = urlsplit(urljoin(page, url))
            path = unquote(target.path) or page
            if not (site / path).is_file():
                broken.append(f"{page}: {url} (no file {path})")
            elif path.endswith(".html"):
                if path not in queued:
                    queued.add(path)
                    queue.append(path)
                if target.fragment:
                    anchors.append((page, url, path, unquote(target.fragment)))
    for page, url, path, fragment in anchors:
        if fragment not in ids_of[path]:
            broken.append(f"{page}: {url} (no id {fragment!r} in {path})")
    return ids_of, checked, len(anchors), broken


def test_every_internal_link_and_anchor_resolves(site, website_report):
    pages, checked, anchors, broken = crawl(site)
    website_report.links_crawled(len(pages), checked, anchors, len(broken))
    assert not broken, f"{len(broken)} of {checked} links broken:\n" + "\n".join(broken[:50])
    assert {f"{p}.html" for p in PAGES} <= set(pages), "every TOC page is reachable"


def test_pages_follow_the_syllabus_order_with_numbered_chapters(site):
    # "next" links lead through the whole book in _toc.yml's order
    order, page = [], PAGES[0]
    while page:
        order.append(page)
        nxt = soup_of(site, page).find("link", rel="next")
        page = (
            urljoin(page, nxt["href"]).removesuffix(".html") if nxt and nxt["href"] != "#" else None
        )
    assert order == PAGES[: len(order)] and len(order) == len(PAGES), order
    # the navigation numbers the chapters 1..12 in that order
    nav = soup_of(site, PAGES[0]).select("nav.bd-links li.toctree-l1 > a")
    titles = [a.get_text(" ", strip=True) for a in nav]
    numbered = [t for t in titles if re.match(r"\d+\. ", t)]
    assert [int(t.split(".")[0]) for t in numbered] == list(range(1, len(CHAPTERS) + 1))


def binder_url(page):
    """The Binder link of a chapter: _config.yml's Binder, repository and branch, the page's
    MyST source, opened in the notebook interface _config.yml names (sphinx-book-theme)."""
    repository, launch = CONFIG["repository"], CONFIG["launch_buttons"]
    owner_repo = urlsplit(repository["url"]).path.strip("/")
    ui = {"jupyterlab": "lab/tree", "classic": "tree"}[launch["notebook_interface"]]
    source = "/".join(p for p in (repository.get("path_to_book", "").strip("/"), page) if p)
    return (
        f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{owner_repo}/{repository['branch']}"
        f"?urlpath={ui}/{source}.md"
    )


def menu_links(soup, group):
    """{shown text: href} of the links in one of the header's dropdowns (launch, download)."""
    menu = soup.select(f"div.dropdown-{group}-buttons ul.dropdown-menu a[href]")
    return {a.get_text(" ", strip=True): a["href"] for a in menu}


def test_every_page_offers_its_source_for_download_and_no_live_code_launcher(site):
    for page in PAGES:
        soup = soup_of(site, page)
        source = menu_links(soup, "download").get(".md")
        assert source, f"{page}: no download of its .md source"
        assert (site / page).parent.joinpath(source).resolve().is_file(), f"{page}: {source}"
        # Binder is a link; Thebe (live code from a CDN), Colab and JupyterHub are not offered
        others = soup.select(".btn-launch-thebe, .thebe-launch-button")
        others += soup.find_all("a", href=re.compile(r"colab|jupyterhub|deepnote", re.I))
        assert not others, f"{page}: {others[0]}"


def test_chapters_launch_on_binder_and_download_as_md_and_ipynb(site):
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"].rstrip("/") == "https://mybinder.org"
    assert not launch.get("thebe") and not launch.get("colab_url"), "Binder only"
    for page in CHAPTERS:
        soup = soup_of(site, page)
        assert menu_links(soup, "launch") == {"Binder": binder_url(page)}, page
        downloads = menu_links(soup, "download")
        assert {".md", ".ipynb"} <= set(downloads), f"{page}: downloads {sorted(downloads)}"
        folder = (site / page).parent
        assert downloads[".md"].endswith(f"_sources/{page}.md"), downloads
        source = folder.joinpath(downloads[".md"]).resolve().read_text()
        title = "".join(soup.select_one("article h1").find_all(string=True, recursive=False))
        title = title.strip()
        assert f"\n# {title}\n" in source, f"{page}.md is not the chapter's source"
        assert downloads[".ipynb"].endswith(f"_sources/{page}.ipynb"), downloads
        notebook = nbformat.read(folder.joinpath(downloads[".ipynb"]).resolve(), as_version=4)
        nbformat.validate(notebook)
        # executed, also when the build took the outputs from the cache (executed_downloads)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        unrun = [i for i, cell in enumerate(code) if cell.get("execution_count") is None]
        assert not unrun and any(cell.outputs for cell in code), (
            f"{page}.ipynb: code cells {unrun[:5]} of {len(code)} not executed"
        )


def test_launch_menu_opens_on_click_and_shows_the_binder_link(browser, server):
    page = "book/05_lstm"
    with visit(browser, server, f"{page}.html") as (tab, seen):
        menu = tab.locator("div.dropdown-launch-buttons")
        link = menu.locator("a.dropdown-item", has_text="Binder")
        assert not link.is_visible()
        menu.locator("button.dropdown-toggle").click()
        link.wait_for(state="visible")
        assert link.get_attribute("href") == binder_url(page)
        assert link.locator("img").get_attribute("alt") == "Binder logo"
        assert not any(seen.problems().values()), seen.problems()


def test_every_figure_has_alt_text_saying_what_it_shows(site):
    missing = []
    for page in PAGES:
        article = soup_of(site, page).select_one("article")
        for img in article.find_all("img"):
            alt = img.get("alt", "").strip()
            if len(alt) < 10 or re.search(r"\.(png|svg|jpe?g)$|_images/", alt):
                missing.append(f"{page}: {img.get('src')} alt={alt!r}")
        for svg in article.select("figure svg"):
            if not (svg.get("aria-label") or svg.find("title")):
                missing.append(f"{page}: inline svg without a title")
    assert not missing, "\n".join(missing)


def png_size(data):
    """(width, height, bytes per pixel) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    return width, height, channels * depth / 8


def test_figures_are_compressed_png_or_svg(site):
    figures = sorted((site / "_images").iterdir())
    assert figures
    for figure in figures:
        data = figure.read_bytes()
        if figure.suffix == ".svg":
            assert b"<svg" in data[:2000] and len(data) < 300_000, figure.name
            assert b"data:image" not in data, f"{figure.name} embeds a raster image"
            continue
        assert figure.suffix == ".png", f"{figure.name}: figures are PNG or SVG"
        width, height, bytes_per_pixel = png_size(data)
        raw = width * height * bytes_per_pixel
        assert len(data) < 0.25 * raw and len(data) < 300_000, (
            f"{figure.name}: {len(data)} bytes for {width}x{height}"
        )


# --------------------------------------------------------------------------- accessibility


AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(result =>
    result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})))"""


def switch_mode(tab, mode):
    """Switch the pydata theme to mode as its colour-mode button does; wait for the fade."""
    tab.evaluate(
        "mode => { localStorage.setItem('mode', mode); localStorage.setItem('theme', mode);"
        " document.documentElement.dataset.mode = mode;"
        " document.documentElement.dataset.theme = mode;"
        " return Promise.all(document.getAnimations().map(a => a.finished)); }",
        mode,
    )


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_axe_finds_no_serious_or_critical_violation_in_light_and_dark_mode(
    browser, server, page, website_report
):
    assert AXE.is_file(), "axe-core is missing: run `npm ci`"
    severe, backgrounds = [], set()
    with visit(browser, server, f"{page}.html", mode="light") as (tab, _):
        tab.add_script_tag(path=str(AXE))
        for mode in ("light", "dark"):
            switch_mode(tab, mode)
            backgrounds.add(tab.evaluate("getComputedStyle(document.body).backgroundColor"))
            violations = tab.evaluate(AXE_RUN)
            website_report.axe_checked(page, mode, violations)
            severe += [(mode, v) for v in violations if v["impact"] in ("serious", "critical")]
    assert len(backgrounds) == 2, "the page did not switch to dark mode"
    report = "\n".join(
        f"[{mode}, {v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)\n    "
        + "\n    ".join(v["nodes"][:5])
        for mode, v in severe
    )
    assert not severe, f"{page}:\n{report}"


# --------------------------------------------------------------------------- screenshots

SHOTS = [
    # (file name, page, mode, element scrolled into view or None for the top)
    ("landing", "index.html", "light", None),
    ("lstm", "book/05_lstm.html", "light", None),
    ("lstm-equations", "book/05_lstm.html", "light", "div.math"),
    ("lstm-figure-dark", "book/05_lstm.html", "dark", "article figure img"),
    ("exercise", "book/exercises/01_rnn_cell.html", "light", None),
]


@pytest.mark.parametrize("name, path, mode, element", SHOTS, ids=[s[0] for s in SHOTS])
def test_screenshot_of_a_key_page_is_saved(browser, server, name, path, mode, element):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    target.unlink(missing_ok=True)
    with visit(browser, server, path, mode=mode) as (tab, seen):
        if element:
            tab.locator(element).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        tab.screenshot(path=str(target))
        assert not any(seen.problems().values()), seen.problems()
    width, height, _ = png_size(target.read_bytes())
    assert (width, height) == (1280, 900)

"""The book builds strictly, its chapters execute, and Keras/PyTorch cell pairs become synced tabs.

Every test here runs Jupyter Book or executes notebooks, so the whole module is marked slow.
Tiny test books reuse the real _config.yml (and with it the local extensions in book/_ext and
the MathJax installed by `npm ci`), so they test the configuration the real book is built
with; the injected-error test builds a copy of the real book itself (intro and one real
chapter). The real book is built once per session by the ``built_book`` fixture
(tests/conftest.py), shared with tests/test_website.py.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JUPYTEXT = str(BIN / "jupytext") if (BIN / "jupytext").exists() else "jupytext"

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""


def toc_files():
    """Every file listed in _toc.yml, in order (root first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


CHAPTERS = [f for f in toc_files() if re.fullmatch(r"book/\d\d_\w+", f)]


def make_book(tmp_path, pages, npm_installed=True):
    """A small book with the real configuration; pages maps "name" -> MyST text, first is root.

    With npm_installed it links the repository's node_modules (MathJax, from `npm ci`).
    """
    book = tmp_path / "book_src"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copytree(ROOT / "book" / "_static", book / "book" / "_static")
    if npm_installed:
        (book / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    names = list(pages)
    toc = {"format": "jb-book", "root": f"book/{names[0]}"}
    if len(names) > 1:
        toc["chapters"] = [{"file": f"book/{name}"} for name in names[1:]]
    (book / "_toc.yml").write_text(yaml.safe_dump(toc))
    for name, text in pages.items():
        (book / "book" / f"{name}.md").write_text(text)
    return book


def output_of(result):
    return result.stdout + result.stderr


TABS_PAGE = (
    HEADER
    + """
# Tabs

```{code-cell} ipython3
:tags: [tab-keras]

print("keras-output-" + "71")
```

```{code-cell} ipython3
:tags: [tab-pytorch]

print("pytorch-output-" + "72")
```

Text between two tab-sets.

```{code-cell} ipython3
:tags: [tab-keras]

print("second keras")
```

```{code-cell} ipython3
:tags: [tab-pytorch]

print("second pytorch")
```
"""
)


def test_keras_pytorch_cell_pair_becomes_synced_tab_set(tmp_path, jupyter_book):
    book = make_book(tmp_path, {"tabs": TABS_PAGE})
    result = jupyter_book(book)
    assert result.returncode == 0, output_of(result)[-5000:]

    html = (book / "_build" / "html" / "book" / "tabs.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    tab_sets = soup.select("div.sd-tab-set.framework-tabs")
    assert len(tab_sets) == 2, "each adjacent pair should become exactly one tab-set"

    first = tab_sets[0]
    inputs = first.find_all("input", recursive=False)
    labels = first.find_all("label", recursive=False)
    contents = first.find_all("div", class_="sd-tab-content", recursive=False)
    assert [i["type"] for i in inputs] == ["radio", "radio"]
    assert len({i["name"] for i in inputs}) == 1, "both tabs belong to one radio group"
    assert inputs[0].has_attr("checked") and not inputs[1].has_attr("checked")
    assert [label.get_text(strip=True) for label in labels] == ["Keras", "PyTorch"]
    assert [label["data-sync-group"] for label in labels] == ["framework", "framework"]
    assert [label["data-sync-id"] for label in labels] == ["keras", "pytorch"]
    assert [label["for"] for label in labels] == [i["id"] for i in inputs]

    keras_tab, pytorch_tab = contents
    assert "tag_tab-keras" in keras_tab.select_one("div.cell")["class"]
    assert "tag_tab-pytorch" in pytorch_tab.select_one("div.cell")["class"]
    assert "keras-output-" in keras_tab.select_one("div.cell_input").get_text()
    assert "keras-output-71" in keras_tab.select_one("div.cell_output").get_text()
    assert "pytorch-output-" in pytorch_tab.select_one("div.cell_input").get_text()
    assert "pytorch-output-72" in pytorch_tab.select_one("div.cell_output").get_text()
    assert "pytorch-output-72" not in keras_tab.get_text()

    # every cell ended up inside a tab, and sphinx-design's sync script is on the page
    cells = soup.select("div.cell")
    assert len(cells) == 4
    assert all(cell.find_parent("div", class_="sd-tab-content") for cell in cells)
    assert "design-tabs.js" in html


def test_unpaired_framework_cell_fails_the_strict_build(tmp_path, jupyter_book):
    page = HEADER + "\n# Unpaired\n\n```{code-cell} ipython3\n:tags: [tab-keras]\n\nprint(1)\n```\n"
    book = make_book(tmp_path, {"unpaired": page})
    result = jupyter_book(book)
    assert result.returncode != 0
    assert "must be followed directly by a code cell tagged 'tab-pytorch'" in output_of(result)


FASTEST_CHAPTER = "01_sequences"
"""The chapter that executes fastest (a few seconds), used for the injected-error build."""


def copy_of_real_book(tmp_path, chapter):
    """A copy of the real book reduced to one real chapter, with the real _config.yml.

    The chapter is the table of contents' root; everything the build of that page needs
    (extensions, static files, figures, data, bibliography, the MathJax of `npm ci`) is
    copied or linked from the repository.
    """
    book = tmp_path / "book_copy"
    (book / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    assert f"book/{chapter}" in toc_files(), f"{chapter} is not in _toc.yml"
    small_toc = {"format": "jb-book", "root": f"book/{chapter}"}
    (book / "_toc.yml").write_text(yaml.safe_dump(small_toc))
    for folder in ("_ext", "_static", "figures", "data"):
        if (ROOT / "book" / folder).is_dir():
            shutil.copytree(ROOT / "book" / folder, book / "book" / folder)
    shutil.copy(ROOT / "book" / f"{chapter}.md", book / "book" / f"{chapter}.md")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return book


def test_real_chapter_with_an_injected_failing_cell_fails_the_strict_build(tmp_path, jupyter_book):
    book = copy_of_real_book(tmp_path, FASTEST_CHAPTER)
    chapter = book / "book" / f"{FASTEST_CHAPTER}.md"
    # appended after the real cells, so the chapter executes up to it; the message is
    # split in the source so that only an executed cell prints it whole
    chapter.write_text(
        chapter.read_text()
        + '\n```{code-cell} ipython3\nraise RuntimeError("injected " + "failure 4242")\n```\n'
    )
    result = jupyter_book(book)
    log = re.sub(r"\x1b\[[0-9;]*m", "", output_of(result))  # the traceback is coloured
    assert result.returncode != 0
    assert "RuntimeError: injected failure 4242" in log, log[-5000:]
    assert f"ExecutionError: {chapter}" in log, "the build should stop at the failing chapter"
    html = book / "_build" / "html" / "book" / f"{FASTEST_CHAPTER}.html"
    assert not html.exists(), "raise_on_error should stop the build before writing the page"


MATHS_PAGE = HEADER + "\n# Maths\n\n$$\nh_t = \\tanh(a_t)\n$$ (eq-test)\n\nSee {eq}`eq-test`.\n"


def test_book_serves_mathjax_itself_and_loads_nothing_from_a_cdn(tmp_path, jupyter_book):
    book = make_book(tmp_path, {"maths": MATHS_PAGE})
    result = jupyter_book(book)
    assert result.returncode == 0, output_of(result)[-5000:]

    html = book / "_build" / "html"
    soup = BeautifulSoup((html / "book" / "maths.html").read_text(), "html.parser")
    sources = [tag["src"] for tag in soup.find_all("script", src=True)]
    assert any(src.startswith("../_static/mathjax/tex-chtml.js") for src in sources)
    assert not [src for src in sources if "//" in src], "a script from another host"
    assert "thebe" not in str(soup.head).lower()
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    fonts = html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert len(list(fonts.glob("*.woff"))) >= 20


def test_build_without_npm_ci_fails_and_says_to_run_it(tmp_path, jupyter_book):
    book = make_book(tmp_path, {"maths": MATHS_PAGE}, npm_installed=False)
    result = jupyter_book(book)
    assert result.returncode != 0
    assert "run `npm ci`" in output_of(result)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[Path(c).name for c in CHAPTERS])
def test_chapter_executes_without_error(chapter, tmp_path):
    # A chapter is a text notebook: converted with jupytext it has no stored outputs, so
    # there is nothing for strict nbval (--nbval) to compare against. The honest check is
    # that every cell executes without error, which is what --nbval-lax does (it compares
    # only cells explicitly marked nbval-check-output). The notebook runs next to links to
    # book/figures and book/data, so relative paths work as in the book build.
    source = ROOT / f"{chapter}.md"
    assert source.exists(), f"{chapter}.md is listed in _toc.yml but does not exist"
    for folder in ("figures", "data"):
        if (ROOT / "book" / folder).is_dir():
            (tmp_path / folder).symlink_to(ROOT / "book" / folder)
    notebook = tmp_path / f"{source.stem}.ipynb"
    subprocess.run(
        [JUPYTEXT, "--to", "ipynb", str(source), "-o", str(notebook)],
        check=True,
        capture_output=True,
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-cell-timeout=180",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(notebook),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=1800,
    )
    assert result.returncode == 0, output_of(result)[-8000:]


def test_full_book_builds_strictly(built_book):
    html = built_book.html
    assert built_book.ok, built_book.log[-8000:]
    for page in toc_files():
        assert (html / f"{page}.html").exists(), f"{page} was not built"


def test_built_chapters_contain_no_error_output(built_book):
    html = built_book.html
    assert built_book.ok, built_book.log[-3000:]
    for chapter in CHAPTERS:
        soup = BeautifulSoup((html / f"{chapter}.html").read_text(), "html.parser")
        assert not soup.select("div.output.error, div.output.traceback"), chapter
        assert not soup.select("div.output.stderr"), f"{chapter} shows stderr output"


def test_framework_cells_are_all_inside_synced_tabs(built_book):
    html = built_book.html
    assert built_book.ok, built_book.log[-3000:]
    for chapter in CHAPTERS:
        soup = BeautifulSoup((html / f"{chapter}.html").read_text(), "html.parser")
        for cell in soup.select("div.cell.tag_tab-keras, div.cell.tag_tab-pytorch"):
            content = cell.find_parent("div", class_="sd-tab-content")
            assert content is not None, f"an untabbed framework cell in {chapter}"
            tab_set = content.find_parent("div", class_="framework-tabs")
            labels = tab_set.find_all("label", recursive=False)
            assert [lab["data-sync-id"] for lab in labels] == ["keras", "pytorch"]


REQUIRED_KEYS = {
    "elman1990",
    "werbos1990",
    "hochreiter1997",
    "schuster1997",
    "cho2014",
    "pascanu2013",
    "bengio1994",
    "vaswani2017",
    "graves2013",
    "gers2000",
    "chung2014",
    "williams1990",
    "sutskever2014",
}


def test_bibliography_holds_every_required_and_every_cited_key():
    keys = set(re.findall(r"@\w+\{(\w+),", (ROOT / "book" / "references.bib").read_text()))
    assert REQUIRED_KEYS <= keys, f"missing: {sorted(REQUIRED_KEYS - keys)}"
    cited = set()
    for page in (ROOT / "book").rglob("*.md"):
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", page.read_text()):
            cited |= {key.strip() for key in group.split(",")}
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_references_page_lists_the_whole_bibliography(built_book):
    html = built_book.html
    assert built_book.ok, built_book.log[-3000:]
    keys = re.findall(r"@\w+\{(\w+),", (ROOT / "book" / "references.bib").read_text())
    soup = BeautifulSoup((html / "book" / "references.html").read_text(), "html.parser")
    entries = soup.select("div.citation, dl.citation > dt")
    assert len(entries) == len(keys)


PLOTS = {
    "draw_rolled_unrolled": lambda p, np: p.draw_rolled_unrolled(n_steps=3),
    "draw_topologies": lambda p, np: p.draw_topologies(),
    "plot_gradient_norms": lambda p, np: p.plot_gradient_norms({"a": np.logspace(0, -5, 11)}),
    "plot_over_time": lambda p, np: p.plot_over_time({"a": np.ones(5)}, "y", logy=False),
    "plot_training_curves": lambda p, np: p.plot_training_curves({"a": [1.0, 0.5, np.nan]}),
    "plot_prediction": lambda p, np: p.plot_prediction(
        np.sin(np.arange(20)), np.zeros(5), split=15
    ),
    "plot_heatmaps": lambda p, np: p.plot_heatmaps({"i": np.zeros((4, 3)), "f": np.ones((4, 3))}),
}


@pytest.mark.parametrize(
    "kind", ["one-to-one", "one-to-many", "many-to-one", "many-to-many-synced", "encoder-decoder"]
)
def test_draw_topology_returns_a_closed_figure_with_boxes(kind):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coursekit import plotting

    fig = plotting.draw_topology(kind)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes[0].patches) >= 3
    assert fig.number not in plt.get_fignums(), (
        "returned figures are closed (shown once in notebooks)"
    )


def test_draw_topology_names_the_known_kinds_for_an_unknown_one():
    from coursekit import plotting

    with pytest.raises(ValueError, match="one-to-many"):
        plotting.draw_topology("two-to-two")


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plotting_function_returns_a_figure_and_leaves_no_open_figure(name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from coursekit import plotting

    open_before = set(plt.get_fignums())
    fig = PLOTS[name](plotting, np)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert set(plt.get_fignums()) == open_before
    fig.savefig(os.devnull, format="png")


def test_plotting_into_given_axes_keeps_the_callers_figure_open():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from coursekit import plotting

    fig, ax = plt.subplots()
    assert plotting.plot_gradient_norms({"a": np.ones(3)}, ax=ax) is fig
    assert fig.number in plt.get_fignums()
    plt.close(fig)

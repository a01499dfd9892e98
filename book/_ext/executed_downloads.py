"""Make a chapter's ``.ipynb`` download the executed notebook, outputs included.

With launch buttons configured, sphinx-book-theme offers each MyST notebook page as
``_sources/<page>.ipynb``, a copy of the notebook myst-nb writes to ``jupyter_execute/``.
myst-nb (1.x, ``execute_notebooks: cache``) writes that file from the notebook it parsed:
after a fresh execution it holds the outputs, but when the outputs came from the
jupyter-cache (every chapter whose code did not change since the last build) it is the
bare notebook, without a single output, although the page shows them.

After the HTML build, this extension merges the cached outputs into every such
notebook, exactly as myst-nb did to render the page, and writes it to both places. A
notebook that still cannot be matched to a cached execution is reported as a warning
(so a ``-W`` build fails) instead of being offered without its outputs.
"""

from pathlib import Path

import nbformat
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def unexecuted(notebook):
    """True when a code cell of the notebook has not run (no execution count)."""
    return any(
        cell.cell_type == "code" and cell.get("execution_count") is None for cell in notebook.cells
    )


def merge_cached_outputs(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    sources = Path(app.outdir) / "_sources"
    executed = Path(config.output_folder)
    cache = None
    for download in sorted(sources.rglob("*.ipynb")):
        page = download.relative_to(sources)
        notebook = nbformat.read(download, as_version=4)
        if not unexecuted(notebook):
            continue
        cache = cache or get_cache(config.execution_cache_path)
        try:
            _, notebook = cache.merge_match_into_notebook(notebook)
        except KeyError:
            LOGGER.warning(
                f"_sources/{page} has no outputs and no execution in the cache at "
                f"{config.execution_cache_path}: the download would lack them "
                "[executed_downloads]",
                type="executed_downloads",
            )
            continue
        text = nbformat.writes(notebook)
        download.write_text(text, encoding="utf-8")
        if (executed / page).is_file():
            (executed / page).write_text(text, encoding="utf-8")


def setup(app):
    app.connect("build-finished", merge_cached_outputs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

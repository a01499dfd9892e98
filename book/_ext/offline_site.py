"""Make the built website self-contained: it loads nothing from the network.

Jupyter Book's defaults load MathJax from a CDN and configure Thebe with a CDN URL. This
extension

* copies the MathJax files the pages need from ``node_modules/mathjax`` (installed by
  ``npm ci`` from the exact versions in ``package.json``/``package-lock.json``) into
  ``_static/mathjax/`` of the HTML output, and fails the build with a clear message when
  they are missing or not the pinned version. ``mathjax_path`` in ``_config.yml`` points
  at the copied ``tex-chtml.js``;
* removes Thebe's assets (the inline configuration naming Thebe's CDN bundle, its loader
  and its stylesheet), which ``jupyter-book`` always adds although live code is off;
* warns (so a ``-W`` build fails) when any page would still load a script or a
  stylesheet from another host.

What ``tex-chtml.js`` needs at run time: the combined file holds the TeX input (with the
``ams``, ``newcommand``, ``noundefined``, ``require``, ``autoload`` and ``configmacros``
packages), the CommonHTML output, the menu and the assistive MathML. It loads the web
fonts from ``output/chtml/fonts/woff-v2`` and, through ``autoload``, a TeX extension
from ``input/tex/extensions`` the first time a page uses one of its macros (``\\color``,
``\\cancel``, ``\\boldsymbol``, ...). Those three are copied; the speech and explorer
components (``sre/``, ``a11y/``) load only when a reader switches them on in the menu
and are left out.
"""

import json
import shutil
from pathlib import Path

from sphinx.errors import ConfigError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

MATHJAX_VERSION = "3.2.2"
"""The version pinned in package.json; Sphinx's mathjax3 support targets MathJax 3."""

MATHJAX_FILES = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
)
"""Paths under node_modules/mathjax/es5 that are copied to _static/mathjax/."""

STATIC_DIR = "mathjax"
"""Folder under the output's _static/ that receives MATHJAX_FILES."""

THEBE_MARKERS = ("THEBE_JS_URL", "sphinx-thebe.")
"""Text that identifies what sphinx-thebe adds: inline config, loader script, stylesheet."""


def mathjax_source(app):
    """node_modules/mathjax/es5 of the book root, checked to hold the pinned version."""
    package = Path(app.srcdir) / "node_modules" / "mathjax"
    hint = (
        f"run `npm ci` in {app.srcdir} first: package.json pins mathjax {MATHJAX_VERSION}, "
        "which the website serves itself so that it works offline"
    )
    manifest = package / "package.json"
    if not manifest.is_file():
        raise ConfigError(f"MathJax is not installed ({package} is missing): {hint}")
    version = json.loads(manifest.read_text())["version"]
    if version != MATHJAX_VERSION:
        raise ConfigError(f"node_modules holds mathjax {version}, not {MATHJAX_VERSION}: {hint}")
    missing = [p for p in MATHJAX_FILES if not (package / "es5" / p).exists()]
    if missing:
        raise ConfigError(f"{package / 'es5'} lacks {', '.join(missing)}: {hint}")
    return package / "es5"


def check_config(app, config):
    """Fail early: MathJax installed, and mathjax_path pointing at the copied file."""
    app.mathjax_source = mathjax_source(app)
    expected = f"{STATIC_DIR}/tex-chtml.js"
    if config.mathjax_path != expected:
        raise ConfigError(
            f"mathjax_path is {config.mathjax_path!r}; set it to {expected!r} in _config.yml "
            "(sphinx: config:) so that pages load the MathJax copied into _static/"
        )


def is_external(url):
    return url.startswith(("http://", "https://", "//"))


def is_thebe(asset):
    text = str(asset.filename or "") + asset.attributes.get("body", "")
    return any(marker in text for marker in THEBE_MARKERS)


def drop_thebe_and_check_remote(app, pagename, templatename, context, doctree):
    """Remove Thebe's assets from the page; warn about any other remote script or style."""
    for kind in ("script_files", "css_files"):
        assets = context.get(kind)
        if assets is None:
            continue
        assets[:] = [asset for asset in assets if not is_thebe(asset)]
        for asset in assets:
            if asset.filename and is_external(str(asset.filename)):
                LOGGER.warning(
                    f"{pagename} would load {asset.filename} from the network; the website "
                    "must be self-contained [offline_site]",
                    type="offline_site",
                )


def copy_mathjax(app, exception):
    """Copy MATHJAX_FILES into <html>/_static/mathjax/ after a successful HTML build."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / STATIC_DIR
    for relative in MATHJAX_FILES:
        source = app.mathjax_source / relative
        if source.is_dir():
            shutil.copytree(source, target / relative, dirs_exist_ok=True)
        else:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", check_config)
    # after sphinx.ext.mathjax and sphinx-thebe have added their scripts (priority 500)
    app.connect("html-page-context", drop_thebe_and_check_remote, priority=900)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

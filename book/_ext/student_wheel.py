"""Build the coursekit wheel with the book, and link to it from the pages: the student install.

A student needs only numpy, matplotlib and coursekit for exercises 01-03 and 08 (the
extra ``[frameworks]`` adds PyTorch and Keras for 04-07). When the HTML build starts,
this extension builds ``coursekit-<version>-py3-none-any.whl`` from the repository into
``_downloads/wheel/`` of the output, with the setuptools of the build's environment and
no network (``pip wheel --no-deps --no-build-isolation``, from a temporary copy of the
package so that the work tree gets no ``build/`` folder). A failed build stops the book
build with pip's message. The package is the book's own: the ``pyproject.toml`` next to
``_config.yml`` (a book without one, such as the tests' small books, gets no wheel).

Pages link to the wheel with the ``wheel`` role, which writes the link relative to the
page: ``{wheel}`the coursekit wheel``` (the role's text is the link's text).
"""

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
"""The repository this extension lies in (the default package to build)."""
FOLDER = "_downloads/wheel"
"""Where the wheel lies in the HTML output."""
PACKAGE_FILES = ("pyproject.toml", "LICENSE", "coursekit")
"""What the wheel is built from (the package, its metadata and its licence)."""


def wheel_name(root=ROOT):
    """The wheel's file name, from the name and version in ``pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def build_wheel(dest, root=ROOT):
    """Build the coursekit wheel from ``root`` into ``dest``; return its path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in PACKAGE_FILES:
            source = root / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source, Path(tmp) / name, ignore=ignore)
            else:
                shutil.copy(source, Path(tmp) / name)
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        result = subprocess.run(
            [*cmd, "--quiet", "--wheel-dir", str(dest), tmp], capture_output=True, text=True
        )
    wheel = dest / wheel_name(root)
    if result.returncode != 0 or not wheel.is_file():
        raise ExtensionError(f"building the coursekit wheel failed:\n{result.stderr[-3000:]}")
    return wheel


def wheel_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{wheel}`text``` : a link from this page to the wheel in ``_downloads/wheel/``."""
    env = inliner.document.settings.env
    depth = env.docname.count("/")
    uri = "../" * depth + f"{FOLDER}/{wheel_name(Path(env.srcdir))}"
    node = nodes.reference(rawtext, text, refuri=uri, classes=["download", "wheel"])
    return [node], []


def on_builder_inited(app):
    """Build the wheel of the book's own package; a book without pyproject.toml has none."""
    root = Path(app.srcdir)
    if app.builder.format == "html" and (root / "pyproject.toml").is_file():
        build_wheel(Path(app.outdir) / FOLDER, root)


def setup(app):
    app.add_role("wheel", wheel_role)
    app.connect("builder-inited", on_builder_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

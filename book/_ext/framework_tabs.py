"""Wrap adjacent Keras/PyTorch code cells into one synced sphinx-design tab-set.

MyST-NB drops a ``{code-cell}`` nested inside a ``{tab-item}``, so chapters cannot put
executed cells into tabs directly. Instead a chapter writes two *adjacent* code cells,
the first tagged ``tab-keras`` and the second ``tab-pytorch``::

    ```{code-cell} ipython3
    :tags: [tab-keras]
    model = keras.Sequential(...)
    ```

    ```{code-cell} ipython3
    :tags: [tab-pytorch]
    model = torch.nn.Sequential(...)
    ```

Both cells execute as usual. After parsing, myst-nb has turned each cell into a
``container`` node with ``nb_element="cell_code"`` and one class ``tag_<tag>`` per tag.
The transform below replaces each such pair with the node tree that sphinx-design's
``tab-set`` / ``tab-item`` directives build (``design_component`` containers and a
``rubric`` label carrying ``sync_group``/``sync_id``), with the two cell containers,
code and outputs, moved unchanged into the two tab contents. sphinx-design's own
HTML post-transform then renders radio inputs and labels with ``data-sync-group=
"framework"`` and ``data-sync-id="keras"``/``"pytorch"``, so choosing PyTorch in one
tab-set switches every tab-set on the page (and, with sphinx-design's stored choice,
on later pages too).

A ``tab-keras`` cell not followed by a ``tab-pytorch`` cell, or a ``tab-pytorch`` cell
without a ``tab-keras`` cell before it, is reported as a warning (so ``-W`` fails the
build rather than silently showing an untabbed cell).
"""

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

SYNC_GROUP = "framework"
TABS = (("tab-keras", "Keras", "keras"), ("tab-pytorch", "PyTorch", "pytorch"))
"""(cell tag, tab label, sync id) of the first and second cell of a pair."""


def _is_code_cell(node):
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def _has_tag(node, tag):
    return _is_code_cell(node) and f"tag_{tag}" in node["classes"]


def _component(name, classes, children=(), **attributes):
    """The container node sphinx_design.shared.create_component builds."""
    node = nodes.container("", is_div=True, design_component=name, classes=classes, **attributes)
    node.extend(children)
    return node


def make_tab_set(cells):
    """A sphinx-design tab-set holding one tab-item per (cell container, tab spec) pair.

    Parameters
    ----------
    cells : sequence of docutils container nodes
        The myst-nb cell containers, in the order of ``TABS``.

    Returns
    -------
    tab_set : docutils container with ``design_component="tab-set"``
    """
    items = []
    for cell, (_tag, label, sync_id) in zip(cells, TABS, strict=True):
        rubric = nodes.rubric(label, "", nodes.Text(label), classes=["sd-tab-label"])
        rubric["sync_group"] = SYNC_GROUP
        rubric["sync_id"] = sync_id
        content = _component("tab-content", ["sd-tab-content"], [cell])
        items.append(_component("tab-item", ["sd-tab-item"], [rubric, content], selected=False))
    tab_set = _component("tab-set", ["sd-tab-set", "framework-tabs"], items)
    tab_set.source, tab_set.line = cells[0].source, cells[0].line
    return tab_set


class FrameworkTabs(SphinxTransform):
    """Replace each adjacent (tab-keras, tab-pytorch) pair of code cells by a tab-set."""

    # after myst-nb has built the cell containers (at parse time), before anything that
    # numbers or references nodes; sphinx-design's HTML transform runs much later
    default_priority = 500

    def apply(self, **kwargs):
        first_tag, second_tag = TABS[0][0], TABS[1][0]
        paired = set()
        for first in list(self.document.findall(lambda n: _has_tag(n, first_tag))):
            second = first.next_node(descend=False, siblings=True)
            if second is None or not _has_tag(second, second_tag):
                LOGGER.warning(
                    f"a code cell tagged {first_tag!r} must be followed directly by a code "
                    f"cell tagged {second_tag!r} [framework_tabs]",
                    location=first,
                    type="framework_tabs",
                )
                continue
            paired.add(id(second))
            parent = first.parent
            index = parent.index(first)
            parent.remove(first)
            parent.remove(second)
            parent.insert(index, make_tab_set([first, second]))
        for second in self.document.findall(lambda n: _has_tag(n, second_tag)):
            if id(second) not in paired:
                LOGGER.warning(
                    f"a code cell tagged {second_tag!r} must come directly after a code "
                    f"cell tagged {first_tag!r} [framework_tabs]",
                    location=second,
                    type="framework_tabs",
                )


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_transform(FrameworkTabs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

r"""Figures for the book: diagrams of recurrent networks and plots of what they compute.

Every function draws with matplotlib only (no framework, no other coursekit module),
works under the non-interactive Agg backend and returns the
:class:`matplotlib.figure.Figure` it drew on.

Figures are created with pyplot and closed before they are returned, so that a
notebook shows each one exactly once: make the call the last expression of a cell
(or ``glue`` it) and the returned Figure is displayed; assign it to a name and it is
not. ``fig.savefig(...)`` works on a closed figure. When you pass ``ax=`` the function
draws into your axes, leaves your figure open and returns ``ax.figure``.

Diagram conventions, the same in every figure of the book: inputs x_t at the bottom
(orange), hidden states h_t in the middle (green), outputs y_t at the top (blue);
time runs from left to right.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

COLORS = {
    "input": "#f4b183",
    "hidden": "#a9d18e",
    "decoder": "#9dc3e6",
    "output": "#8faadc",
    "initial": "#e7e6e6",
    "edge": "#404040",
}
"""Fill colours of the diagram boxes, keyed by role."""

TOPOLOGIES = (
    "one-to-one",
    "one-to-many",
    "many-to-one",
    "many-to-many-synced",
    "encoder-decoder",
)
"""The five input/output topologies that :func:`draw_topology` knows."""

_BOX_W, _BOX_H = 0.62, 0.46
_ROW = {"input": 0.0, "hidden": 1.0, "output": 2.0}


def _new_axes(ax, figsize):
    """Return (fig, ax, owned): a fresh pyplot figure unless the caller gave an axes."""
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax, True


def _finish(fig, owned):
    if owned:
        plt.close(fig)
    return fig


def _box(ax, x, y, text, role, dashed=False):
    """A rounded box centred at (x, y) with a mathtext label."""
    ax.add_patch(
        FancyBboxPatch(
            (x - _BOX_W / 2, y - _BOX_H / 2),
            _BOX_W,
            _BOX_H,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=COLORS[role],
            edgecolor=COLORS["edge"],
            linewidth=1.2,
            linestyle="--" if dashed else "-",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, label=None, label_offset=(0.0, 0.0), color=None):
    """A straight arrow from start to end, optionally labelled at its middle."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=12,
            linewidth=1.3,
            color=color or COLORS["edge"],
            shrinkA=0,
            shrinkB=0,
        )
    )
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=9, color="#202020")


def _up(ax, x, row_from, row_to, label=None):
    """A vertical arrow between the boxes of two rows in column x."""
    y0 = _ROW[row_from] + _BOX_H / 2
    y1 = _ROW[row_to] - _BOX_H / 2
    _arrow(ax, (x, y0), (x, y1), label, label_offset=(0.22, 0.0))


def _right(ax, x0, x1, y=_ROW["hidden"], label=None):
    """A horizontal arrow between the boxes of two columns in one row."""
    _arrow(ax, (x0 + _BOX_W / 2, y), (x1 - _BOX_W / 2, y), label, label_offset=(0.0, 0.15))


def _frame(ax, x_min, x_max, y_min=-0.45, y_max=2.45):
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_rolled_unrolled(n_steps=4, ax=None):
    """The plain RNN drawn twice: rolled (one cell with a loop) and unrolled over n_steps.

    Left: x_t -> h_t -> y_t with a loop on h_t labelled W_hh. Right: the same cell
    copied once per step, h_0 -> h_1 -> ... -> h_T, the same W_xh, W_hh, W_hy on every
    copy.

    Parameters
    ----------
    n_steps : int
        T, the number of copies in the unrolled view (2 to 8 read well).
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    if not 1 <= n_steps <= 12:
        raise ValueError(f"n_steps must be between 1 and 12, got {n_steps}")
    fig, ax, owned = _new_axes(ax, figsize=(2.2 + 1.25 * (n_steps + 2), 3.2))

    # rolled
    _box(ax, 0, _ROW["input"], r"$x_t$", "input")
    _box(ax, 0, _ROW["hidden"], r"$h_t$", "hidden")
    _box(ax, 0, _ROW["output"], r"$y_t$", "output")
    _up(ax, 0, "input", "hidden", r"$W_{xh}$")
    _up(ax, 0, "hidden", "output", r"$W_{hy}$")
    xr, yh = _BOX_W / 2, _ROW["hidden"]
    loop = Path(
        [(xr, yh + 0.13), (xr + 0.4, yh + 0.13), (xr + 0.4, yh - 0.13), (xr + 0.01, yh - 0.13)],
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO],
    )
    ax.add_patch(
        FancyArrowPatch(
            path=loop, arrowstyle="-|>", mutation_scale=12, linewidth=1.3, color=COLORS["edge"]
        )
    )
    ax.text(xr + 0.47, yh, r"$W_{hh}$", ha="left", va="center", fontsize=9)
    ax.text(0, -0.42, "rolled", ha="center", va="top", fontsize=10, style="italic")

    # equals sign
    ax.text(1.45, yh, "unroll\n" + r"$\Longrightarrow$", ha="center", va="center", fontsize=10)

    # unrolled
    x0 = 2.3
    _box(ax, x0, _ROW["hidden"], r"$h_0$", "initial", dashed=True)
    for t in range(1, n_steps + 1):
        x = x0 + 1.25 * t
        _box(ax, x, _ROW["input"], rf"$x_{{{t}}}$", "input")
        _box(ax, x, _ROW["hidden"], rf"$h_{{{t}}}$", "hidden")
        _box(ax, x, _ROW["output"], rf"$y_{{{t}}}$", "output")
        _up(ax, x, "input", "hidden", r"$W_{xh}$" if t == 1 else None)
        _up(ax, x, "hidden", "output", r"$W_{hy}$" if t == 1 else None)
        _right(ax, x - 1.25, x, label=r"$W_{hh}$")
    x_mid = x0 + 1.25 * (n_steps + 1) / 2
    ax.text(
        x_mid,
        -0.42,
        "unrolled: the same weights at every step",
        ha="center",
        va="top",
        fontsize=10,
        style="italic",
    )
    _frame(ax, -0.5, x0 + 1.25 * n_steps + 0.5, y_min=-0.75)
    return _finish(fig, owned)


def _topology_layout(kind):
    """Columns of a topology: list of (has_input, role_of_hidden, has_output)."""
    if kind == "one-to-one":
        return [(True, "hidden", True)]
    if kind == "one-to-many":
        return [(True, "hidden", True)] + [(False, "hidden", True)] * 3
    if kind == "many-to-one":
        return [(True, "hidden", False)] * 3 + [(True, "hidden", True)]
    if kind == "many-to-many-synced":
        return [(True, "hidden", True)] * 4
    if kind == "encoder-decoder":
        return [(True, "hidden", False)] * 3 + [(False, "decoder", True)] * 4
    raise ValueError(f"kind must be one of {', '.join(TOPOLOGIES)}; got {kind!r}")


_TOPOLOGY_TITLES = {
    "one-to-one": "one-to-one",
    "one-to-many": "one-to-many",
    "many-to-one": "many-to-one",
    "many-to-many-synced": "many-to-many (synced)",
    "encoder-decoder": "many-to-many (encoder-decoder)",
}


def draw_topology(kind, ax=None, title=True):
    """Boxes and arrows for one input/output topology of a recurrent network.

    Parameters
    ----------
    kind : {"one-to-one", "one-to-many", "many-to-one", "many-to-many-synced", "encoder-decoder"}
        one-to-one: x -> h -> y (a plain feedforward network); one-to-many: one input,
        an output at each of 4 steps; many-to-one: 4 inputs, one output read off the
        last state; many-to-many-synced: an output at every input step;
        encoder-decoder: 3 input steps are encoded into a state from which a decoder
        (blue) emits 4 outputs, a sequence of another length.
    ax : matplotlib Axes, optional
    title : bool or str
        True draws the kind's name above the diagram; a string replaces it.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    layout = _topology_layout(kind)
    n = len(layout)
    fig, ax, owned = _new_axes(ax, figsize=(1.0 + 1.1 * n, 3.0))
    step = 1.1
    n_in = n_out = 0
    for col, (has_input, role, has_output) in enumerate(layout):
        x = col * step
        if has_input:
            n_in += 1
            _box(ax, x, _ROW["input"], rf"$x_{{{n_in}}}$" if n > 1 else r"$x$", "input")
            _up(ax, x, "input", "hidden")
        label = rf"$h_{{{col + 1}}}$" if n > 1 else r"$h$"
        _box(ax, x, _ROW["hidden"], label, role)
        if has_output:
            n_out += 1
            _box(ax, x, _ROW["output"], rf"$y_{{{n_out}}}$" if n > 1 else r"$y$", "output")
            _up(ax, x, "hidden", "output")
        if col > 0:
            _right(ax, x - step, x)
    if kind == "encoder-decoder":
        ax.text(1 * step, -0.42, "encoder", ha="center", va="top", fontsize=9, style="italic")
        ax.text(4.5 * step, -0.42, "decoder", ha="center", va="top", fontsize=9, style="italic")
    if title:
        ax.set_title(_TOPOLOGY_TITLES[kind] if title is True else title, fontsize=11)
    _frame(ax, -0.5, (n - 1) * step + 0.5, y_min=-0.75)
    return _finish(fig, owned)


def draw_topologies(kinds=TOPOLOGIES):
    """Several topologies side by side (all five by default), widths proportional to steps.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    kinds = list(kinds)
    widths = [len(_topology_layout(k)) + 0.2 for k in kinds]
    fig, axes = plt.subplots(
        1,
        len(kinds),
        figsize=(1.0 * sum(widths) + 0.5, 3.0),
        gridspec_kw={"width_ratios": widths},
        layout="constrained",
        squeeze=False,
    )
    for kind, ax in zip(kinds, axes[0], strict=True):
        draw_topology(kind, ax=ax)
    return _finish(fig, True)


def plot_over_time(series, ylabel, ax=None, title=None, logy=True, start=0, xlabel="time step $t$"):
    """Quantities against time step, one curve per setting (log scale by default).

    Parameters
    ----------
    series : dict of str to array_like of shape (n,)
        Label -> values at t = start, start + 1, ..., start + n - 1.
    ylabel : str
    ax : matplotlib Axes, optional
    title : str, optional
    logy : bool
    start : int
        The time step of each series' first value.
    xlabel : str

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, ax, owned = _new_axes(ax, figsize=(6.4, 3.8))
    for label, values in series.items():
        values = np.ravel(np.asarray(values, dtype=float))
        ax.plot(np.arange(start, start + len(values)), values, label=label, linewidth=1.6)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    if series:
        ax.legend(fontsize=9)
    return _finish(fig, owned)


def plot_gradient_norms(
    norms, ax=None, title=None, start=0, ylabel=r"$\|\partial L / \partial h_t\|$"
):
    """Gradient norm ||dL/dh_t|| against time step on a log scale, one curve per setting.

    Parameters
    ----------
    norms : dict of str to array_like of shape (T + 1,)
        Label -> the norms for t = 0..T (h_0 is the initial state), or from ``start``.
    ax : matplotlib Axes, optional
    title : str, optional
    start : int
        The time step of the first value (0 by default).
    ylabel : str

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    return plot_over_time(norms, ylabel, ax=ax, title=title, logy=True, start=start)


def plot_training_curves(
    curves, ax=None, xlabel="training step", ylabel="loss", logy=True, title=None, ylim=None
):
    """Loss (or any metric) against training step, one curve per run.

    Parameters
    ----------
    curves : dict of str to array_like of shape (n_steps,)
        Label -> values; non-finite values (a diverged run) end the curve there and are
        marked with an x.
    ax : matplotlib Axes, optional
    xlabel, ylabel, title : str
    logy : bool
        Log-scale y axis (losses usually span decades).
    ylim : (float, float), optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, ax, owned = _new_axes(ax, figsize=(6.4, 3.8))
    for label, values in curves.items():
        values = np.ravel(np.asarray(values, dtype=float))
        bad = ~np.isfinite(values)
        n_ok = int(np.argmax(bad)) if bad.any() else len(values)
        (line,) = ax.plot(np.arange(n_ok), values[:n_ok], label=label, linewidth=1.4)
        if bad.any() and n_ok > 0:
            ax.plot(n_ok - 1, values[n_ok - 1], "x", color=line.get_color(), markersize=9)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize=9)
    return _finish(fig, owned)


def plot_prediction(
    y_true, y_pred, x=None, split=None, ax=None, title=None, labels=("true", "predicted")
):
    """A series and a model's prediction of it, with an optional train/validation split.

    Parameters
    ----------
    y_true : array_like of shape (N,)
    y_pred : array_like of shape (N,) or (M,)
        When shorter than y_true (predictions for the validation part only), it is
        drawn against the last M positions of x.
    x : array_like of shape (N,), optional
        Positions (time or x values); 0..N-1 by default.
    split : float, optional
        The x position where validation starts; drawn as a vertical line, the
        validation part shaded.
    ax : matplotlib Axes, optional
    title : str, optional
    labels : (str, str)

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    y_true = np.ravel(np.asarray(y_true, dtype=float))
    y_pred = np.ravel(np.asarray(y_pred, dtype=float))
    x = np.arange(len(y_true)) if x is None else np.ravel(np.asarray(x, dtype=float))
    if len(x) != len(y_true):
        raise ValueError(f"x has {len(x)} values but y_true has {len(y_true)}")
    if len(y_pred) > len(y_true):
        raise ValueError(f"y_pred has {len(y_pred)} values, more than y_true ({len(y_true)})")
    fig, ax, owned = _new_axes(ax, figsize=(7.0, 3.4))
    ax.plot(x, y_true, label=labels[0], linewidth=1.6, color="#404040")
    ax.plot(
        x[len(x) - len(y_pred) :], y_pred, "--", label=labels[1], linewidth=1.6, color="#d9541a"
    )
    if split is not None:
        ax.axvline(split, color="#888888", linewidth=1.0)
        ax.axvspan(split, x[-1], color="#888888", alpha=0.08, label="validation")
    ax.set_xlabel("$t$")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    return _finish(fig, owned)


def plot_heatmaps(
    arrays, xlabel="time step $t$", ylabel="unit", vmin=None, vmax=None, cmap="viridis"
):
    """One heat map per array, side by side, sharing a colour scale (e.g. LSTM gates).

    Parameters
    ----------
    arrays : dict of str to array_like of shape (T, H)
        Title -> values over time (drawn along x) and units (along y), for example the
        gates ``cache["i"][0]`` of one sequence.
    xlabel, ylabel : str
    vmin, vmax : float, optional
        Colour limits; by default the min and max over all arrays.
    cmap : str

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    arrays = {k: np.asarray(v, dtype=float) for k, v in arrays.items()}
    if not arrays:
        raise ValueError("arrays is empty: pass at least one (T, H) array")
    for k, v in arrays.items():
        if v.ndim != 2:
            raise ValueError(f"arrays[{k!r}] has shape {v.shape}, expected (T, H)")
    lo = min(float(v.min()) for v in arrays.values()) if vmin is None else vmin
    hi = max(float(v.max()) for v in arrays.values()) if vmax is None else vmax
    fig, axes = plt.subplots(
        1,
        len(arrays),
        figsize=(2.6 * len(arrays) + 0.8, 2.8),
        layout="constrained",
        squeeze=False,
        sharey=True,
    )
    image = None
    for ax, (name, v) in zip(axes[0], arrays.items(), strict=True):
        image = ax.imshow(
            v.T, aspect="auto", origin="lower", vmin=lo, vmax=hi, cmap=cmap, interpolation="nearest"
        )
        ax.set_title(name)
        ax.set_xlabel(xlabel)
    axes[0, 0].set_ylabel(ylabel)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.9)
    return _finish(fig, True)

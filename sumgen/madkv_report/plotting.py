"""One plotting style for every stage: Agg backend, colours, bars and trend lines.

Only APIs that matplotlib 3.6 (Debian bookworm) already has are used.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.85,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.alpha": 0.35,
    "grid.linestyle": "--",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}
plt.rcParams.update(STYLE)

LAT_UNIT = "µs"
TPUT_LABEL = "Throughput (ops/sec)"
CLIENTS_LABEL = "Clients (concurrent)"
WORKLOAD_LABEL = "YCSB workload"
# The three panels of the per-workload summary figures.
SUMMARY_TITLES = {"throughput": "Throughput", "avg": "Average latency, all ops", "p99": "P99 latency, all ops"}
SUMMARY_YLABELS = {"throughput": TPUT_LABEL, "avg": f"Latency ({LAT_UNIT})", "p99": f"Latency ({LAT_UNIT})"}

# The same operation has the same colour in every figure of every stage.
OP_COLORS = {
    "READ": "#4e79a7",
    "UPDATE": "#f28e2b",
    "INSERT": "#9c755f",
    "SCAN": "#59a14f",
    "READ-MODIFY-WRITE": "#b07aa1",
    "DELETE": "#e15759",
}
SERIES_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]
METRIC_COLORS = {"throughput": "#4e79a7", "avg": "#f28e2b", "p50": "#76b7b2", "p99": "#e15759"}
METRIC_NAMES = {"avg": "average", "p50": "p50", "p99": "p99"}
LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v"]


def op_color(op: str) -> str:
    if op in OP_COLORS:
        return OP_COLORS[op]
    return SERIES_COLORS[sum(map(ord, op)) % len(SERIES_COLORS)]


def thousands(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}"


@dataclass
class PlotOutcome:
    name: str  # e.g. "ycsb-tput-trend"
    filename: Optional[str]  # set when the PNG was written
    note: str = ""  # why it was not, otherwise


@dataclass
class BarSeries:
    label: str
    values: Sequence[Optional[float]]
    color: str
    hatch: Optional[str] = None


@dataclass
class LineSeries:
    label: str
    xs: Sequence[float]
    ys: Sequence[Optional[float]]
    color: str
    linestyle: str = "-"
    marker: str = "o"


# Figures stay readable without zooming out: at most this wide (1575 px at savefig.dpi).
MAX_WIDTH_IN = 10.5
# A latency axis switches to a log scale when its bars span more than this factor
# (a workload of scans next to point reads would otherwise flatten every other bar).
LOG_SCALE_SPAN = 30.0


def new_figure(nrows: int, ncols: int, cell_w: float = 3.5, cell_h: float = 3.0) -> Tuple[Figure, List[List[Axes]]]:
    width = min(cell_w * ncols, MAX_WIDTH_IN)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, cell_h * nrows), squeeze=False)
    return fig, [list(row) for row in axes]


def no_data(ax: Axes, text: str = "no results yet") -> None:
    """An empty panel: the message and no value ticks (an empty axis would label them 0 … 1)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="gray")
    ax.set_yticks([])
    ax.grid(False)


def _na(ax: Axes, x: float, vertical: bool) -> None:
    ax.text(x, 0.01, "n/a", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
            fontsize=7, color="gray", rotation=90 if vertical else 0)


def _value_axis(ax: Axes, values: Sequence[float], log_ok: bool) -> bool:
    """Linear from 0 with headroom, or log when allowed and the values span too much.
    Returns whether the axis is logarithmic."""
    positive = [v for v in values if v > 0]
    if log_ok and positive and max(positive) / min(positive) > LOG_SCALE_SPAN:
        ax.set_yscale("log")
        ax.set_ylim(min(positive) / 2, max(positive) * 2)
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda _v, _p: ""))
        return True
    top = max(values) if values else 0
    ax.set_ylim(0, top * 1.08 if top > 0 else 1)
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    return False


def grouped_bars(
    ax: Axes, categories: Sequence[str], series: Sequence[BarSeries], xlabel: str, ylabel: str,
    title: str, log_ok: bool = False,
) -> None:
    """Bars per category, one per series side by side. A missing value shows "n/a": once
    under a category with no value at all, else upright in the missing bar's place.
    log_ok: a latency axis may turn logarithmic when its values span too much (the title
    then says so)."""
    n = max(len(series), 1)
    width = 0.8 / n
    values = [v for s in series for v in s.values if v is not None]
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if not values:
        ax.set_xticks([])
        no_data(ax)
        return
    is_log = _value_axis(ax, values, log_ok)
    for i, s in enumerate(series):
        offset = (i - (n - 1) / 2) * width
        present = [(j + offset, v) for j, v in enumerate(s.values) if v is not None]
        if present:
            ax.bar(
                [x for x, _ in present], [v for _, v in present], width * 0.92,
                label=s.label, color=s.color, hatch=s.hatch, edgecolor="white", linewidth=0.5,
            )
    for j in range(len(categories)):
        missing = [i for i, s in enumerate(series) if j >= len(s.values) or s.values[j] is None]
        if len(missing) == len(series):
            _na(ax, j, vertical=False)
        else:
            for i in missing:
                _na(ax, j + (i - (n - 1) / 2) * width, vertical=True)
    ax.set_xlim(-0.5, len(categories) - 0.5)
    ax.set_xticks(list(range(len(categories))))
    ax.set_xticklabels(list(categories))
    if is_log:
        ax.set_title(f"{title} (log scale)")
    ax.grid(False, axis="x")
    if len(series) > 1:
        ax.legend()  # finish_figure may move it into one shared legend


def trend_lines(
    ax: Axes, series: Sequence[LineSeries], xlabel: str, ylabel: str, xticks: Sequence[float],
    always_legend: bool = False,
) -> None:
    """One line per series; a missing point breaks the line (NaN) rather than being
    bridged, so a gap in the runs shows as a gap in the plot. always_legend: name even a
    single line (when the title does not say what it is)."""
    drawn = 0
    values: List[float] = []
    for s in series:
        if all(y is None for y in s.ys):
            continue
        drawn += 1
        values += [y for y in s.ys if y is not None]
        ax.plot(
            list(s.xs), [math.nan if y is None else y for y in s.ys],
            label=s.label, color=s.color, linestyle=s.linestyle, marker=s.marker,
        )
    ax.set_xticks(list(xticks))
    # Room beyond the first and last tick, so a point there is not cut in half by the frame.
    span = (max(xticks) - min(xticks)) or 1.0
    ax.set_xlim(min(xticks) - 0.05 * span, max(xticks) + 0.05 * span)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if drawn == 0:
        no_data(ax)
        return
    _value_axis(ax, values, log_ok=False)
    if drawn > 1 or always_legend:
        ax.legend()


def finish_figure(fig: Figure, title: str, shared_legend: Optional[Sequence[Axes]] = None) -> Figure:
    """Title on top; with shared_legend, one legend for all those axes under the title
    (instead of one per panel, which would cover the bars).

    The panels are laid out first, in a box that leaves fixed headroom, and the title and
    legend are placed in it afterwards: whether tight_layout makes room for figure-level
    artists differs between matplotlib releases, so it is never asked to."""
    height = fig.get_figheight()
    handles: List[object] = []
    labels: List[str] = []
    for ax in shared_legend or []:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    title_in, legend_in = 0.42, (0.34 if handles else 0.0)
    fig.tight_layout(rect=(0, 0, 1, 1 - (title_in + legend_in) / height))
    fig.text(0.5, 1 - 0.1 / height, title, ha="center", va="top", fontsize=12, fontweight="bold")
    if handles:
        fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 6), frameon=False,
                   bbox_to_anchor=(0.5, 1 - title_in / height))
    return fig


PlotFunction = Callable[[], Optional[Figure]]


def draw_plots(plots: Sequence[Tuple[str, PlotFunction]], plots_dir: str) -> Dict[str, PlotOutcome]:
    """Draw every plot into plots_dir; a plot with no data is skipped (and any old PNG
    of that name removed, so the folder never shows stale results)."""
    outcomes: Dict[str, PlotOutcome] = {}
    for name, draw in plots:
        filename = f"{name}.png"
        path = os.path.join(plots_dir, filename)
        try:
            drawn = draw()
        except Exception as err:  # a plotting bug must not cost the whole report
            plt.close("all")
            print(f"warning: could not draw {filename}: {type(err).__name__}: {err}")
            drawn = None
            note = f"drawing it failed ({type(err).__name__}: {err})"
        else:
            note = "none of its runs are present yet"
        if drawn is None:
            if os.path.exists(path):
                os.remove(path)
            outcomes[name] = PlotOutcome(name, None, note)
            continue
        drawn.savefig(path)
        plt.close(drawn)
        outcomes[name] = PlotOutcome(name, filename)
    return outcomes


def flat(axes: List[List[Axes]]) -> List[Axes]:
    return [ax for row in axes for ax in row]

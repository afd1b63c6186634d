"""Projects 2 and 3: a cluster scaled along one dimension (partitions, replication factor).

Both reports have the same runs and figures (the template's ones): 10 clients on every
workload at three sizes of the dimension, and workload A at the smallest and largest size
with a growing number of clients. Only the words and the fuzz scenarios differ.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import markdown as md
from .benchlog import BenchResult
from .benchviews import (
    OP_HEADERS, PERCENTILE_NOTE, SUMMARY_HEADERS, any_p50, metric, op_metric, op_rows, ops_of,
    summary_cells,
)
from .plotting import (
    CLIENTS_LABEL, LAT_UNIT, LINESTYLES, MARKERS, METRIC_NAMES, SERIES_COLORS, SUMMARY_TITLES, SUMMARY_YLABELS, TPUT_LABEL,
    WORKLOAD_LABEL, BarSeries, LineSeries, PlotFunction, PlotOutcome, finish_figure, flat, grouped_bars, new_figure,
    op_color, trend_lines,
)
from .reportfile import Generated, Part
from .runs import Inventory, Run
from .stage import ReportContext, Stage

WORKLOADS = ["a", "b", "c", "d", "e", "f"]
GRID_CLIENTS = 10
TREND_WORKLOAD = "a"
TREND_CLIENTS = [1, 20, 30]
TREND_X = [1, 10, 20, 30]  # the 10-client point comes from the grid runs


@dataclass(frozen=True)
class FuzzScenario:
    size: int
    crashing: str  # "yes" or "no"
    label: str


@dataclass(frozen=True)
class ScaledStageText:
    number: int
    dim_noun: str  # "partitions" / "replication factor"
    size_label_fmt: Tuple[str, str]  # for 1 and for more: ("{} partition", "{} partitions")
    sizes: Tuple[int, ...]
    trend_sizes: Tuple[int, ...]
    fuzz: Tuple[FuzzScenario, ...]
    address: str  # the recipes' default manager address(es), put in the commands the report lists
    hint: str
    design_prompt: str
    testcase_prompt: str
    scenarios_intro: str  # "The stage asks for ...:" before the list of scenarios
    scenarios: Tuple[str, ...]
    # The template's sentences about what is shown at demo time.
    testcase_demo: str
    fuzz_demo: str


class ScaledStage(Stage):
    def __init__(self, text: ScaledStageText):
        self.text = text
        self.number = text.number
        self.key = f"p{text.number}"

    # ---- runs ------------------------------------------------------------------------

    def bench_path(self, nclis: int, wload: str, size: int) -> str:
        return f"bench/bench-{nclis}-{wload}-{size}.log"

    def fuzz_path(self, size: int, crashing: str) -> str:
        return f"fuzz/fuzz-{size}-{crashing}.log"

    def size_label(self, size: int) -> str:
        return self.text.size_label_fmt[0 if size == 1 else 1].format(size)

    def runs(self) -> List[Run]:
        just, addr = f"npx just {self.key}", self.text.address
        runs = [
            Run("fuzz", self.fuzz_path(f.size, f.crashing), f"fuzz, {f.label}", f"{just}::fuzz {f.size} {f.crashing} {addr}",
                (str(f.size), f.crashing))
            for f in self.text.fuzz
        ]
        runs += [
            Run("bench", self.bench_path(GRID_CLIENTS, w, s),
                f"bench YCSB-{w.upper()}, {GRID_CLIENTS} clients, {self.size_label(s)}",
                f"{just}::bench {GRID_CLIENTS} {w} {s} {addr}", (str(GRID_CLIENTS), w, str(s)))
            for w in WORKLOADS for s in self.text.sizes
        ]
        runs += [
            Run("bench", self.bench_path(n, TREND_WORKLOAD, s),
                f"bench YCSB-{TREND_WORKLOAD.upper()}, {n} client{'s' if n > 1 else ''}, {self.size_label(s)}",
                f"{just}::bench {n} {TREND_WORKLOAD} {s} {addr}", (str(n), TREND_WORKLOAD, str(s)))
            for s in self.text.trend_sizes for n in TREND_CLIENTS
        ]
        return runs

    def hint(self) -> str:
        return self.text.hint

    # ---- plots -----------------------------------------------------------------------

    def plots(self, inv: Inventory) -> Sequence[Tuple[str, PlotFunction]]:
        sizes = self.text.sizes
        grid = {s: [inv.bench(self.bench_path(GRID_CLIENTS, w, s)) for w in WORKLOADS] for s in sizes}
        trend = {
            s: [inv.bench(self.bench_path(n, TREND_WORKLOAD, s)) for n in TREND_X]
            for s in self.text.trend_sizes
        }
        size_color = {s: SERIES_COLORS[i] for i, s in enumerate(sizes)}
        grid_results = [r for rs in grid.values() for r in rs]
        trend_results = [r for rs in trend.values() for r in rs]

        def present(results: Sequence[Optional[BenchResult]]) -> bool:
            return any(r is not None for r in results)

        def ten_clients():
            if not present(grid_results):
                return None
            fig, axes = new_figure(1, 3, cell_h=3.4)
            cats = [w.upper() for w in WORKLOADS]
            for ax, name in zip(axes[0], ["throughput", "avg", "p99"]):
                grouped_bars(ax, cats, [BarSeries(self.size_label(s), [metric(r, name) for r in grid[s]], size_color[s])
                                        for s in sizes], WORKLOAD_LABEL, SUMMARY_YLABELS[name], SUMMARY_TITLES[name],
                             log_ok=name != "throughput")
            title = f"{GRID_CLIENTS} clients: throughput and latency per workload, by {self.text.dim_noun}"
            return finish_figure(fig, title, shared_legend=flat(axes))

        def tput_trend():
            if not present(trend_results):
                return None
            fig, axes = new_figure(1, 1, cell_w=5.5, cell_h=3.8)
            trend_lines(axes[0][0], [
                LineSeries(self.size_label(s), TREND_X, [metric(r, "throughput") for r in trend[s]], size_color[s],
                           LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)])
                for i, s in enumerate(self.text.trend_sizes)
            ], CLIENTS_LABEL, TPUT_LABEL, TREND_X)
            axes[0][0].set_title(f"YCSB-{TREND_WORKLOAD.upper()}")
            return finish_figure(fig, "Aggregate throughput vs. number of clients")

        def ten_clients_op_lats():
            if not present(grid_results):
                return None
            metrics = (["p50"] if any_p50(grid_results) else []) + ["p99"]
            # Three workloads a row (A–C, then D–F) for each metric, so the figure stays narrow.
            per_row = 3
            fig, axes = new_figure(len(metrics) * 2, per_row, cell_h=2.9)
            for k, m in enumerate(metrics):
                for i, w in enumerate(WORKLOADS):
                    ax = axes[k * 2 + i // per_row][i % per_row]
                    ops = ops_of([grid[s][i] for s in sizes])
                    grouped_bars(ax, ops or ["(none)"], [
                        BarSeries(self.size_label(s), [op_metric(grid[s][i], op, m) for op in ops] or [None],
                                  size_color[s])
                        for s in sizes
                    ], "Operation", f"{METRIC_NAMES[m].upper()} latency ({LAT_UNIT})", f"YCSB-{w.upper()}: {METRIC_NAMES[m]}",
                        log_ok=True)
            title = f"{GRID_CLIENTS} clients: latency per operation, by {self.text.dim_noun}"
            return finish_figure(fig, title, shared_legend=flat(axes))

        def op_lats_trend():
            if not present(trend_results):
                return None
            metrics = (["p50"] if any_p50(trend_results) else []) + ["p99"]
            fig, axes = new_figure(1, len(metrics), cell_w=5.2, cell_h=3.8)
            ops = ops_of(trend_results)
            for ax, m in zip(axes[0], metrics):
                trend_lines(ax, [
                    LineSeries(f"{op}, {self.size_label(s)}", TREND_X, [op_metric(r, op, m) for r in trend[s]],
                               op_color(op), LINESTYLES[j % len(LINESTYLES)], MARKERS[j % len(MARKERS)])
                    for op in ops for j, s in enumerate(self.text.trend_sizes)
                ], CLIENTS_LABEL, f"{METRIC_NAMES[m].upper()} latency ({LAT_UNIT})", TREND_X)
                ax.set_title(f"YCSB-{TREND_WORKLOAD.upper()}: {METRIC_NAMES[m]}")
            return finish_figure(fig, "Latency per operation vs. number of clients",
                                 shared_legend=flat(axes))

        return [
            ("ycsb-ten-clients", ten_clients),
            ("ycsb-tput-trend", tput_trend),
            ("ycsb-ten-clients-op-lats", ten_clients_op_lats),
            ("ycsb-op-lats-trend", op_lats_trend),
        ]

    # ---- markdown --------------------------------------------------------------------

    def extra_testcase_logs(self, results_dir: str) -> List[str]:
        """Testcase logs are not required at this stage, but list any that were recorded."""
        return sorted(os.path.relpath(p, results_dir) for p in glob.glob(os.path.join(results_dir, "tests", "*.log")))

    def markdown(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> List[Part]:
        t = self.text

        def fig(name: str, alt: str) -> str:
            return md.figure(plots[name], alt, ctx.plots_rel)

        dim_header = t.dim_noun[:1].upper() + t.dim_noun[1:]
        grid_rows = [
            [f"YCSB-{w.upper()}", str(s)] + summary_cells(inv.outcome(self.bench_path(GRID_CLIENTS, w, s)))
            for w in WORKLOADS for s in t.sizes
        ]
        grid_op_rows = [
            row for w in WORKLOADS for s in t.sizes
            for row in op_rows([f"YCSB-{w.upper()}", str(s)], inv.outcome(self.bench_path(GRID_CLIENTS, w, s)))
        ]
        trend_rows = [
            [str(s), str(n)] + summary_cells(inv.outcome(self.bench_path(n, TREND_WORKLOAD, s)))
            for s in t.trend_sizes for n in TREND_X
        ]
        trend_op_rows = [
            row for s in t.trend_sizes for n in TREND_X
            for row in op_rows([str(s), str(n)], inv.outcome(self.bench_path(n, TREND_WORKLOAD, s)))
        ]

        extra_tests = self.extra_testcase_logs(inv.results_dir)
        if extra_tests:
            found_tests = "Testcase logs found: " + ", ".join(md.code(p) for p in extra_tests) + "."
        else:
            found_tests = f"No testcase logs under `{inv.results_dir}/tests/` (optional at this stage)."
        scenario_list = "\n".join(f"- {s}" for s in t.scenarios)

        testcases = "\n\n".join([
            t.scenarios_intro,
            scenario_list,
            found_tests,
            t.testcase_demo,
        ])
        fuzz = md.fuzz_block(
            inv, [dim_header, "Crashing"],
            [md.FuzzRow((str(f.size), f.crashing), self.fuzz_path(f.size, f.crashing), f.crashing == "yes")
             for f in t.fuzz],
            [f.label for f in t.fuzz], t.fuzz_demo,
        )
        bench = "\n\n".join([
            f"### {GRID_CLIENTS} clients, workloads A–F, {t.dim_noun} {'/'.join(map(str, t.sizes))}",
            fig("ycsb-ten-clients", f"{GRID_CLIENTS}-client throughput and latency per workload"),
            md.table(["Workload", dim_header] + SUMMARY_HEADERS, grid_rows, "lrrrr"),
            fig("ycsb-ten-clients-op-lats", f"{GRID_CLIENTS}-client latency per operation"),
            md.details(f"Per-operation latency, {GRID_CLIENTS} clients",
                       md.table(["Workload", dim_header] + OP_HEADERS, grid_op_rows, "lrlrrrrr")),
            f"### YCSB-{TREND_WORKLOAD.upper()} vs. number of clients,"
            f" {t.dim_noun} {'/'.join(map(str, t.trend_sizes))}",
            fig("ycsb-tput-trend", "throughput trend vs. number of clients"),
            md.table([dim_header, "Clients"] + SUMMARY_HEADERS, trend_rows, "rrrrr"),
            fig("ycsb-op-lats-trend", "p50/p99 latency per operation vs. number of clients"),
            md.details(f"Per-operation latency, YCSB-{TREND_WORKLOAD.upper()}",
                       md.table([dim_header, "Clients"] + OP_HEADERS, trend_op_rows, "rrlrrrrr")),
            PERCENTILE_NOTE,
        ])
        return [
            f"# CS 739 MadKV Project {t.number}",
            "**Group members**: Name `email`, Name `email`",
            md.comment(md.EDITING_NOTE.format(stage=self.key)),
            Generated("status", md.run_status_block(inv, self.key, ctx.source_note)),
            "## Design Walkthrough",
            md.fixme(t.design_prompt),
            "## Self-provided Testcases",
            Generated("testcases", testcases),
            "### Explanations",
            md.fixme(t.testcase_prompt),
            "## Fuzz Testing",
            Generated("fuzz", fuzz),
            "### Comments",
            md.fixme("add your comments on fuzz testing"),
            "## YCSB Benchmarking",
            Generated("bench", bench),
            "### Comments",
            md.fixme(f"add your discussions of benchmarking results (how throughput and latency change with"
                     f" the {t.dim_noun} and the number of clients, and why)"),
            "## Additional Discussion",
            md.optional("add extra discussions if applicable"),
        ]

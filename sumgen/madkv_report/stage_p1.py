"""Project 1 (single server): runs, plots and report."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from . import markdown as md
from .benchlog import BenchResult
from .benchviews import (
    OP_HEADERS, PERCENTILE_NOTE, SUMMARY_HEADERS, any_p50, metric, op_metric, op_rows, ops_of,
    summary_cells,
)
from .plotting import (
    CLIENTS_LABEL, LAT_UNIT, METRIC_COLORS, METRIC_NAMES, SUMMARY_TITLES, SUMMARY_YLABELS, TPUT_LABEL, WORKLOAD_LABEL,
    BarSeries,
    LineSeries, PlotFunction, PlotOutcome, finish_figure, flat, grouped_bars, new_figure, op_color, trend_lines,
)
from .reportfile import Generated, Part
from .runs import Inventory, Run
from .stage import ReportContext, Stage

WORKLOADS = ["a", "b", "c", "d", "e", "f"]
TREND_WORKLOADS = ["a", "c", "e"]
TREND_CLIENTS = [10, 25, 40, 55, 70, 85]
TREND_X = [1] + TREND_CLIENTS  # the 1-client runs start each trend line
FUZZ_CONFIGS = [(1, "no"), (3, "no"), (3, "yes")]
SERVER_ADDR = "127.0.0.1:3777"  # the recipes' default; the hints say to use the real one
TESTCASES = [
    "single client, every operation",
    "single client, every operation (overwrites, deletes, scan edges)",
    "several clients, disjoint keys",
    "several clients, shared keys: each sees the others' acknowledged writes",
    "several clients, shared keys: concurrent swaps form one unbroken chain",
]


def bench_path(nclis: int, wload: str) -> str:
    return f"bench/bench-{nclis}-{wload}.log"


def fuzz_path(nclis: int, conflict: str) -> str:
    return f"fuzz/fuzz-{nclis}-{conflict}.log"


def fuzz_label(nclis: int, conflict: str) -> str:
    keys = "shared keys" if conflict == "yes" else "disjoint keys"
    return f"{nclis} client{'s' if nclis > 1 else ''}, {keys}"


def clients_word(n: int) -> str:
    return f"{n} client{'s' if n != 1 else ''}"


class Project1(Stage):
    key = "p1"
    number = 1

    def runs(self) -> List[Run]:
        just, addr = "npx just p1", SERVER_ADDR
        runs = [
            Run("testcase", f"tests/test{n}.log", f"testcase {n}", f"{just}::testcase {n} {addr}", (str(n),))
            for n in range(1, len(TESTCASES) + 1)
        ]
        runs += [
            Run("fuzz", fuzz_path(n, c), f"fuzz, {fuzz_label(n, c)}", f"{just}::fuzz {n} {c} {addr}", (str(n), c))
            for n, c in FUZZ_CONFIGS
        ]
        runs += [
            Run("bench", bench_path(1, w), f"bench YCSB-{w.upper()}, 1 client", f"{just}::bench 1 {w} {addr}", ("1", w))
            for w in WORKLOADS
        ]
        runs += [
            Run("bench", bench_path(n, w), f"bench YCSB-{w.upper()}, {n} clients", f"{just}::bench {n} {w} {addr}", (str(n), w))
            for w in TREND_WORKLOADS
            for n in TREND_CLIENTS
        ]
        return runs

    def hint(self) -> str:
        return (
            "Start a fresh server for each run (`npx just p1::service 0.0.0.0:3777`, ideally on"
            f" another machine), then run the missing ones with your server's address in place of {SERVER_ADDR}."
        )

    # ---- plots ---------------------------------------------------------------------

    def plots(self, inv: Inventory) -> Sequence[Tuple[str, PlotFunction]]:
        single = [inv.bench(bench_path(1, w)) for w in WORKLOADS]
        trend = {w: [inv.bench(bench_path(n, w)) for n in TREND_X] for w in TREND_WORKLOADS}

        def present(results: Sequence[Optional[BenchResult]]) -> bool:
            return any(r is not None for r in results)

        def single_cli():
            if not present(single):
                return None
            fig, axes = new_figure(1, 3, cell_h=3.2)
            cats = [w.upper() for w in WORKLOADS]
            for ax, name in zip(axes[0], ["throughput", "avg", "p99"]):
                grouped_bars(ax, cats, [BarSeries(name, [metric(r, name) for r in single], METRIC_COLORS[name])],
                             WORKLOAD_LABEL, SUMMARY_YLABELS[name], SUMMARY_TITLES[name], log_ok=name != "throughput")
            return finish_figure(fig, "One client: throughput and latency per YCSB workload")

        def single_cli_op_lats():
            if not present(single):
                return None
            metrics = (["p50"] if any_p50(single) else []) + ["avg", "p99"]
            fig, axes = new_figure(2, 3, cell_h=3.1)
            for i, (w, r) in enumerate(zip(WORKLOADS, single)):
                ax = axes[i // 3][i % 3]
                ops = ops_of([r])
                grouped_bars(
                    ax, ops or ["(none)"],
                    [BarSeries(METRIC_NAMES[m], [op_metric(r, op, m) for op in ops] or [None], METRIC_COLORS[m])
                     for m in metrics],
                    "Operation", f"Latency ({LAT_UNIT})", f"YCSB-{w.upper()}", log_ok=True,
                )
            title = "One client: latency per operation (" + " / ".join(METRIC_NAMES[m] for m in metrics) + ")"
            return finish_figure(fig, title, shared_legend=flat(axes))

        def tput_trend():
            if not any(present(rs) for rs in trend.values()):
                return None
            fig, axes = new_figure(1, 3)
            for ax, w in zip(axes[0], TREND_WORKLOADS):
                trend_lines(ax, [LineSeries(f"YCSB-{w.upper()}", TREND_X, [metric(r, "throughput") for r in trend[w]],
                                            METRIC_COLORS["throughput"])], CLIENTS_LABEL, TPUT_LABEL, TREND_X)
                ax.set_title(f"YCSB-{w.upper()}")
            return finish_figure(fig, "Aggregate throughput vs. number of clients")

        def lats_trend():
            if not any(present(rs) for rs in trend.values()):
                return None
            fig, axes = new_figure(1, 3)
            for ax, w in zip(axes[0], TREND_WORKLOADS):
                trend_lines(ax, [LineSeries(op, TREND_X, [op_metric(r, op, "avg") for r in trend[w]], op_color(op))
                                 for op in ops_of(trend[w])], CLIENTS_LABEL, f"Average latency ({LAT_UNIT})", TREND_X,
                            always_legend=True)
                ax.set_title(f"YCSB-{w.upper()}")
            return finish_figure(fig, "Average latency per operation vs. number of clients")

        def op_lats_trend():
            if not any(present(rs) for rs in trend.values()):
                return None
            all_results = [r for rs in trend.values() for r in rs]
            metrics = (["p50"] if any_p50(all_results) else []) + ["p99"]
            fig, axes = new_figure(len(metrics), 3)
            for row, m in zip(axes, metrics):
                for ax, w in zip(row, TREND_WORKLOADS):
                    trend_lines(ax, [LineSeries(op, TREND_X, [op_metric(r, op, m) for r in trend[w]], op_color(op))
                                     for op in ops_of(trend[w])],
                                CLIENTS_LABEL, f"{METRIC_NAMES[m].upper()} latency ({LAT_UNIT})", TREND_X,
                                always_legend=True)
                    ax.set_title(f"YCSB-{w.upper()}: {METRIC_NAMES[m]}")
            return finish_figure(fig, "Latency percentiles per operation vs. number of clients")

        return [
            ("ycsb-single-cli", single_cli),
            ("ycsb-tput-trend", tput_trend),
            ("ycsb-lats-trend", lats_trend),
            ("ycsb-single-cli-op-lats", single_cli_op_lats),
            ("ycsb-op-lats-trend", op_lats_trend),
        ]

    # ---- markdown ------------------------------------------------------------------

    def markdown(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> List[Part]:
        def fig(name: str, alt: str) -> str:
            return md.figure(plots[name], alt, ctx.plots_rel)

        single_rows = [[f"YCSB-{w.upper()}"] + summary_cells(inv.outcome(bench_path(1, w))) for w in WORKLOADS]
        single_op_rows = [
            row for w in WORKLOADS for row in op_rows([f"YCSB-{w.upper()}"], inv.outcome(bench_path(1, w)))
        ]
        trend_rows = [
            [f"YCSB-{w.upper()}", str(n)] + summary_cells(inv.outcome(bench_path(n, w)))
            for w in TREND_WORKLOADS for n in TREND_X
        ]
        trend_op_rows = [
            row for w in TREND_WORKLOADS for n in TREND_CLIENTS
            for row in op_rows([f"YCSB-{w.upper()}", str(n)], inv.outcome(bench_path(n, w)))
        ]

        n_tests = sum(1 for i in range(1, len(TESTCASES) + 1) if inv.result(f"tests/test{i}.log"))
        testcases = "\n\n".join([
            f"Found the following testcase results: {n_tests} of {len(TESTCASES)} testcase logs.",
            md.table(["#", "What it shows", "Log", "Found"], md.testcase_rows(inv, TESTCASES), "clll"),
            "You will run some testcases during demo time.",
        ])
        fuzz = md.fuzz_block(
            inv, ["Clients", "Conflict"],
            [md.FuzzRow((str(n), c), fuzz_path(n, c), None) for n, c in FUZZ_CONFIGS],
            [], "You will run a multi-client conflicting-keys fuzz test during demo time.",
        )
        bench = "\n\n".join([
            "### One client, workloads A–F",
            fig("ycsb-single-cli", "single-client throughput and latency per workload"),
            md.table(["Workload"] + SUMMARY_HEADERS, single_rows, "lrrr"),
            fig("ycsb-single-cli-op-lats", "single-client latency per operation"),
            md.details("Per-operation latency, one client",
                       md.table(["Workload"] + OP_HEADERS, single_op_rows, "llrrrrr")),
            "### Throughput vs. number of clients",
            fig("ycsb-tput-trend", "throughput trend vs. number of clients"),
            md.table(["Workload", "Clients"] + SUMMARY_HEADERS, trend_rows, "lrrrr"),
            "### Latency vs. number of clients",
            fig("ycsb-lats-trend", "average latency per operation vs. number of clients"),
            fig("ycsb-op-lats-trend", "p50/p99 latency per operation vs. number of clients"),
            md.details("Per-operation latency, 10–85 clients",
                       md.table(["Workload", "Clients"] + OP_HEADERS, trend_op_rows, "lrlrrrrr")),
            PERCENTILE_NOTE,
        ])
        return [
            "# CS 739 MadKV Project 1",
            "**Group members**: Name `email`, Name `email`",
            md.comment(md.EDITING_NOTE.format(stage=self.key)),
            Generated("status", md.run_status_block(inv, self.key, ctx.source_note)),
            "## Design Walkthrough",
            md.fixme("add your design walkthrough text (the server's structure, the protocol between"
                     " client and server, how concurrent requests are kept linearizable)"),
            "## Self-provided Testcases",
            Generated("testcases", testcases),
            "### Explanations",
            md.fixme("add your explanations of each testcase (what it does and why its output is correct)"),
            "## Fuzz Testing",
            Generated("fuzz", fuzz),
            "### Comments",
            md.fixme("add your comments on fuzz testing"),
            "## YCSB Benchmarking",
            Generated("bench", bench),
            "### Comments",
            md.fixme("add your discussions of benchmarking results (how throughput and latency change"
                     " with the workload and the number of clients, and why)"),
            "## Additional Discussion",
            md.optional("add extra discussions if applicable"),
        ]

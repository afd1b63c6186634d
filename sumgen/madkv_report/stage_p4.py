"""Project 4's report: cross-shard transactions, Mako's speculative 2PC against 2PC over Raft and
against unreplicated shards (rf 1).

Runs it needs (under the results folder, `/tmp/madkv-p4/` by default):
  fuzz/fuzz-<mako|2pc>-<no|yes>.log          `p4::fuzz 5 <crashing> <txn_mode>` (transactional fuzz)
  bench/bench-<w>-<mako|2pc>-<rtt>ms-c<C>.log `p4::bench` for w in micro-0/5/20/50 and bank, rtt 0/10/50
  bench/bench-<w>-rf1-c<C>.log                 the same workloads unreplicated
with C = MATRIX_CLIENTS (p4::bench's default). Bench logs at other client counts are not
required; any found are shown as a sweep (throughput vs clients).
"""

from __future__ import annotations

import glob
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

from . import markdown as md
from .fuzzviews import fault_summary
from .plotting import (
    LINESTYLES, MARKERS, SERIES_COLORS, BarSeries, LineSeries, PlotFunction, PlotOutcome, finish_figure, flat,
    grouped_bars, new_figure, no_data, trend_lines,
)
from .logtext import LogFormatError, read_log_lines
from .p4logs import TxnBenchResult, TxnFuzzResult, parse_txn_bench_log
from .reportfile import Generated, Part
from .runs import Inventory, Run, RunOutcome
from .stage import ReportContext, Stage

MODES = ("mako", "2pc", "rf1")
MODE_LABELS = {"mako": "Mako (rf 3)", "2pc": "2PC over Raft (rf 3)", "rf1": "unreplicated (rf 1)"}
MODE_COLORS = {"mako": SERIES_COLORS[0], "2pc": SERIES_COLORS[1], "rf1": SERIES_COLORS[2]}
SHARES = (0, 5, 20, 50)
MICRO = tuple(f"micro-{s}" for s in SHARES)
WORKLOADS = MICRO + ("bank",)
RTTS = (0, 10, 50)
# p4::bench's default client count (runner/src/scenarios/p4-bench.ts DEFAULT_CLIENTS): the matrix.
MATRIX_CLIENTS = 256
# The workload the RTT and split figures show beside the bank (the paper's micro-benchmark share).
HEADLINE = "micro-5"
TARGET_RTT = 50
TARGET_VS_2PC = 5.0
TARGET_VS_RF1 = 0.5  # "within 2× of unreplicated"
ADDRESS = "127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668"
FUZZ = (("mako", "no"), ("mako", "yes"), ("2pc", "no"), ("2pc", "yes"))
SWEEP_RE = re.compile(r"^bench-(micro-\d+|bank)-(?:(mako|2pc)-(\d+)ms|(rf1))-c(\d+)\.log$")


def bench_path(workload: str, mode: str, rtt: Optional[int], clients: int = MATRIX_CLIENTS) -> str:
    if mode == "rf1":
        return f"bench/bench-{workload}-rf1-c{clients}.log"
    return f"bench/bench-{workload}-{mode}-{rtt}ms-c{clients}.log"


def fuzz_path(mode: str, crashing: str) -> str:
    return f"fuzz/fuzz-{mode}-{crashing}.log"


def workload_label(w: str) -> str:
    return "bank (TPC-A-like)" if w == "bank" else f"micro, {w[len('micro-'):]} % cross-shard"


def ratio(a: Optional[TxnBenchResult], b: Optional[TxnBenchResult]) -> Optional[float]:
    if a is None or b is None or b.throughput == 0:
        return None
    return a.throughput / b.throughput


class P4Stage(Stage):
    key = "p4"
    number = 4

    # ---- runs ------------------------------------------------------------------------

    def runs(self) -> List[Run]:
        runs = [
            Run("txnfuzz", fuzz_path(m, c), f"fuzz, {m}, {'leader crashed' if c == 'yes' else 'no crashes'}",
                f"npx just p4::fuzz 5 {c} {m} {ADDRESS}", ("5", c, m))
            for m, c in FUZZ
        ]
        for w in WORKLOADS:
            for rtt in RTTS:
                for m in ("mako", "2pc"):
                    runs.append(Run("txnbench", bench_path(w, m, rtt), f"bench {w}, {m}, rtt {rtt} ms",
                                    f"npx just p4::bench --workloads {w} --modes {m} --rtts {rtt}", (w, m, str(rtt))))
            runs.append(Run("txnbench", bench_path(w, "rf1", None), f"bench {w}, rf1",
                            f"npx just p4::bench --workloads {w} --modes rf1", (w, "rf1")))
        return runs

    def hint(self) -> str:
        return (
            "`npx just p4::bench` runs the whole benchmark matrix (each mode on a fresh local cluster of its own;"
            " flags --workloads, --modes, --rtts narrow it). The fuzz runs need a running cluster of their"
            " txn_mode: `npx just p4::cluster 3 3 3 <txn_mode>`, then `npx just p4::fuzz 5 <crashing> <txn_mode>`"
            " (crashing=yes kills a shard leader of that local cluster mid-run), then `npx just p4::cluster-stop`."
        )

    def bench(self, inv: Inventory, w: str, mode: str, rtt: Optional[int]) -> Optional[TxnBenchResult]:
        r = inv.result(bench_path(w, mode, rtt))
        return r if isinstance(r, TxnBenchResult) else None

    def sweep(self, results_dir: str) -> Dict[Tuple[str, str, Optional[int]], Dict[int, TxnBenchResult]]:
        """Bench logs at client counts other than the matrix's: (workload, mode, rtt) -> clients -> result.
        The matrix's own run joins each series that has another count."""
        found: Dict[Tuple[str, str, Optional[int]], Dict[int, TxnBenchResult]] = {}
        for path in sorted(glob.glob(os.path.join(results_dir, "bench", "bench-*-c*.log"))):
            m = SWEEP_RE.match(os.path.basename(path))
            if m is None:
                continue
            clients = int(m.group(5))
            mode = m.group(2) or m.group(4)
            rtt = int(m.group(3)) if m.group(3) is not None else None
            try:
                r = parse_txn_bench_log(read_log_lines(path))
            except (OSError, LogFormatError, ValueError):
                continue
            found.setdefault((m.group(1), mode, rtt), {})[clients] = r
        return {k: v for k, v in found.items() if any(c != MATRIX_CLIENTS for c in v)}

    # ---- plots -----------------------------------------------------------------------

    def plots(self, inv: Inventory) -> Sequence[Tuple[str, PlotFunction]]:
        def b(w: str, mode: str, rtt: Optional[int]) -> Optional[TxnBenchResult]:
            return self.bench(inv, w, mode, None if mode == "rf1" else rtt)

        def any_bench(ws: Sequence[str]) -> bool:
            return any(b(w, m, r) is not None for w in ws for m in MODES for r in RTTS)

        def tput(r: Optional[TxnBenchResult]) -> Optional[float]:
            return None if r is None else r.throughput

        def mode_line(label: str, mode: str, xs: Sequence[float], ys: Sequence[Optional[float]]) -> LineSeries:
            i = MODES.index(mode)
            return LineSeries(label, xs, ys, MODE_COLORS[mode], LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)])

        def tput_vs_cross():
            if not any_bench(MICRO):
                return None
            fig, axes = new_figure(1, len(RTTS), cell_w=3.5, cell_h=3.4)
            for ax, rtt in zip(axes[0], RTTS):
                trend_lines(ax, [mode_line(MODE_LABELS[m], m, SHARES, [tput(b(w, m, rtt)) for w in MICRO]) for m in MODES],
                            "Cross-shard transactions (%)", "Committed txn/s", SHARES)
                ax.set_title(f"replication RTT {rtt} ms")
            return finish_figure(fig, f"Micro-benchmark throughput vs. cross-shard share ({MATRIX_CLIENTS} clients)",
                                 shared_legend=flat(axes))

        def vs_rtt():
            rows = [w for w in (HEADLINE, "bank") if any_bench([w])]
            if not rows:
                return None
            fig, axes = new_figure(len(rows), 3, cell_w=3.5, cell_h=3.2)
            for row, w in zip(axes, rows):
                for ax, (metric, ylabel) in zip(row, (("throughput", "Committed txn/s"), ("p50", "p50 latency (ms)"),
                                                      ("p99", "p99 latency (ms)"))):
                    def val(r: Optional[TxnBenchResult]) -> Optional[float]:
                        if r is None:
                            return None
                        return {"throughput": r.throughput, "p50": r.p50_ms, "p99": r.p99_ms}[metric]
                    trend_lines(ax, [mode_line(MODE_LABELS[m] + (" (no RTT: same run)" if m == "rf1" else ""), m, RTTS,
                                               [val(b(w, m, rtt)) for rtt in RTTS]) for m in MODES],
                                "Replication RTT (ms)", ylabel, RTTS)
                    ax.set_title(f"{w}: {metric}")
            return finish_figure(fig, f"Throughput and latency vs. injected replication RTT ({MATRIX_CLIENTS} clients)",
                                 shared_legend=flat(axes))

        def abort_rates():
            if not any_bench(WORKLOADS):
                return None
            fig, axes = new_figure(1, len(RTTS), cell_w=3.5, cell_h=3.4)
            for ax, rtt in zip(axes[0], RTTS):
                grouped_bars(ax, [w.replace("micro-", "µ") for w in WORKLOADS], [
                    BarSeries(MODE_LABELS[m], [None if b(w, m, rtt) is None else b(w, m, rtt).abort_rate  # type: ignore[union-attr]
                                               for w in WORKLOADS], MODE_COLORS[m])
                    for m in MODES
                ], "Workload (µN: micro, N % cross-shard)", "Aborted runs (%)", f"replication RTT {rtt} ms")
            return finish_figure(fig, "Abort rate: aborted runs / runs (the client reruns an aborted transaction)",
                                 shared_legend=flat(axes))

        def latency_split():
            rows = [w for w in (HEADLINE, "bank") if any_bench([w])]
            if not rows:
                return None
            fig, axes = new_figure(len(rows), 1, cell_w=10.0, cell_h=3.4)
            for (ax,), w in zip(axes, rows):
                cats: List[str] = []
                runs: List[Optional[TxnBenchResult]] = []
                for m in ("mako", "2pc"):
                    for rtt in RTTS:
                        cats.append(f"{m}\n{rtt} ms")
                        runs.append(b(w, m, rtt))
                cats.append("rf1")
                runs.append(b(w, "rf1", None))
                split_ok = [r for r in runs if r is not None and r.certify_ms is not None]
                ax.set_title(f"{w}: where a committed transaction's time goes")
                ax.set_ylabel("ms per committed txn")
                if not split_ok:
                    ax.set_xticks([])
                    no_data(ax)
                    continue
                xs = list(range(len(cats)))
                first = [r.certify_ms if r is not None and r.certify_ms is not None else 0.0 for r in runs]
                second = [r.wait_ms if r is not None and r.wait_ms is not None else 0.0 for r in runs]
                ax.bar(xs, first, 0.6, color=SERIES_COLORS[0], label="leader: certify (2PC: reads + prepares replicated)")
                ax.bar(xs, second, 0.6, bottom=first, color=SERIES_COLORS[1],
                       label="leader: watermark wait (2PC: decision replicated)")
                p50s = [(x, r.p50_ms) for x, r in zip(xs, runs) if r is not None and r.p50_ms is not None]
                if p50s:
                    ax.plot([x for x, _ in p50s], [y for _, y in p50s], linestyle="none", marker="D", color="black",
                            label="client p50 (call to commit)")
                for x, r in zip(xs, runs):
                    if r is None or r.certify_ms is None:
                        ax.text(x, 0.01, "n/a", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                                fontsize=7, color="gray")
                ax.set_xticks(xs)
                ax.set_xticklabels(cats)
                ax.grid(False, axis="x")
                top = max([f + s for f, s in zip(first, second)] + [y for _, y in p50s] + [1.0])
                ax.set_ylim(0, top * 1.12)
                ax.legend()
            return finish_figure(fig, f"Latency split at the shard leaders vs. what the client sees ({MATRIX_CLIENTS} clients)",
                                 shared_legend=flat(axes))

        def clients_sweep():
            sweep = self.sweep(inv.results_dir)
            if not sweep:
                return None
            workloads = sorted({w for w, _, _ in sweep})
            fig, axes = new_figure(1, len(workloads), cell_w=5.0, cell_h=3.6)
            for ax, w in zip(axes[0], workloads):
                series = [(k, v) for k, v in sorted(sweep.items(), key=lambda kv: (MODES.index(kv[0][1]), kv[0][2] or 0))
                          if k[0] == w]
                xs = sorted({c for _, v in series for c in v})
                lines = []
                for j, ((_, mode, rtt), by_clients) in enumerate(series):
                    label = MODE_LABELS[mode] + ("" if rtt is None else f", {rtt} ms")
                    lines.append(LineSeries(label, xs, [by_clients[c].throughput if c in by_clients else None for c in xs],
                                            MODE_COLORS[mode], LINESTYLES[j % len(LINESTYLES)], MARKERS[j % len(MARKERS)]))
                trend_lines(ax, lines, "Closed-loop clients", "Committed txn/s", xs, always_legend=True)
                ax.set_title(w)
            return finish_figure(fig, "Throughput vs. number of clients")

        return [
            ("txn-tput-vs-cross-share", tput_vs_cross),
            ("txn-vs-rtt", vs_rtt),
            ("txn-abort-rate", abort_rates),
            ("txn-latency-split", latency_split),
            ("txn-clients-sweep", clients_sweep),
        ]

    # ---- markdown --------------------------------------------------------------------

    def fuzz_block(self, inv: Inventory) -> str:
        rows = []
        for mode, crashing in FUZZ:
            rel = fuzz_path(mode, crashing)
            o = inv.outcome(rel)
            r = inv.result(rel)
            if not isinstance(r, TxnFuzzResult):
                rows.append([mode, crashing, md.code(rel), md.status_mark(o), md.NONE, md.NONE])
                continue
            if r.txns_total is not None:
                txns = (f"{r.txns_total:,} ({r.txns_committed:,} committed, {r.txns_aborted:,} aborted,"
                        f" {r.txns_unknown:,} unknown; {r.txns_cross:,} across shards)")
            else:
                txns = md.NONE
            rows.append([mode, crashing, md.code(rel), f"**{r.outcome}**", txns, fault_summary(r, crashing == "yes")])
        return "\n\n".join([
            "Each run: 5 clients of the stdin/stdout client run random list-append transactions (1–6 operations,"
            " half of them across shards) for 20 s on a local cluster of 3 managers and 3 shards × rf 3 running"
            " the txn_mode; the history is checked for strict serializability (Elle-style list-append checker)."
            " Crashing: a shard leader is killed -9 a third of the way in and restarted at two thirds.",
            md.table(["txn_mode", "Crashing", "Log", "Outcome", "Transactions checked", "Faults (from the log)"],
                     rows, "cclcll"),
            "Faults are what the log's `Faults during the run:` section records, not what the run's name says.",
        ])

    def _cell(self, r: Optional[TxnBenchResult], o: RunOutcome) -> str:
        if r is None:
            return md.status_mark(o)
        return f"{md.num(round(r.throughput))} ({r.abort_rate:.1f} %)"

    @staticmethod
    def _lat(r: Optional[TxnBenchResult]) -> str:
        if r is None or r.p50_ms is None or r.p99_ms is None:
            return md.NONE
        return f"{r.p50_ms:,.1f} / {r.p99_ms:,.1f}"

    @staticmethod
    def _ratio(x: Optional[float]) -> str:
        return md.NONE if x is None else f"{x:.2f}×"

    def bench_block(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> str:
        def fig(name: str, alt: str) -> str:
            return md.figure(plots[name], alt, ctx.plots_rel)

        def b(w: str, m: str, rtt: Optional[int]) -> Tuple[Optional[TxnBenchResult], RunOutcome]:
            rel = bench_path(w, m, None if m == "rf1" else rtt)
            return self.bench(inv, w, m, None if m == "rf1" else rtt), inv.outcome(rel)

        rows = []
        targets = []
        for w in WORKLOADS:
            for rtt in RTTS:
                (mk, mo), (tp, to), (u1, uo) = b(w, "mako", rtt), b(w, "2pc", rtt), b(w, "rf1", rtt)
                r2, r1 = ratio(mk, tp), ratio(mk, u1)
                rows.append([w, str(rtt), self._cell(mk, mo), self._cell(tp, to), self._cell(u1, uo),
                             self._ratio(r2), self._ratio(r1), self._lat(mk), self._lat(tp), self._lat(u1)])
                if rtt == TARGET_RTT:
                    targets.append([
                        w, self._ratio(r2), md.NONE if r2 is None else ("yes" if r2 >= TARGET_VS_2PC else "**no**"),
                        self._ratio(r1), md.NONE if r1 is None else ("yes" if r1 >= TARGET_VS_RF1 else "**no**"),
                    ])
        main_table = md.table(
            ["Workload", "RTT (ms)", "Mako txn/s (abort)", "2PC txn/s (abort)", "rf1 txn/s (abort)", "Mako / 2PC",
             "Mako / rf1", "Mako p50 / p99 (ms)", "2PC p50 / p99 (ms)", "rf1 p50 / p99 (ms)"],
            rows, "lrrrrrrrrr")
        target_table = md.table(
            ["Workload", "Mako / 2PC", f"≥ {TARGET_VS_2PC:g}×", "Mako / rf1", "within 2× of rf1"], targets, "lrcrc")

        split_rows = []
        for w in (HEADLINE, "bank"):
            for m in MODES:
                for rtt in (RTTS if m != "rf1" else (None,)):
                    r, o = b(w, m, rtt)
                    where = f"{rtt} ms" if rtt is not None else "—"
                    if r is None:
                        split_rows.append([w, m, where, md.status_mark(o), md.NONE, md.NONE, md.NONE, md.NONE])
                    elif r.certify_ms is None:
                        split_rows.append([w, m, where, f"n/a ({r.split_na or 'not in the log'})", md.NONE,
                                           md.num(r.p50_ms, 1), md.NONE, md.NONE])
                    else:
                        ticks = ", ".join(f"{s.tick_ms:.2f}" for s in r.shards) or md.NONE
                        split_rows.append([w, m, where, f"{r.certify_ms:,.1f}", f"{r.wait_ms:,.1f}",
                                           md.num(r.p50_ms, 1), md.num(r.avg_ms, 1), ticks])
        split_table = md.table(
            ["Workload", "Mode", "RTT", "Certify (ms)", "Wait (ms)", "Client p50 (ms)", "Client avg (ms)",
             "ms per tick (s0, s1, s2)"], split_rows, "llrrrrrl")

        bank_notes = []
        for m in MODES:
            for rtt in (RTTS if m != "rf1" else (None,)):
                r, _ = b("bank", m, rtt)
                if r is not None and r.bank_ok is False:
                    bank_notes.append(f"- **{md.code(bench_path('bank', m, rtt))}: bank check FAILED**: {r.bank_problems}")
        checked = sum(1 for m in MODES for rtt in (RTTS if m != "rf1" else (None,))
                      if (lambda r: r is not None and r.bank_ok is True)(b("bank", m, rtt)[0]))
        bank_line = (f"Bank check (after each bank run, a quiescent read of every account and branch: accounts and branches"
                     f" each sum to 0, every branch equals its accounts): {checked} run(s) OK"
                     + (", and these FAILED:\n\n" + "\n".join(bank_notes) if bank_notes else "."))

        sweep = self.sweep(inv.results_dir)
        sweep_part: List[str] = []
        if sweep:
            srows = []
            for (w, m, rtt), by in sorted(sweep.items(), key=lambda kv: (kv[0][0], MODES.index(kv[0][1]), kv[0][2] or 0)):
                for c in sorted(by):
                    r = by[c]
                    srows.append([w, m, md.NONE if rtt is None else str(rtt), str(c), md.num(round(r.throughput)),
                                  f"{r.abort_rate:.1f} %", self._lat(r),
                                  md.NONE if r.certify_ms is None else f"{r.certify_ms:,.1f} + {r.wait_ms:,.1f}"])
            sweep_part = [
                "### Throughput vs. number of clients",
                "Runs found at other client counts (`npx just p4::bench --clients N …`), with the matrix's"
                f" {MATRIX_CLIENTS}-client run of the same series.",
                fig("txn-clients-sweep", "throughput vs clients"),
                md.table(["Workload", "Mode", "RTT (ms)", "Clients", "txn/s", "Abort rate", "p50 / p99 (ms)",
                          "Leader certify + wait (ms)"], srows, "llrrrrrr"),
            ]

        return "\n\n".join([
            "Measured by `npx just p4::bench` on one machine over loopback: each mode on a fresh local cluster of"
            f" 3 manager replicas and 3 shards (× rf 3 for Mako and 2PC, × rf 1 unreplicated, which runs Mako),"
            f" the replication RTT injected on the shards' Raft links (`--repl-rtt-ms`); {MATRIX_CLIENTS}"
            " closed-loop clients of the client library, each with one transaction in flight. Throughput counts"
            " committed transactions; the abort rate is aborted runs over runs (the client reruns an aborted"
            " transaction, up to 10 runs); latency is a committed transaction's, from the call to the commit."
            " Workloads: `micro-N` is Mako's micro-benchmark (50 % transactions of 4 GETs, 50 % of 4 INCRs, keys"
            " uniform over the keys of each shard, N % of transactions across shards); `bank` is TPC-A-like transfers"
            " (INCR both accounts and both branches, two thirds of transfers across shards). By default 10,000 keys,"
            " or 1,000 accounts and 100 branches, per shard; each log's first lines give its run's.",
            "### Throughput, abort rate and latency",
            main_table,
            f"Targets of the stage, at {TARGET_RTT} ms RTT: Mako at least {TARGET_VS_2PC:g}× 2PC's throughput, and"
            " within 2× of unreplicated (Mako / rf1 ≥ 0.5):",
            target_table,
            fig("txn-tput-vs-cross-share", "throughput vs cross-shard share"),
            fig("txn-vs-rtt", "throughput and latency vs replication RTT"),
            fig("txn-abort-rate", "abort rate"),
            "### Latency breakdown",
            "The shard leaders count, for the transactions they coordinate and commit, the time up to the second"
            " phase (Mako: read, lock, clock, validate and install among the leaders; 2PC: reads, then every"
            " participant's prepare replicated) and from there to the reply (Mako: the watermark wait, i.e."
            " replication and the watermark exchange; 2PC: the decision replicated). They count in core ticks"
            " (nominally 1 ms; a loaded process ticks slower), converted with the ms per tick measured over the"
            " window. The client's latency adds the network, queueing in the loaded processes and reruns of"
            " aborted transactions.",
            fig("txn-latency-split", "latency split"),
            split_table,
            bank_line,
        ] + sweep_part)

    def markdown(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> List[Part]:
        return [
            "# CS 739 MadKV Project 4",
            "**Group members**: Name `email`, Name `email`",
            md.comment(md.EDITING_NOTE.format(stage=self.key)),
            Generated("status", md.run_status_block(inv, self.key, ctx.source_note)),
            "## Design Walkthrough",
            md.fixme("add your design walkthrough text (Mako's certification among shard leaders, the replicated"
                     " log and the watermarks, epochs and failure recovery; the 2PC baseline)"),
            "## Fuzz Testing",
            Generated("fuzz", self.fuzz_block(inv)),
            "### Comments",
            md.fixme("add your comments on fuzz testing (and which mutation each run catches)"),
            "## Benchmarks",
            Generated("bench", self.bench_block(inv, plots, ctx)),
            "### Comments",
            md.fixme("add your discussion of the benchmark results (how throughput and latency change with the"
                     " replication RTT and the cross-shard share, and why; what limits each mode)"),
            "## Additional Discussion",
            md.optional("add extra discussions if applicable"),
        ]

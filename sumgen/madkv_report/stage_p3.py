"""Project 3's report: the template's (stage_scaled.py along the replication factor) plus our
own sections: the scenario testcases' verdicts, the nemesis runs, the speed figures of
`npm run bench:p3` (comparison with etcd, failover latency, restart and memory), and the
physical topology every p3 log records.
"""

from __future__ import annotations

import glob
import os
from typing import Dict, List, Optional, Tuple

from . import markdown as md
from .logtext import LogFormatError, read_log_lines
from .p3logs import NemesisRun, Topology, parse_nemesis_log, parse_scenario_log, parse_topology
from .perfjson import PERF_COMMANDS, PerfFileError, Record, load_perf, throughput_rows
from .plotting import PlotOutcome
from .reportfile import Generated, Part
from .runs import PRESENT, Inventory, Run
from .stage import ReportContext
from .stage_scaled import ScaledStage

FAILOVER_TARGET_P99_MS = 2000
RESTART_TARGET_MS = 5000
ETCD_TARGET_RATIO = 2.0
MAX_SCHEDULE_LINES = 400


def _read(path: str) -> Optional[List[str]]:
    try:
        return read_log_lines(path)
    except OSError:
        return None


class P3Stage(ScaledStage):
    # ---- runs: the template's, then the four scenario testcases ----------------------

    def testcase_path(self, num: int) -> str:
        return f"tests/test{num}.log"

    def runs(self) -> List[Run]:
        return super().runs() + [
            Run("testcase", self.testcase_path(i), f"testcase {i}: {s}", f"npx just {self.key}::testcase {i}", (str(i),))
            for i, s in enumerate(self.text.scenarios, start=1)
        ]

    # ---- markdown --------------------------------------------------------------------

    def markdown(self, inv: Inventory, plots: Dict[str, PlotOutcome], ctx: ReportContext) -> List[Part]:
        parts = super().markdown(inv, plots, ctx)
        out: List[Part] = []
        for part in parts:
            if isinstance(part, Generated) and part.name == "testcases":
                out.append(Generated("testcases", self.testcases_block(inv)))
                continue
            out.append(part)
            if isinstance(part, Generated) and part.name == "status":
                out.append(Generated("topology", self.topology_block(inv.results_dir)))
            elif isinstance(part, Generated) and part.name == "fuzz":
                out.append(Generated("nemesis", self.nemesis_block(inv.results_dir)))
            elif isinstance(part, Generated) and part.name == "bench":
                out.append(Generated("perf", self.perf_block(inv.results_dir)))
        return out

    # ---- scenario verdicts -----------------------------------------------------------

    def testcases_block(self, inv: Inventory) -> str:
        rows = []
        for i, desc in enumerate(self.text.scenarios, start=1):
            rel = self.testcase_path(i)
            o = inv.outcome(rel)
            if o.status != PRESENT:
                rows.append([str(i), desc, md.code(rel), md.status_mark(o), md.NONE, f"run {md.code(o.run.command)}"])
                continue
            lines = _read(os.path.join(inv.results_dir, rel)) or []
            try:
                s = parse_scenario_log(lines)
            except LogFormatError as err:
                rows.append([str(i), desc, md.code(rel), f"{md.UNPARSEABLE_MARK} ({err})", md.NONE, f"re-run {md.code(o.run.command)}"])
                continue
            notes = []
            if s.failover_ms is not None:
                notes.append(f"first acknowledged write {s.failover_ms} ms after kill -9 of the leader")
            if s.failures:
                notes.append("failed: " + "; ".join(s.failures[:3]))
            if s.num != i:
                notes.append(f"the log is of testcase {s.num}")
            rows.append([str(i), desc, md.code(rel), f"**{s.verdict}**", f"{s.checks_ok}/{s.checks}", "; ".join(notes) or md.NONE])
        scenario_list = "\n".join(f"- {s}" for s in self.text.scenarios)
        return "\n\n".join([
            self.text.scenarios_intro,
            scenario_list,
            "Each runs as `npx just p3::testcase <N>` (or `all`) on a cluster of its own (3 manager replicas,"
            " 2 partitions × rf 3, every node a process on loopback, kill -9 for every failure), printing"
            " each step and what it observed; the verdict is the log's last line.",
            md.table(["#", "Scenario", "Log", "Verdict", "Checks", "Notes"], rows, "rllcrl"),
            self.text.testcase_demo,
        ])

    # ---- nemesis ---------------------------------------------------------------------

    def nemesis_block(self, results_dir: str) -> str:
        logs = sorted(glob.glob(os.path.join(results_dir, "nemesis", "*.log")))
        head = "### Nemesis runs"
        how = (
            "A nemesis run injects random faults (kill -9 and restart, SIGSTOP/SIGCONT, cut or delayed"
            " links through the link proxies) into a minority of every group of a local cluster, beside a"
            " fuzz run on the same cluster: `npx just p3::cluster`, then `MADKV_RUNNER_ARGS=\"--duration 320\""
            " npx just p3::fuzz 3 yes` and, once it runs, `npx just p3::nemesis 300`"
            f" (→ `nemesis/nemesis-<duration>s-<seed>.log`, ending with the fuzz run's verdict)."
        )
        if not logs:
            return "\n\n".join([head, how, f"*No nemesis logs under `{results_dir}/nemesis/` yet.*"])
        rows, schedules = [], []
        for path in logs:
            rel = os.path.relpath(path, results_dir)
            lines = _read(path)
            if lines is None:
                rows.append([md.code(rel), f"{md.UNPARSEABLE_MARK} (cannot read it)"] + [md.NONE] * 5)
                continue
            try:
                run = parse_nemesis_log(lines)
            except LogFormatError as err:
                rows.append([md.code(rel), f"{md.UNPARSEABLE_MARK} ({err})"] + [md.NONE] * 5)
                continue
            rows.append(self._nemesis_row(rel, run))
            shown = run.events[:MAX_SCHEDULE_LINES]
            more = len(run.events) - len(shown)
            body = "\n".join(f"+{t:6.1f} s  {what}" for t, what in shown) + (f"\n… and {more} more lines" if more > 0 else "")
            schedules.append(md.details(f"What {rel} injected, and when ({len(run.events)} actions)", f"```\n{body}\n```"))
        table = md.table(["Log", "Duration", "Seed", "Faults injected", "On leaders", "End", "Fuzz run beside it"], rows, "lrrlrll")
        return "\n\n".join([head, how, table] + schedules)

    @staticmethod
    def _nemesis_row(rel: str, run: NemesisRun) -> List[str]:
        kinds = ", ".join(f"{k} {n}" for k, n in run.by_kind)
        if run.healthy_end:
            end = "all undone, every group led"
        else:
            end = "; ".join(x for x in [f"NOT recovered: {run.not_recovered}" if run.not_recovered else "", run.leaderless] if x)
        fuzz = "; ".join(f"{md.code(log)} **{verdict}**" if log != "none" else "none recorded (schedule only)"
                         for log, verdict in run.fuzz) or "not recorded"
        return [md.code(rel), f"{run.duration_s} s", str(run.seed), f"{run.injected} ({kinds})", str(run.on_leaders), end, fuzz]

    # ---- speed figures ---------------------------------------------------------------

    def perf_block(self, results_dir: str) -> str:
        parts = [
            "### Beyond YCSB: comparison with etcd, failover, restart and memory",
            "Measured by `npm run bench:p3` on one machine over loopback, with the client library as the load"
            " generator (no stdin/stdout client processes in the way), and written to"
            f" `{results_dir}/perf/*.json`.",
        ]
        for kind, title, render in (
            ("throughput", "#### Throughput beside etcd 3.4", self._throughput),
            ("failover", "#### Leader failover", self._failover),
            ("restart", "#### Restart and memory", self._restart),
        ):
            parts.append(title)
            rel = f"perf/{kind}.json"
            try:
                record = load_perf(results_dir, kind)
            except PerfFileError as err:
                parts.append(f"*`{rel}` is malformed: {err}. Re-run `{PERF_COMMANDS[kind]}` to write it again.*")
                continue
            if record is None:
                parts.append(f"*No `{rel}` under `{results_dir}/` yet: `{PERF_COMMANDS[kind]}` writes it.*")
                continue
            parts.append(render(record))
        return "\n\n".join(parts)

    @staticmethod
    def _measured(r: Record) -> str:
        return f"Measured {r['when']} on host `{r['host']}`"

    def _throughput(self, r: Record) -> str:
        def ms(a: Optional[float], b: Optional[float]) -> str:
            return md.NONE if a is None or b is None else f"{a:,.2f} / {b:,.2f}"

        rows = []
        for row in throughput_rows(r):
            ratio = row["ratio"]
            rows.append([
                md.count(int(row["clients"])), row["op"].upper(), md.num(round(row["ours_ops"])),
                md.num(round(row["etcd_ops"])) if row["etcd_ops"] is not None else "not measured",
                f"{ratio:.2f}×" if ratio is not None else md.NONE,
                "yes" if ratio is not None and ratio >= ETCD_TARGET_RATIO else ("no" if ratio is not None else md.NONE),
                ms(row["ours_p50_ms"], row["ours_p99_ms"]), ms(row["etcd_p50_ms"], row["etcd_p99_ms"]),
            ])
        note = (
            f"{self._measured(r)} ({r['cpus']} CPUs): rf {r['rf']}, {r['partitions']} partition(s),"
            f" {r['valueBytes']}-byte values, {r['seconds']} s per point; PUTs and linearizable GETs."
            f" etcd: 3 members on loopback, driven over gRPC by a driver of the same shape. The target is"
            f" at least {ETCD_TARGET_RATIO:g}× etcd's ops/s."
        )
        table = md.table(["Clients", "Op", "Ours (ops/s)", "etcd (ops/s)", "Ratio", f"≥ {ETCD_TARGET_RATIO:g}×",
                          "Ours p50 / p99 (ms)", "etcd p50 / p99 (ms)"], rows, "rlrrrcrr")
        return note + "\n\n" + table

    def _failover(self, r: Record) -> str:
        met = r["p99_ms"] < FAILOVER_TARGET_P99_MS
        table = md.table(
            ["rf", "Leader kills", "p50 (ms)", "p99 (ms)", "max (ms)", f"p99 < {FAILOVER_TARGET_P99_MS:,} ms"],
            [[str(r["rf"]), str(r["kills"]), md.num(r["p50_ms"]), md.num(r["p99_ms"]), md.num(r["max_ms"]), "yes" if met else "**no**"]],
            "rrrrrc",
        )
        samples = ", ".join(md.num(s) for s in r["samples_ms"])
        return "\n\n".join([
            f"{self._measured(r)}: time from kill -9 of a partition leader to the first write acknowledged"
            f" by its successor, over {r['kills']} kills.",
            table,
            md.details(f"The {len(r['samples_ms'])} samples (ms)", samples or md.NONE),
        ])

    def _restart(self, r: Record) -> str:
        met = r["restart_ms"] < RESTART_TARGET_MS
        table = md.table(
            ["Keys", "Restart (ms)", f"< {RESTART_TARGET_MS / 1000:g} s", "Leader RSS (MB)", "Follower RSS (MB)",
             "Largest log (bytes)", "Snapshot (bytes)"],
            [[md.count(int(r["keys"])), md.num(r["restart_ms"]), "yes" if met else "**no**", md.num(r["leader_rss_mb"]),
              md.num(r["follower_rss_mb"]), md.count(int(r["log_bytes_max"])), md.count(int(r["snapshot_bytes"]))]],
            "rrcrrrr",
        )
        return "\n\n".join([
            f"{self._measured(r)}: a replica holding {md.count(int(r['keys']))} keys restarted from its snapshot and"
            " log; RSS of the leader and of a follower with those keys; the largest replica log seen"
            " (bounded by snapshots) and the snapshot's size.",
            table,
        ])

    # ---- topology --------------------------------------------------------------------

    def topology_block(self, results_dir: str) -> str:
        head = "### Physical topology"
        groups: Dict[Tuple[str, Tuple[Tuple[str, str, str], ...]], Tuple[Topology, List[str]]] = {}
        without: List[str] = []
        for sub in ("tests", "fuzz", "bench", "nemesis"):
            for path in sorted(glob.glob(os.path.join(results_dir, sub, "*.log"))):
                rel = os.path.relpath(path, results_dir)
                lines = _read(path)
                topo = parse_topology(lines) if lines is not None else None
                if topo is None:
                    without.append(rel)
                    continue
                key = (topo.host + "|" + topo.source, tuple((n.node, n.address, n.where) for n in topo.nodes))
                groups.setdefault(key, (topo, []))[1].append(rel)
        if not groups:
            note = f"*No log under `{results_dir}/` records its topology yet" + (
                f" ({len(without)} logs from before logs carried it)." if without else ".") + "*"
            return "\n\n".join([head, note])
        rows, layouts = [], []
        for n, (topo, logs) in enumerate(groups.values(), start=1):
            places = ", ".join(topo.hosts()) or md.NONE
            rows.append([str(n), f"`{topo.host}`", topo.source, str(len(topo.nodes)), places, _short_list(logs)])
            layouts.append(md.details(
                f"Layout {n}: {topo.source}",
                md.table(["Node", "Address", "Where"], [[x.node, md.code(x.address), x.where] for x in topo.nodes], "lll"),
            ))
        parts = [
            head,
            "Where every run's nodes ran, as each log records it (the local cluster's layout, or the managers"
            " given and the servers of their map, with the host of each address). Runs recorded on the same"
            " layout share a row.",
            md.table(["Layout", "Recorded on", "Cluster", "Nodes", "Where the nodes ran", "Logs"], rows, "rllrll"),
        ] + layouts
        if without:
            parts.append(f"{len(without)} log(s) record no topology (recorded before logs carried it): "
                         + _short_list(without) + ".")
        return "\n\n".join(parts)


def _short_list(paths: List[str], limit: int = 12) -> str:
    shown = ", ".join(md.code(p) for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")

"""Numbers out of parsed bench results, in the shapes the plots and tables want."""

from __future__ import annotations

from typing import Iterable, List, Optional

from . import markdown as md
from .benchlog import BenchResult
from .runs import PRESENT, RunOutcome

OP_ORDER = ["READ", "UPDATE", "INSERT", "SCAN", "READ-MODIFY-WRITE"]

SUMMARY_HEADERS = ["Throughput (ops/sec)", "Avg latency (µs)", "P99 latency (µs)"]
OP_HEADERS = ["Op", "Ops", "Avg (µs)", "P50 (µs)", "P99 (µs)", "Max (µs)"]


def metric(result: Optional[BenchResult], name: str) -> Optional[float]:
    """name: throughput, avg or p99 (operation-agnostic)."""
    if result is None:
        return None
    if name == "throughput":
        return result.throughput
    if name == "avg":
        return result.avg_latency_us
    if name == "p99":
        return result.p99_latency_us
    raise KeyError(name)


def op_metric(result: Optional[BenchResult], op: str, name: str) -> Optional[float]:
    """name: avg, p50 or p99 of one operation; None where the log lacks it."""
    if result is None or op not in result.ops:
        return None
    lat = result.ops[op]
    if name == "avg":
        return lat.avg_us
    if name == "p50":
        return lat.p50_us
    if name == "p99":
        return lat.p99_us
    raise KeyError(name)


def ops_of(results: Iterable[Optional[BenchResult]]) -> List[str]:
    seen = set()
    for r in results:
        if r is not None:
            seen.update(r.ops)
    known = [op for op in OP_ORDER if op in seen]
    return known + sorted(seen - set(OP_ORDER))


def any_p50(results: Iterable[Optional[BenchResult]]) -> bool:
    return any(r is not None and r.has_p50 for r in results)


def summary_cells(outcome: RunOutcome) -> List[str]:
    """Throughput, average and p99 cells, or the missing/unparseable mark and blanks."""
    if outcome.status != PRESENT or not isinstance(outcome.result, BenchResult):
        return [md.status_mark(outcome), md.NONE, md.NONE]
    r = outcome.result
    return [md.num(r.throughput), md.num(r.avg_latency_us), md.num(r.p99_latency_us)]


def op_rows(prefix: List[str], outcome: RunOutcome) -> List[List[str]]:
    """One row per operation of a run: prefix cells then OP_HEADERS cells."""
    if outcome.status != PRESENT or not isinstance(outcome.result, BenchResult):
        return [prefix + [md.status_mark(outcome)] + [md.NONE] * (len(OP_HEADERS) - 1)]
    rows = []
    r = outcome.result
    for op in ops_of([r]):
        lat = r.ops[op]
        rows.append(prefix + [
            op, md.count(lat.ops), md.num(lat.avg_us), md.num(lat.p50_us),
            md.num(lat.p99_us), md.num(lat.max_us),
        ])
    return rows


PERCENTILE_NOTE = (
    "Latencies are from the `[Run]` phase. The op-agnostic average weights each operation's"
    " average by its count and the op-agnostic p99 is the largest per-operation p99 (the"
    " template's rules). Per-operation p50/p99 come from the runner's merged percentiles"
    " (`[OP], 50thPercentileLatency(us), …` lines) where the log has them; otherwise p99 is"
    " the largest of the clients' p99s and p50 is shown as —."
)

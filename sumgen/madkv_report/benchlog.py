"""Parse the [Run] section of a YCSB benchmark log (the template's format and ours).

The block the template's runner prints, and ours too:

    Benchmarking results:  YCSB-a  10 clients
      [Load]  812 ms
        Throughput:  12345.67 ops/sec
        Latency:    INSERT  ops  10000  avg  79.12  min  30  max  4012  p99  301  us
      [Run]   1530 ms
        Throughput:  ...
        Latency:    READ    ops   5012  avg ...
                    UPDATE  ops   4988  avg ...

Our runner also prints YCSB's own lines for the run phase, e.g.
``[READ], 50thPercentileLatency(us), 123``, under the heading
``  YCSB measurements of the [Run] phase (all N clients):``; where present they give the p50
and p99 per operation (the block's p99 is the max over clients' p99s, the template's merge
rule). Since the template's report script reads every line after the block's ``[Run]``, our
runner prints them before the block; logs from before that change have them after it, and
both are read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .logtext import LogFormatError

HEADER_RE = re.compile(r"Benchmarking results:\s*YCSB-(\w+)\s+(\d+)\s+clients?")
PHASE_RE = re.compile(r"^\s*\[(Load|Run)\]\s+([0-9.]+)\s*ms\b")
THROUGHPUT_RE = re.compile(r"Throughput:\s*([0-9.]+)\s*ops/sec")
NUM = r"([0-9]+(?:\.[0-9]+)?)"
LATENCY_RE = re.compile(
    r"(?:Latency:)?\s*([A-Z][A-Z0-9_-]*)\s+ops\s+(\d+)\s+avg\s+" + NUM
    + r"\s+min\s+" + NUM + r"\s+max\s+" + NUM + r"\s+p99\s+" + NUM + r"\s+us\b"
)
YCSB_METRIC_RE = re.compile(
    r"^\s*\[([A-Z][A-Z0-9_-]*)\],\s*(\w+)\(us\),\s*([-+0-9.eE]+|NaN)\s*$"
)
PERCENTILE_METRICS = {"50thPercentileLatency": "p50", "99thPercentileLatency": "p99"}
YCSB_LINE_RE = re.compile(r"^\s*\[[A-Z][A-Z0-9_-]*\],")
YCSB_RUN_HEADING_RE = re.compile(r"YCSB measurements of the \[Run\] phase")


@dataclass
class OpLatency:
    op: str
    ops: int
    avg_us: float
    min_us: float
    max_us: float
    block_p99_us: float
    # From the YCSB-style percentile lines of our runner; None in the template's logs.
    p50_us: Optional[float] = None
    merged_p99_us: Optional[float] = None

    @property
    def p99_us(self) -> float:
        return self.merged_p99_us if self.merged_p99_us is not None else self.block_p99_us


@dataclass
class BenchResult:
    workload: str
    nclients: int
    run_ms: float
    throughput: float
    ops: Dict[str, OpLatency] = field(default_factory=dict)

    @property
    def avg_latency_us(self) -> float:
        """Operation-agnostic average: per-op averages weighted by operation count."""
        total = sum(lat.ops for lat in self.ops.values())
        if total == 0:
            return sum(lat.avg_us for lat in self.ops.values()) / len(self.ops)
        return sum(lat.ops * lat.avg_us for lat in self.ops.values()) / total

    @property
    def p99_latency_us(self) -> float:
        """Operation-agnostic p99: the max of the per-op p99s (the template's rule)."""
        return max(lat.p99_us for lat in self.ops.values())

    @property
    def has_p50(self) -> bool:
        return any(lat.p50_us is not None for lat in self.ops.values())


def _finite(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_bench_log(lines: List[str]) -> BenchResult:
    header_at = None
    for i, line in enumerate(lines):
        if "Benchmarking results:" in line:
            header_at = i  # the last block wins if a log holds more than one
    if header_at is None:
        raise LogFormatError("no 'Benchmarking results:' block (run interrupted?)")
    header = HEADER_RE.search(lines[header_at])
    if header is None:
        raise LogFormatError("malformed 'Benchmarking results:' line")

    run_at = None
    run_ms = 0.0
    for i in range(header_at + 1, len(lines)):
        m = PHASE_RE.match(lines[i])
        if m and m.group(1) == "Run":
            run_at, run_ms = i, float(m.group(2))
            break
    if run_at is None:
        raise LogFormatError("no [Run] section in the results block (run interrupted?)")

    throughput = None
    ops: Dict[str, OpLatency] = {}
    percentiles: Dict[str, Dict[str, float]] = {}

    def take_percentile(line: str) -> bool:
        """Record a p50/p99 line; tell whether the line is one of YCSB's at all."""
        m = YCSB_METRIC_RE.match(line)
        if m is None:
            return YCSB_LINE_RE.match(line) is not None
        if m.group(2) in PERCENTILE_METRICS:
            value = _finite(m.group(3))
            if value is not None:
                percentiles.setdefault(m.group(1), {})[PERCENTILE_METRICS[m.group(2)]] = value
        return True

    # The run phase's YCSB lines printed before the block (the current runner).
    for i in range(header_at - 1, -1, -1):
        if YCSB_RUN_HEADING_RE.search(lines[i]):
            for line in lines[i + 1:header_at]:
                if not take_percentile(line):
                    break
            break

    for line in lines[run_at + 1:]:
        if PHASE_RE.match(line):
            break
        m = THROUGHPUT_RE.search(line)
        if m:
            throughput = float(m.group(1))
            continue
        m = LATENCY_RE.search(line)
        if m:
            op = m.group(1)
            ops[op] = OpLatency(
                op=op,
                ops=int(m.group(2)),
                avg_us=float(m.group(3)),
                min_us=float(m.group(4)),
                max_us=float(m.group(5)),
                block_p99_us=float(m.group(6)),
            )
            continue
        take_percentile(line)  # logs from before the YCSB lines moved ahead of the block

    if throughput is None:
        raise LogFormatError("no throughput line in the [Run] section")
    if not ops:
        raise LogFormatError("no per-operation latency lines in the [Run] section")
    for op, values in percentiles.items():
        if op in ops:
            ops[op].p50_us = values.get("p50")
            ops[op].merged_p99_us = values.get("p99")
    return BenchResult(
        workload=header.group(1).lower(),
        nclients=int(header.group(2)),
        run_ms=run_ms,
        throughput=throughput,
        ops=ops,
    )

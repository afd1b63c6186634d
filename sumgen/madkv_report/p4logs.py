"""Parse project 4's logs: `p4::bench` runs and the transactional fuzz's transaction counts.

A bench log (runner/src/bench/p4/bench-log.ts writes it; colour codes already removed):

    p4 bench: workload micro-5: Mako's micro-benchmark, ...
    Cluster:  3 managers, 3 shards × rf 3, txn_mode mako, repl rtt 50 ms; local cluster on vm ...
    Load:     256 closed-loop clients (...), 2 s warm-up, 10 s measured, seed 3; ...
    Benchmarking results:  TXN-micro-5  mako  rtt 50  256 clients
      [Run]  10000 ms
        Throughput:  2838.12 txn/sec
        Txns:  committed 28381  cross-shard 1420  attempts 28500  aborted-attempts 119  gave-up 0  unknown 0
        Abort rate:  0.42 %
        Latency:  p50 84.34  p99 154.37  avg 87.97  max 287.90  ms
        Split:  all  committed 11565  certify 1.56  wait 77.56  ms
        Split:  s0  committed 3837  certify 1.60  wait 75.50  tick 3.11  ms
        ...
      Bank check:  OK (...)            (bank only; or `FAILED: <problems>`)

`Latency:  n/a (...)` when nothing committed; `Split:  n/a (<why>)` when the shard leaders'
counters could not be used (a leader changed in the window). `rtt none` for rf 1.

The transactional fuzz log is a fuzz log (fuzzlog.py reads its outcome, `Ops stats:` and
faults) with, in addition:

      Txns stats:  Committed 812  Aborted 97  Unknown 0  (of 909, 455 across shards)
      Ran 909 transactions in 20.3 s (45 txns/s)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

from .fuzzlog import FuzzResult, parse_fuzz_log
from .logtext import LogFormatError

NUM = r"([0-9]+(?:\.[0-9]+)?)"
HEADER_RE = re.compile(r"Benchmarking results:\s*TXN-(\S+)\s+(mako|2pc|rf1)\s+rtt\s+(\d+|none)\s+(\d+)\s+clients?")
RUN_RE = re.compile(r"^\s*\[Run\]\s+" + NUM + r"\s*ms\b")
THROUGHPUT_RE = re.compile(r"Throughput:\s*" + NUM + r"\s*txn/sec")
TXNS_RE = re.compile(
    r"Txns:\s+committed\s+(\d+)\s+cross-shard\s+(\d+)\s+attempts\s+(\d+)\s+aborted-attempts\s+(\d+)"
    r"\s+gave-up\s+(\d+)\s+unknown\s+(\d+)"
)
ABORT_RE = re.compile(r"Abort rate:\s*" + NUM + r"\s*%")
LATENCY_RE = re.compile(r"Latency:\s+p50\s+" + NUM + r"\s+p99\s+" + NUM + r"\s+avg\s+" + NUM + r"\s+max\s+" + NUM + r"\s+ms\b")
LATENCY_NA_RE = re.compile(r"Latency:\s+n/a\b")
SPLIT_ALL_RE = re.compile(r"Split:\s+all\s+committed\s+(\d+)\s+certify\s+" + NUM + r"\s+wait\s+" + NUM + r"\s+ms\b")
SPLIT_SHARD_RE = re.compile(
    r"Split:\s+(s\d+)\s+committed\s+(\d+)\s+certify\s+" + NUM + r"\s+wait\s+" + NUM + r"\s+tick\s+" + NUM + r"\s+ms\b"
)
SPLIT_NA_RE = re.compile(r"Split:\s+n/a\s+\((.*)\)\s*$")
BANK_RE = re.compile(r"Bank check:\s+(OK|FAILED)\b:?\s*(.*)$")
TXNS_STATS_RE = re.compile(
    r"Txns stats:\s+Committed\s+(\d+)\s+Aborted\s+(\d+)\s+Unknown\s+(\d+)\s+\(of\s+(\d+),\s+(\d+)\s+across shards\)"
)
RAN_TXNS_RE = re.compile(r"^\s*Ran\s+(\d+)\s+transactions?\s+in\s+" + NUM + r"\s+s\b")


@dataclass
class ShardSplit:
    shard: str
    committed: int
    certify_ms: float
    wait_ms: float
    tick_ms: float


@dataclass
class TxnBenchResult:
    workload: str  # micro-5, bank, ...
    mode: str  # mako, 2pc, rf1
    rtt_ms: Optional[int]  # None for rf 1
    clients: int
    run_ms: float
    throughput: float  # committed txn/s
    committed: int
    cross: int
    attempts: int
    aborted_attempts: int
    gave_up: int
    unknown: int
    abort_rate: float  # percent
    p50_ms: Optional[float] = None
    p99_ms: Optional[float] = None
    avg_ms: Optional[float] = None
    max_ms: Optional[float] = None
    # The shard leaders' mean per committed transaction (None with split_na set, or absent).
    certify_ms: Optional[float] = None
    wait_ms: Optional[float] = None
    shards: List[ShardSplit] = field(default_factory=list)
    split_na: Optional[str] = None
    bank_ok: Optional[bool] = None  # None: not a bank run
    bank_problems: str = ""


def parse_txn_bench_log(lines: List[str]) -> TxnBenchResult:
    header_at = None
    for i, line in enumerate(lines):
        if "Benchmarking results:" in line:
            header_at = i
    if header_at is None:
        raise LogFormatError("no 'Benchmarking results:' block (run interrupted?)")
    h = HEADER_RE.search(lines[header_at])
    if h is None:
        raise LogFormatError("malformed 'Benchmarking results:' line (not a p4 bench log?)")
    body = lines[header_at + 1:]
    run_ms = throughput = txns = abort = None
    r = TxnBenchResult(
        workload=h.group(1), mode=h.group(2), rtt_ms=None if h.group(3) == "none" else int(h.group(3)),
        clients=int(h.group(4)), run_ms=0.0, throughput=0.0, committed=0, cross=0, attempts=0,
        aborted_attempts=0, gave_up=0, unknown=0, abort_rate=0.0,
    )
    latency_seen = False
    for line in body:
        m = RUN_RE.match(line)
        if m:
            run_ms = float(m.group(1))
            continue
        m = THROUGHPUT_RE.search(line)
        if m:
            throughput = float(m.group(1))
            continue
        m = TXNS_RE.search(line)
        if m:
            txns = [int(g) for g in m.groups()]
            continue
        m = ABORT_RE.search(line)
        if m:
            abort = float(m.group(1))
            continue
        m = LATENCY_RE.search(line)
        if m:
            r.p50_ms, r.p99_ms, r.avg_ms, r.max_ms = (float(g) for g in m.groups())
            latency_seen = True
            continue
        if LATENCY_NA_RE.search(line):
            latency_seen = True
            continue
        m = SPLIT_ALL_RE.search(line)
        if m:
            r.certify_ms, r.wait_ms = float(m.group(2)), float(m.group(3))
            continue
        m = SPLIT_SHARD_RE.search(line)
        if m:
            r.shards.append(ShardSplit(m.group(1), int(m.group(2)), float(m.group(3)), float(m.group(4)),
                                       float(m.group(5))))
            continue
        m = SPLIT_NA_RE.search(line)
        if m:
            r.split_na = m.group(1)
            continue
        m = BANK_RE.search(line)
        if m:
            r.bank_ok = m.group(1) == "OK"
            r.bank_problems = m.group(2).strip() if m.group(1) == "FAILED" else ""
    for name, value in (("[Run]", run_ms), ("Throughput:", throughput), ("Txns:", txns), ("Abort rate:", abort)):
        if value is None:
            raise LogFormatError(f"no '{name}' line in the results block (run interrupted?)")
    if not latency_seen:
        raise LogFormatError("no 'Latency:' line in the results block (run interrupted?)")
    r.run_ms, r.throughput, r.abort_rate = run_ms, throughput, abort  # type: ignore[assignment]
    r.committed, r.cross, r.attempts, r.aborted_attempts, r.gave_up, r.unknown = txns  # type: ignore[misc]
    return r


@dataclass
class TxnFuzzResult(FuzzResult):
    txns_committed: Optional[int] = None
    txns_aborted: Optional[int] = None
    txns_unknown: Optional[int] = None
    txns_total: Optional[int] = None
    txns_cross: Optional[int] = None
    txns_secs: Optional[float] = None


def parse_txn_fuzz_log(lines: List[str]) -> TxnFuzzResult:
    base = parse_fuzz_log(lines)
    out = TxnFuzzResult(**base.__dict__)
    for line in lines:
        m = TXNS_STATS_RE.search(line)
        if m:
            out.txns_committed, out.txns_aborted, out.txns_unknown, out.txns_total, out.txns_cross = (
                int(g) for g in m.groups())
            continue
        m = RAN_TXNS_RE.match(line)
        if m:
            out.txns_secs = float(m.group(2))
    if out.run_secs is None:  # the fault summary says "at 6.8 s of <run length>"
        out.run_secs = out.txns_secs
    return out

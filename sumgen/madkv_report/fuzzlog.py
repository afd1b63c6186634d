"""Parse a fuzz tester log: the outcome word, the operations checked, and the faults.

The lines read (colour codes already removed by logtext):

    Stopping clients...
      Ops stats:  Put 5000  Swap 5000  Get 7500  Scan 5000  Delete 2500
      Ran 25000 operations in 41.0 s (610 ops/s)
    Faults during the run:  2 injected, 17 operations retried by clients
      +12.4 s  s1  killed (SIGKILL)
      +20.9 s  s1  restarted
    ...
    Fuzz testing result: PASSED

The fault section lists what the harness injected, one line per event: seconds since the
run started, node id, and one of `killed (SIGKILL)`, `stopped (SIGTERM)`, `restarted`,
`paused (SIGSTOP)`, `resumed (SIGCONT)`, `link cut <a>-><b>`, `link healed <a>-><b>`.
Logs written before the runner recorded faults have no such section: their faults are
unknown (None), which is not the same as none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .logtext import LogFormatError

RESULT_RE = re.compile(r"Fuzz testing result:\s*([A-Za-z_]+)")
OPS_STATS_RE = re.compile(r"Ops stats:\s*(.*)$")
OPS_PAIR_RE = re.compile(r"([A-Za-z]+)\s+(\d+)")
RAN_RE = re.compile(r"^\s*Ran\s+(\d+)\s+operations?\s+in\s+([0-9]+(?:\.[0-9]+)?)\s+s\b")
FAULTS_HEADER_RE = re.compile(
    r"^\s*Faults during the run:\s+(\d+)\s+injected,\s+(\d+)\s+operations?\s+retried by clients\s*$"
)
FAULT_EVENT_RE = re.compile(r"^\s+\+([0-9]+(?:\.[0-9]+)?)\s+s\s+(\S+)\s+(\S.*?)\s*$")

KNOWN_OUTCOMES = ("PASSED", "FAILED", "UNFAIR", "UNKNOWN")


@dataclass(frozen=True)
class FaultEvent:
    at_s: float  # seconds since the run started
    node: str  # e.g. "s1", "m", "s0.2"
    event: str  # as logged, e.g. "killed (SIGKILL)", "link cut s1->s2"


@dataclass
class FaultRecord:
    injected: int
    retried: int  # operations the clients retried (reconnects after a fault, timeouts)
    events: List[FaultEvent] = field(default_factory=list)


@dataclass
class FuzzResult:
    outcome: str
    # Sum of the per-operation counts of the "Ops stats:" line; None when the line is absent.
    ops_checked: Optional[int]
    ops_by_kind: Dict[str, int] = field(default_factory=dict)
    # Length of the run from the "Ran N operations in S s" line; None when absent.
    run_secs: Optional[float] = None
    # None: the log has no fault section (written before faults were recorded).
    faults: Optional[FaultRecord] = None


def parse_fuzz_log(lines: List[str]) -> FuzzResult:
    outcome = None
    ops_by_kind: Dict[str, int] = {}
    run_secs: Optional[float] = None
    faults: Optional[FaultRecord] = None
    in_faults = False
    for line in lines:
        if in_faults:
            m = FAULT_EVENT_RE.match(line)
            if m and faults is not None:
                faults.events.append(FaultEvent(float(m.group(1)), m.group(2), m.group(3)))
                continue
            in_faults = False
        m = RESULT_RE.search(line)
        if m:
            if outcome is None:  # the first result line, as the template's script reads it
                outcome = m.group(1).upper()
            continue
        m = OPS_STATS_RE.search(line)
        if m:
            ops_by_kind = {kind: int(n) for kind, n in OPS_PAIR_RE.findall(m.group(1))}
            continue
        m = RAN_RE.match(line)
        if m:
            run_secs = float(m.group(2))
            continue
        m = FAULTS_HEADER_RE.match(line)
        if m:
            faults = FaultRecord(injected=int(m.group(1)), retried=int(m.group(2)))
            in_faults = True
    if outcome is None:
        raise LogFormatError("no 'Fuzz testing result:' line (run interrupted?)")
    if outcome not in KNOWN_OUTCOMES:
        raise LogFormatError(f"unknown fuzz outcome '{outcome}'")
    ops_checked = sum(ops_by_kind.values()) if ops_by_kind else None
    return FuzzResult(
        outcome=outcome, ops_checked=ops_checked, ops_by_kind=ops_by_kind, run_secs=run_secs, faults=faults,
    )

"""Parse a fuzz tester log: the outcome word and the number of operations checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .logtext import LogFormatError

RESULT_RE = re.compile(r"Fuzz testing result:\s*([A-Za-z_]+)")
OPS_STATS_RE = re.compile(r"Ops stats:\s*(.*)$")
OPS_PAIR_RE = re.compile(r"([A-Za-z]+)\s+(\d+)")

KNOWN_OUTCOMES = ("PASSED", "FAILED", "UNFAIR", "UNKNOWN")


@dataclass
class FuzzResult:
    outcome: str
    # Sum of the per-operation counts of the "Ops stats:" line; None when the line is absent.
    ops_checked: Optional[int]
    ops_by_kind: Dict[str, int] = field(default_factory=dict)


def parse_fuzz_log(lines: List[str]) -> FuzzResult:
    outcome = None
    ops_by_kind: Dict[str, int] = {}
    for line in lines:
        m = RESULT_RE.search(line)
        if m:
            outcome = m.group(1).upper()
            continue
        m = OPS_STATS_RE.search(line)
        if m:
            ops_by_kind = {kind: int(n) for kind, n in OPS_PAIR_RE.findall(m.group(1))}
    if outcome is None:
        raise LogFormatError("no 'Fuzz testing result:' line (run interrupted?)")
    if outcome not in KNOWN_OUTCOMES:
        raise LogFormatError(f"unknown fuzz outcome '{outcome}'")
    ops_checked = sum(ops_by_kind.values()) if ops_by_kind else None
    return FuzzResult(outcome=outcome, ops_checked=ops_checked, ops_by_kind=ops_by_kind)

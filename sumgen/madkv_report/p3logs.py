"""Parsers for the stage-3 logs beyond the template's: the topology block every p3 log opens
with, the recorded nemesis runs, and the details of the scenario testcases.

Topology (runner/src/record/topology.ts writes it):

    Topology:  host <name>  (<source>)
      <node>  <address>  <where>[  <state>]

Nemesis log (runner/src/faults/nemesis.ts, recorded by `p3::nemesis`):

    nemesis: 300 s on <dir>, seed 7; faults kill, pause every 500-3000 ms, lasting …
    +  1.2 s  kill -9 s0.1 (leader of partition 0); restart in 2.0 s
    +300.0 s  nemesis done: 97 faults (kill 20, pause 25, cut 30, delay 22; 40 on leaders)
      NOT recovered: s0.1 (kill)                 (only when some fault could not be undone)
      leaders: managers m.0, partition 0 s0.2, partition 1 s1.1
      no leader after 60 s in partition 1         (only when a group stayed leaderless)
    Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED

Scenario testcase (runner/src/scenarios/p3-testcase.ts):

    scenario 2: <title>
      ok    first acknowledged write 635 ms after the kill (…)
    p3 testcase 2: PASSED  (7/7 checks ok)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .logtext import LogFormatError

TOPOLOGY_RE = re.compile(r"^Topology:\s+host (\S+)\s+\((.*)\)\s*$")


@dataclass
class TopologyNode:
    node: str
    address: str
    where: str
    state: str = ""


@dataclass
class Topology:
    host: str
    source: str
    nodes: List[TopologyNode] = field(default_factory=list)

    def hosts(self) -> List[str]:
        """Where the nodes run, each place once, in order of appearance."""
        seen: List[str] = []
        for n in self.nodes:
            if n.where not in seen:
                seen.append(n.where)
        return seen


def parse_topology(lines: List[str]) -> Optional[Topology]:
    """The first topology block of a log, or None if it has none."""
    for i, line in enumerate(lines):
        m = TOPOLOGY_RE.match(line)
        if not m:
            continue
        topo = Topology(host=m.group(1), source=m.group(2))
        for node_line in lines[i + 1:]:
            if not node_line.startswith("  "):
                break
            fields = re.split(r"\s{2,}", node_line.strip())
            if len(fields) < 3:
                break
            topo.nodes.append(TopologyNode(fields[0], fields[1], fields[2], "  ".join(fields[3:])))
        return topo
    return None


NEMESIS_HEAD_RE = re.compile(r"^nemesis: (\d+) s on (.+?), seed (\d+); faults (.+?) every ")
NEMESIS_EVENT_RE = re.compile(r"^\+\s*(\d+(?:\.\d+)?) s  (.*)$")
NEMESIS_DONE_RE = re.compile(r"nemesis done: (\d+) faults \((.*); (\d+) on leaders\)")
FUZZ_BESIDE_RE = re.compile(r"^Fuzz run beside it:\s+(\S+)\s+(.*)$")


@dataclass
class NemesisRun:
    duration_s: int
    cluster: str
    seed: int
    faults: str  # the kinds asked for, "kill, pause, cut, delay"
    injected: int
    by_kind: List[Tuple[str, int]]
    on_leaders: int
    events: List[Tuple[float, str]]
    not_recovered: str = ""
    leaderless: str = ""
    leaders: str = ""
    # (log, verdict) of each fuzz run beside it; the log is "none" when none was found
    fuzz: List[Tuple[str, str]] = field(default_factory=list)
    topology: Optional[Topology] = None

    @property
    def healthy_end(self) -> bool:
        return not self.not_recovered and not self.leaderless


def parse_nemesis_log(lines: List[str]) -> NemesisRun:
    head = next((m for m in map(NEMESIS_HEAD_RE.match, lines) if m), None)
    if head is None:
        raise LogFormatError("no 'nemesis: <duration> s on <dir>, seed <n>; …' line (not a nemesis log?)")
    done = next((m for m in map(NEMESIS_DONE_RE.search, lines) if m), None)
    if done is None:
        raise LogFormatError("no 'nemesis done:' line: the run did not finish")
    by_kind: List[Tuple[str, int]] = []
    for part in done.group(2).split(","):
        kind_count = part.strip().split()
        if len(kind_count) != 2 or not kind_count[1].isdigit():
            raise LogFormatError(f"cannot read the fault counts in '{done.group(0)}'")
        by_kind.append((kind_count[0], int(kind_count[1])))
    run = NemesisRun(
        duration_s=int(head.group(1)), cluster=head.group(2), seed=int(head.group(3)), faults=head.group(4),
        injected=int(done.group(1)), by_kind=by_kind, on_leaders=int(done.group(3)), events=[],
        topology=parse_topology(lines),
    )
    for line in lines:
        ev = NEMESIS_EVENT_RE.match(line)
        if ev and "nemesis done:" not in ev.group(2):
            run.events.append((float(ev.group(1)), ev.group(2)))
        stripped = line.strip()
        if stripped.startswith("NOT recovered:"):
            run.not_recovered = stripped[len("NOT recovered:"):].strip()
        elif stripped.startswith("no leader after"):
            run.leaderless = stripped
        elif stripped.startswith("leaders:") and line.startswith("  "):
            run.leaders = stripped[len("leaders:"):].strip()
        fb = FUZZ_BESIDE_RE.match(line)
        if fb:
            if fb.group(1) == "none":
                run.fuzz.append(("none", "not found"))
            else:
                run.fuzz.append((fb.group(1), fb.group(2).strip()))
    return run


SCENARIO_TITLE_RE = re.compile(r"^scenario (\d+): (?!PASSED|FAILED)(.*)$")
TESTCASE_VERDICT_RE = re.compile(r"^p3 testcase (\d+): (PASSED|FAILED)\s+\((\d+)/(\d+) checks ok\)")
FAILOVER_LINE_RE = re.compile(r"first acknowledged write (\d+) ms after the kill")


@dataclass
class ScenarioLog:
    num: int
    title: str
    verdict: str
    checks_ok: int
    checks: int
    failures: List[str]
    failover_ms: Optional[int] = None
    topology: Optional[Topology] = None


def parse_scenario_log(lines: List[str]) -> ScenarioLog:
    verdict = next((m for m in map(TESTCASE_VERDICT_RE.match, lines) if m), None)
    if verdict is None:
        raise LogFormatError("no 'p3 testcase N: PASSED or FAILED' line (not a p3 testcase log, or it broke off)")
    title = next((m.group(2) for m in map(SCENARIO_TITLE_RE.match, lines) if m), "")
    failover = next((m for m in map(FAILOVER_LINE_RE.search, lines) if m), None)
    return ScenarioLog(
        num=int(verdict.group(1)), title=title, verdict=verdict.group(2),
        checks_ok=int(verdict.group(3)), checks=int(verdict.group(4)),
        failures=[l.strip()[len("FAIL"):].strip() for l in lines if l.strip().startswith("FAIL ")],
        failover_ms=int(failover.group(1)) if failover else None,
        topology=parse_topology(lines),
    )

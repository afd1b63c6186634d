"""The runs a report needs, and what was found for each under the results folder."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from .benchlog import BenchResult, parse_bench_log
from .fuzzlog import FuzzResult, parse_fuzz_log
from .logtext import LogFormatError, read_log_lines
from .p4logs import TxnBenchResult, parse_txn_bench_log, parse_txn_fuzz_log

PRESENT = "present"
MISSING = "missing"
UNPARSEABLE = "unparseable"


@dataclass(frozen=True)
class Run:
    kind: str  # "testcase", "fuzz" or "bench" (p4: "txnfuzz", "txnbench")
    relpath: str  # the log's path under the results folder, e.g. "fuzz/fuzz-3-no.log"
    label: str  # what the run is, for people: "fuzz, 3 clients, shared keys"
    command: str  # the recipe that produces the log
    # The recipe's arguments before the server or manager address, e.g. ("10", "a", "3") for
    # `p2::bench 10 a 3 <manager>`: what `pN::campaign` runs (the recipe is `kind`).
    args: Tuple[str, ...] = ()


@dataclass
class TestcaseLog:
    num_lines: int
    # PASSED or FAILED from the kit's testcases' last line ("testcase N: PASSED ..."); None for other logs
    verdict: Optional[str] = None


RunResult = Union[TestcaseLog, FuzzResult, BenchResult, TxnBenchResult]


@dataclass
class RunOutcome:
    run: Run
    status: str  # PRESENT, MISSING or UNPARSEABLE
    result: Optional[RunResult] = None
    reason: str = ""  # why a present log could not be used


def _parse_testcase_log(lines: List[str]) -> TestcaseLog:
    if not lines:
        raise LogFormatError("the log is empty")
    verdict = None
    for line in reversed(lines):
        m = re.search(r"testcase\s+\S+:\s+(PASSED|FAILED)\b", line)
        if m:
            verdict = m.group(1)
            break
    return TestcaseLog(num_lines=len(lines), verdict=verdict)


PARSERS = {
    "testcase": _parse_testcase_log,
    "fuzz": parse_fuzz_log,
    "bench": parse_bench_log,
    "txnfuzz": parse_txn_fuzz_log,
    "txnbench": parse_txn_bench_log,
}


def load_run(run: Run, results_dir: str) -> RunOutcome:
    path = os.path.join(results_dir, run.relpath)
    if not os.path.isfile(path):
        return RunOutcome(run, MISSING)
    try:
        lines = read_log_lines(path)
    except OSError as err:
        return RunOutcome(run, UNPARSEABLE, reason=f"cannot read it: {err.strerror or err}")
    try:
        return RunOutcome(run, PRESENT, result=PARSERS[run.kind](lines))
    except LogFormatError as err:
        return RunOutcome(run, UNPARSEABLE, reason=str(err))
    except ValueError as err:  # a number-looking token that is not a number
        return RunOutcome(run, UNPARSEABLE, reason=f"malformed number ({err})")


class Inventory:
    """Every run a stage needs, in the stage's order, with what was found for it."""

    def __init__(self, results_dir: str, runs: List[Run]):
        self.results_dir = results_dir
        self.results_dir_exists = os.path.isdir(results_dir)
        self.outcomes: List[RunOutcome] = [load_run(run, results_dir) for run in runs]
        self._by_path: Dict[str, RunOutcome] = {o.run.relpath: o for o in self.outcomes}

    def outcome(self, relpath: str) -> RunOutcome:
        return self._by_path[relpath]

    def result(self, relpath: str) -> Optional[RunResult]:
        return self._by_path[relpath].result

    def bench(self, relpath: str) -> Optional[BenchResult]:
        result = self.result(relpath)
        return result if isinstance(result, BenchResult) else None

    def fuzz(self, relpath: str) -> Optional[FuzzResult]:
        result = self.result(relpath)
        return result if isinstance(result, FuzzResult) else None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def not_present(self) -> List[RunOutcome]:
        return [o for o in self.outcomes if o.status != PRESENT]


def runs_json(inv: Inventory) -> str:
    """The checklist as one JSON object, for `pN::campaign` (runner/src/campaign/run-list.ts):
    {"results": dir, "runs": [{kind, relpath, label, args, status, reason}, ...]} in the stage's order."""
    return json.dumps({
        "results": inv.results_dir,
        "runs": [
            {"kind": o.run.kind, "relpath": o.run.relpath, "label": o.run.label, "args": list(o.run.args),
             "status": o.status, "reason": o.reason}
            for o in inv.outcomes
        ],
    })


STATUS_COLORS = {PRESENT: "\x1b[32m", MISSING: "\x1b[31m", UNPARSEABLE: "\x1b[33m"}


def format_inventory(stage_name: str, inv: Inventory, hint: str, color: bool) -> str:
    """The checklist printed before anything is written: every run, found or not."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}\x1b[0m" if color else text

    out = [paint(f"Runs the {stage_name} report needs (logs under {inv.results_dir}/):", "\x1b[1m")]
    width = max(len(o.run.label) for o in inv.outcomes)
    for o in inv.outcomes:
        tag = paint(f"[{o.status:<11}]", STATUS_COLORS[o.status])
        if o.status == PRESENT:
            detail = o.run.relpath
        elif o.status == MISSING:
            detail = f"run: {o.run.command}"
        else:
            detail = f"{o.run.relpath}: {o.reason}; re-run: {o.run.command}"
        out.append(f"  {tag}  {o.run.label:<{width}}  {detail}")
    total = len(inv.outcomes)
    summary = (
        f"{inv.count(PRESENT)} of {total} runs present, {inv.count(MISSING)} missing,"
        f" {inv.count(UNPARSEABLE)} unparseable."
    )
    if not inv.results_dir_exists:
        summary += f" (The results folder {inv.results_dir}/ does not exist yet.)"
    out.append(summary)
    if inv.not_present():
        out.append(hint)
        out.append(f"Or `npx just {stage_name}::campaign` does every run still missing on this machine (each on a fresh"
                   " local store it starts and stops), then writes the report.")
    return "\n".join(out)

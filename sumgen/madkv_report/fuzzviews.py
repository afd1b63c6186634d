"""What a fuzz run's log says happened, in words for the report's fuzz table.

The run's label (crashing yes/no) is only what the run was named; the fault section of the
log is what the harness did. The table says the latter and flags where the two disagree.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from .fuzzlog import FaultEvent, FuzzResult

NOT_RECORDED = "faults not recorded"
LABELLED_CRASHING_NO_FAULT = "labelled crashing, but no fault was recorded in the log"
LABELLED_HEALTHY_WITH_FAULTS = "labelled healthy, but faults were recorded"

SIGNAL_SUFFIX_RE = re.compile(r"\s*\(SIG[A-Z]+\)$")
LINK_EVENT_RE = re.compile(r"^link (cut|healed) (\S+)$")


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _subject_and_verb(e: FaultEvent) -> Tuple[str, str]:
    """("s1", "killed") for `s1 killed (SIGKILL)`; ("link s1->s2", "cut") for `link cut s1->s2`."""
    link = LINK_EVENT_RE.match(e.event)
    if link:
        return f"link {link.group(2)}", link.group(1)
    return e.node, SIGNAL_SUFFIX_RE.sub("", e.event)


def describe_events(events: List[FaultEvent], run_secs: Optional[float]) -> str:
    """One clause per node (or link), its events in time order: "s1 killed at 12.4 s of 41.0 s,
    restarted at 20.9 s; s2 killed at 15.0 s, restarted at 25.3 s"."""
    groups: Dict[str, List[Tuple[str, float]]] = {}
    for e in sorted(events, key=lambda e: e.at_s):
        subject, verb = _subject_and_verb(e)
        groups.setdefault(subject, []).append((verb, e.at_s))
    clauses = []
    total_said = False
    for subject, happenings in groups.items():
        parts = []
        for verb, at in happenings:
            when = f"at {_seconds(at)}"
            if not total_said and run_secs is not None:
                when += f" of {_seconds(run_secs)}"
                total_said = True
            parts.append(f"{verb} {when}")
        clauses.append(f"{subject} " + ", ".join(parts))
    return "; ".join(clauses)


def _retried(n: int) -> str:
    return f"{n:,} operation{'' if n == 1 else 's'} retried"


def fault_summary(result: FuzzResult, crashing: Optional[bool]) -> str:
    """The table cell. crashing: what the run's label says (None where labels say nothing of faults)."""
    faults = result.faults
    if faults is None:
        return NOT_RECORDED
    if not faults.events and faults.injected > 0:  # a count without the event lines
        text = f"{faults.injected} fault{'' if faults.injected == 1 else 's'} injected (not listed in the log)"
        text += f"; {_retried(faults.retried)}"
        return f"**{LABELLED_HEALTHY_WITH_FAULTS}:** {text}" if crashing is False else text
    if not faults.events:
        if crashing:
            text = f"**{LABELLED_CRASHING_NO_FAULT}**"
        else:
            text = "no faults injected"
        return text + (f"; {_retried(faults.retried)}" if faults.retried else "")
    text = f"{describe_events(faults.events, result.run_secs)}; {_retried(faults.retried)}"
    if crashing is False:
        text = f"**{LABELLED_HEALTHY_WITH_FAULTS}:** {text}"
    return text

"""The report file: the student's text and generated blocks, and how a new run updates it.

A report is written as the student's text with generated blocks in it, each between two
marker lines (HTML comments: invisible when the markdown is rendered, plain in the source):

    <!-- BEGIN GENERATED fuzz 3f2a9c1be07d: `just p1::report` rewrites this block; write outside it -->
    ...the block's text...
    <!-- END GENERATED fuzz -->

The hex word is a digest of the block's text as written, so a later run can tell whether
anyone changed it. Running the report again:

- rewrites every block whose text is as written, and leaves every byte outside the blocks
  as it was (the student's text, even the headings and the placeholders they replaced);
- changes nothing in the file when it has no markers at all (a report from an older
  version, or written by hand), when a block was edited, or when the markers are damaged.
  The new report then goes next to it (`projN.generated.md`, made from the file with fresh
  blocks when its markers are sound, else fresh), and a timestamped copy of the file is
  kept (`projN.md.bak-YYYYmmdd-HHMMSS`), so no text is ever lost, and the run says so.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

BEGIN_RE = re.compile(r"^<!-- BEGIN GENERATED ([a-z0-9][a-z0-9-]*)(?: ([0-9a-f]{12}))?(?:[: ].*)? -->$")
END_RE = re.compile(r"^<!-- END GENERATED ([a-z0-9][a-z0-9-]*) -->$")
# What a marker begins with; a line like this that does not parse as one is a damaged marker.
MARKER_LIKE_RE = re.compile(r"^<!--\s*(BEGIN|END)\s+GENERATED\b", re.IGNORECASE)
# Reading and writing with surrogateescape keeps bytes that are not UTF-8 exactly as they were.
ENCODING = {"encoding": "utf-8", "errors": "surrogateescape", "newline": ""}


@dataclass(frozen=True)
class Generated:
    """A block the report writes; name is a short lower-case word (status, fuzz, bench, ...)."""

    name: str
    text: str


Part = Union[str, Generated]


def digest(text: str) -> str:
    """Of the block's text, ignoring line endings, trailing spaces and surrounding blank lines
    (what editors change on their own), so only a real edit counts as one."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    canonical = "\n".join(lines).strip("\n")
    return hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def begin_marker(name: str, text: str, command: str) -> str:
    return f"<!-- BEGIN GENERATED {name} {digest(text)}: `{command}` rewrites this block; write outside it -->"


def end_marker(name: str) -> str:
    return f"<!-- END GENERATED {name} -->"


def render_block(block: Generated, command: str, newline: str = "\n") -> str:
    # Blank lines around the text keep markdown from reading a marker as part of a table or paragraph.
    text = f"{begin_marker(block.name, block.text, command)}\n\n{block.text}\n\n{end_marker(block.name)}"
    return text.replace("\n", newline)


def render(parts: Sequence[Part], command: str) -> str:
    """A fresh report: the parts separated by blank lines."""
    out = [p if isinstance(p, str) else render_block(p, command) for p in parts]
    return "\n\n".join(out) + "\n"


# ---- reading an existing report ---------------------------------------------------------


@dataclass
class Block:
    name: str
    recorded: Optional[str]  # the digest in its BEGIN marker (None: no digest)
    text: str  # between the marker lines
    raw: str  # as in the file, from the BEGIN marker to the end of the END marker

    @property
    def edited(self) -> bool:
        return self.recorded is None or self.recorded != digest(self.text)


@dataclass
class ParsedReport:
    # In file order: the text outside blocks (str, line endings included) and the blocks.
    segments: List[Union[str, Block]] = field(default_factory=list)

    @property
    def blocks(self) -> List[Block]:
        return [s for s in self.segments if isinstance(s, Block)]

    def outside_text(self) -> str:
        return "".join(s for s in self.segments if isinstance(s, str))


class MarkerError(Exception):
    """The BEGIN/END GENERATED markers do not pair up."""


def _split_ending(line: str) -> Tuple[str, str]:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def parse_report(text: str) -> ParsedReport:
    """Split a report into its outside text and blocks; MarkerError when markers do not pair.

    A marker is a line of its own; the spaces around it and its line ending stay outside
    text, so the outside text is exactly what surrounds the blocks."""
    report = ParsedReport()
    outside: List[str] = []
    opened: Optional[Tuple[str, Optional[str], int, str]] = None  # name, digest, line number, raw so far
    inside: List[str] = []
    seen: Dict[str, int] = {}
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        body, ending = _split_ending(line)
        stripped = body.strip()
        lead, trail = body[: len(body) - len(body.lstrip())], body[len(body.rstrip()):]
        begin, end = BEGIN_RE.match(stripped), END_RE.match(stripped)
        if begin is None and end is None and MARKER_LIKE_RE.match(stripped):
            raise MarkerError(f"line {number} looks like a marker but is not one: {stripped[:80]}")
        if begin is not None:
            if opened is not None:
                raise MarkerError(f"line {number}: block '{begin.group(1)}' begins inside block '{opened[0]}' (line {opened[2]})")
            name = begin.group(1)
            if name in seen:
                raise MarkerError(f"line {number}: a second block '{name}' (the first begins on line {seen[name]})")
            seen[name] = number
            report.segments.append("".join(outside) + lead)
            outside, inside = [], []
            opened = (name, begin.group(2), number, stripped + trail + ending)
        elif end is not None:
            if opened is None:
                raise MarkerError(f"line {number}: END of block '{end.group(1)}' with no BEGIN before it")
            if end.group(1) != opened[0]:
                raise MarkerError(f"line {number}: END of block '{end.group(1)}' inside block '{opened[0]}' (line {opened[2]})")
            block_text = _split_ending("".join(inside))[0]
            raw = opened[3] + "".join(inside) + lead + stripped
            report.segments.append(Block(opened[0], opened[1], block_text, raw))
            opened = None
            outside = [trail + ending]
        elif opened is not None:
            inside.append(line)
        else:
            outside.append(line)
    if opened is not None:
        raise MarkerError(f"block '{opened[0]}' (line {opened[2]}) has no END marker")
    report.segments.append("".join(outside))
    return report


def dominant_newline(text: str) -> str:
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


def merge(report: ParsedReport, fresh: Sequence[Part], command: str, newline: str = "\n") -> str:
    """The report with every block it has replaced by the fresh block of that name (edited or
    not; the caller decides whether that may be done), everything else kept byte for byte.
    Blocks no longer generated are kept as they are."""
    by_name = {p.name: p for p in fresh if isinstance(p, Generated)}
    out: List[str] = []
    for seg in report.segments:
        if isinstance(seg, str):
            out.append(seg)
        elif seg.name in by_name:
            out.append(render_block(by_name[seg.name], command, newline))
        else:
            out.append(seg.raw)
    return "".join(out)


# ---- deciding what to write -------------------------------------------------------------


@dataclass
class WritePlan:
    """What a run of the report writes. `messages` are printed for the student."""

    path: str  # the file to write (the report, or the one next to it)
    text: str
    backups: List[Tuple[str, str]] = field(default_factory=list)  # (source, copy) to make first
    messages: List[str] = field(default_factory=list)
    report_kept: bool = False  # the existing report is left as it was


def read_text(path: str) -> str:
    with open(path, "r", **ENCODING) as f:  # type: ignore[call-overload]
        return f.read()


def write_text_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", **ENCODING) as f:  # type: ignore[call-overload]
        f.write(text)
    os.replace(tmp, path)


def alongside_path(md_path: str) -> str:
    root, ext = os.path.splitext(md_path)
    return f"{root}.generated{ext}"


def backup_path(path: str, stamp: str) -> str:
    return f"{path}.bak-{stamp}"


def newest_backup_matches(path: str, text: str) -> Optional[str]:
    """The newest existing backup of path when it holds exactly text (no need for another)."""
    backups = sorted(glob.glob(glob.escape(path) + ".bak-*"))
    if backups:
        try:
            if read_text(backups[-1]) == text:
                return backups[-1]
        except OSError:
            return None
    return None


def plan_write(md_path: str, fresh: Sequence[Part], command: str, stamp: str) -> WritePlan:
    """Decide how to write the report at md_path so that no text of the student's is lost."""
    fresh_text = render(fresh, command)
    name = os.path.basename(md_path)
    if not os.path.exists(md_path):
        return WritePlan(md_path, fresh_text, messages=[f"Wrote {md_path}"])

    existing = read_text(md_path)
    newline = dominant_newline(existing)
    fresh_names = [p.name for p in fresh if isinstance(p, Generated)]
    try:
        parsed: Optional[ParsedReport] = parse_report(existing)
        problem = None
    except MarkerError as err:
        parsed, problem = None, f"its BEGIN/END GENERATED markers are damaged ({err})"

    if parsed is not None and not parsed.blocks:
        problem = (
            "it has no BEGIN/END GENERATED markers (a report from an older version of the kit, or"
            " written by hand), so the generated parts cannot be told apart from your text"
        )
    edited = [b.name for b in parsed.blocks if b.edited and b.name in fresh_names] if parsed else []
    if parsed is not None and edited and problem is None:
        which = ", ".join(f"'{n}'" for n in edited)
        problem = (
            f"you edited inside the generated block{'s' if len(edited) > 1 else ''} {which}"
            f" (between `<!-- BEGIN GENERATED {edited[0]} …` and `<!-- END GENERATED {edited[0]} -->`),"
            " which every run rewrites"
        )

    if problem is None and parsed is not None:
        text = merge(parsed, fresh, command, newline)
        have = {b.name for b in parsed.blocks}
        plan = WritePlan(md_path, text, messages=[
            f"Updated the generated blocks of {md_path}; your text outside them is as it was."
        ])
        missing = [n for n in fresh_names if n not in have]
        stale = [b.name for b in parsed.blocks if b.name not in fresh_names]
        if missing:
            plan.messages.append(
                f"  note: {name} has no block {', '.join(repr(n) for n in missing)} (removed?), so it was not"
                f" added back; move {name} away and run the report again for a complete fresh one."
            )
        if stale:
            plan.messages.append(f"  note: left the blocks {', '.join(repr(n) for n in stale)} as they are (no longer generated).")
        return plan

    # Conflict: the report stays as it is; the new one goes next to it.
    target = alongside_path(md_path)
    gen_name = os.path.basename(target)
    if parsed is not None and parsed.blocks:
        text = merge(parsed, fresh, command, newline)
        content = (f"{name}'s text outside the blocks, with fresh blocks (your edits inside the blocks"
                   f" are only in {name})")
        advice = (f"Either move what you wrote inside the block{'s' if len(edited) > 1 else ''} to outside"
                  f" {'them' if len(edited) > 1 else 'it'} in {name} and run the report again, or take"
                  f" {gen_name} as your report (rename it to {name}).")
    else:
        text = fresh_text
        content = "a fresh report"
        advice = (f"Move your text into {gen_name} (anywhere outside its BEGIN/END GENERATED blocks) and"
                  f" rename it to {name}; the next run then updates it in place.")
    plan = WritePlan(target, text, report_kept=True)
    copy = newest_backup_matches(md_path, existing)
    if copy is None:
        copy = backup_path(md_path, stamp)
        plan.backups.append((md_path, copy))
    gen_copy = None
    if os.path.exists(target):
        previous = read_text(target)
        if not _only_generated_differs(previous, text):  # someone wrote in it: keep that too
            gen_copy = newest_backup_matches(target, previous)
            if gen_copy is None:
                gen_copy = backup_path(target, stamp)
                plan.backups.append((target, gen_copy))
    plan.messages += [
        f"Left {md_path} as it was: {problem}.",
        f"  A copy of it is in {copy}.",
        f"  The new report is in {target}: {content}.",
        f"  {advice}",
    ]
    if gen_copy is not None:
        plan.messages.append(f"  The previous {gen_name} had changes of yours: it is kept in {gen_copy}.")
    return plan


def _only_generated_differs(previous: str, new: str) -> bool:
    """True when previous is a file this module wrote that nobody has touched since, apart
    from what the new run rewrites anyway: same outside text, and its blocks unedited."""
    try:
        old, fresh = parse_report(previous), parse_report(new)
    except MarkerError:
        return False
    return old.outside_text() == fresh.outside_text() and not any(b.edited for b in old.blocks)


def apply_plan(plan: WritePlan) -> None:
    for source, copy in plan.backups:
        write_text_atomically(copy, read_text(source))
    write_text_atomically(plan.path, plan.text)

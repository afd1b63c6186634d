"""Turn a raw terminal log into clean lines: no colour codes, no progress overwrites."""

from __future__ import annotations

import re
from typing import List

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and the
# two-character escapes; the template's runner and ours both colour their output.
ANSI_ESCAPE_RE = re.compile(
    r"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])"
)
# Progress lines are rewritten in place with a bare "\r"; treating every "\r" as a
# line break keeps each rewrite as its own line, so no result line is glued to one.
LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
CONTROL_RE = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]")


class LogFormatError(Exception):
    """A log exists but does not hold the result it should (interrupted run, garbage)."""


def clean_lines(raw: str) -> List[str]:
    text = ANSI_ESCAPE_RE.sub("", raw)
    lines = []
    for line in LINE_BREAK_RE.split(text):
        line = CONTROL_RE.sub("", line).rstrip()
        if line.strip():
            lines.append(line)
    return lines


def read_log_lines(path: str) -> List[str]:
    """Read a log file leniently: undecodable bytes become U+FFFD instead of an error."""
    with open(path, "rb") as f:
        raw = f.read()
    return clean_lines(raw.decode("utf-8", errors="replace"))

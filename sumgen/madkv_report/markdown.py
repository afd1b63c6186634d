"""Small markdown builders shared by the stages' report writers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from .fuzzviews import fault_summary
from .plotting import PlotOutcome
from .runs import MISSING, PRESENT, Inventory, RunOutcome

NONE = "—"
MISSING_MARK = "*missing*"
UNPARSEABLE_MARK = "*unparseable*"


def num(value: Optional[float], digits: int = 1) -> str:
    """Thousands separated; whole numbers (microseconds, mostly) without a decimal part."""
    if value is None:
        return NONE
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def count(value: Optional[int]) -> str:
    return NONE if value is None else f"{value:,}"


def comment(text: str) -> str:
    """A note for whoever edits the file; invisible when the markdown is rendered."""
    return f"<!-- {text} -->"


def fixme(text: str) -> str:
    """A visible placeholder where the student writes, as the template marks them."""
    return f"*FIXME: {text}*"


def optional(text: str) -> str:
    return f"*OPTIONAL: {text}*"


EDITING_NOTE = (
    "Written by `just {stage}::report`. Write anywhere outside the BEGIN/END GENERATED blocks"
    " (replace the FIXME placeholders): running the report again rewrites only those blocks."
)


def code(text: str) -> str:
    return f"`{text}`"


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """align: one letter per column, l / c / r."""
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(escape_cell(cell) for cell in row) + " |")
    return "\n".join(lines)


def details(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def status_mark(outcome: RunOutcome) -> str:
    """The cell text for a run whose numbers cannot be shown."""
    if outcome.status == MISSING:
        return MISSING_MARK
    return f"{UNPARSEABLE_MARK} ({outcome.reason})"


def figure(plot: PlotOutcome, alt: str, plots_rel: str) -> str:
    if plot.filename is None:
        return f"*Figure `{plot.name}.png` not drawn: {plot.note}.*"
    return f"![{alt}]({plots_rel}/{plot.filename})"


def run_status_block(inv: Inventory, stage: str, source_note: str) -> str:
    """The note near the top of the report that says which runs are still to do."""
    total = len(inv.outcomes)
    todo = inv.not_present()
    note = comment(source_note)
    if not todo:
        return f"{note}\n\n> All {total} runs the report needs were found under `{inv.results_dir}/`."
    n_missing = sum(1 for o in todo if o.status == MISSING)
    n_bad = len(todo) - n_missing
    head = (
        f"> **Incomplete:** {total - len(todo)} of {total} runs found under `{inv.results_dir}/`;"
        f" {n_missing} missing and {n_bad} unparseable, marked {MISSING_MARK} or"
        f" {UNPARSEABLE_MARK} below. Run them, then `npx just {stage}::report` again."
    )
    rows = [
        [o.run.label, code(o.run.relpath), status_mark(o), code(o.run.command)] for o in todo
    ]
    return note + "\n\n" + head + "\n\n" + details(
        f"Runs still to do ({len(todo)})",
        table(["Run", "Log", "Status", "Command"], rows, "llll"),
    )


def testcase_rows(inv: Inventory, descriptions: List[str]) -> List[List[str]]:
    rows = []
    for i, desc in enumerate(descriptions, start=1):
        o = inv.outcome(f"tests/test{i}.log")
        if o.status == PRESENT:
            log = o.result  # a TestcaseLog
            found = f"found ({log.num_lines} lines)"  # type: ignore[union-attr]
            if log.verdict is not None:  # type: ignore[union-attr]
                found += f", **{log.verdict}**"  # type: ignore[union-attr]
        else:
            found = status_mark(o)
        rows.append([str(i), desc, code(o.run.relpath), found])
    return rows


@dataclass(frozen=True)
class FuzzRow:
    config: Sequence[str]  # the configuration cells, e.g. ("3", "yes")
    relpath: str  # the log under the results folder
    crashing: Optional[bool]  # what the label says of faults; None where it says nothing


def fuzz_block(
    inv: Inventory, config_headers: Sequence[str], rows: Sequence[FuzzRow], asks_for: Sequence[str], demo: str,
) -> str:
    """The Fuzz Testing results, every stage alike: outcome and what the log says happened."""
    cells = []
    for row in rows:
        o = inv.outcome(row.relpath)
        r = inv.fuzz(row.relpath)
        cells.append(list(row.config) + [
            code(row.relpath),
            r.outcome if r else status_mark(o),
            count(r.ops_checked) if r else NONE,
            fault_summary(r, row.crashing) if r else NONE,
        ])
    headers = list(config_headers) + ["Log", "Outcome", "Operations checked", "Faults (from the log)"]
    parts = [
        "Parsed the following fuzz testing results:",
        table(headers, cells, "c" * len(config_headers) + "lcrl"),
    ]
    if asks_for:
        parts.append("The stage asks for these runs: " + "; ".join(asks_for) + ".")
    parts.append(
        "Faults are what the fuzz log's `Faults during the run:` section records (what the harness"
        " injected, and how many operations the clients retried), not what a run's name says."
    )
    parts.append(demo)
    return "\n\n".join(parts)

"""Small markdown builders shared by the stages' report writers."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .plotting import PlotOutcome
from .runs import MISSING, PRESENT, Inventory, RunOutcome

NONE = "—"
MISSING_MARK = "*missing*"
UNPARSEABLE_MARK = "*unparseable*"


def num(value: Optional[float], digits: int = 1) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def count(value: Optional[int]) -> str:
    return NONE if value is None else f"{value:,}"


def comment(text: str) -> str:
    """A marker where students write; invisible when the markdown is rendered."""
    return f"<!-- {text} -->"


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


def run_status_block(inv: Inventory, stage: str) -> str:
    """The note near the top of the report that says which runs are still to do."""
    total = len(inv.outcomes)
    todo = inv.not_present()
    if not todo:
        return f"> All {total} runs the report needs were found under `{inv.results_dir}/`."
    n_missing = sum(1 for o in todo if o.status == MISSING)
    n_bad = len(todo) - n_missing
    head = (
        f"> **Incomplete:** {total - len(todo)} of {total} runs found under `{inv.results_dir}/`;"
        f" {n_missing} missing and {n_bad} unparseable, marked {MISSING_MARK} or"
        f" {UNPARSEABLE_MARK} below. Run them, then `just {stage}::report` again."
    )
    rows = [
        [o.run.label, code(o.run.relpath), status_mark(o), code(o.run.command)] for o in todo
    ]
    return head + "\n\n" + details(
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


def fuzz_section(inv: Inventory, runs: Sequence[Tuple[str, str]]) -> List[str]:
    """The Fuzz Testing section, every stage alike: one table row per (label, log path)."""
    rows = []
    for label, relpath in runs:
        o = inv.outcome(relpath)
        r = inv.fuzz(relpath)
        rows.append([
            label, code(relpath),
            r.outcome if r else status_mark(o),
            count(r.ops_checked) if r else NONE,
        ])
    return [
        "## Fuzz Testing",
        "Parsed the following fuzz testing results:",
        table(["Configuration", "Log", "Outcome", "Operations checked"], rows, "llcr"),
        "### Comments",
        comment("your comments on fuzz testing here"),
    ]

"""The common driver: checklist of runs, overwrite guard, plots, markdown."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from typing import List, Optional

from .plotting import draw_plots
from .runs import Inventory, format_inventory
from .stage import ReportContext, Stage

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(stage: Stage, argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"bash sumgen/report.sh {stage.key}",
        description=f"Write proj{stage.number}.md and its plots from the {stage.key} run logs.",
    )
    parser.add_argument(
        "--results", "-i", "--result_dir", dest="results",
        default=f"/tmp/madkv-{stage.key}",
        help="folder holding tests/, fuzz/ and bench/ logs (default: %(default)s)",
    )
    parser.add_argument(
        "--out", "-o", "--report_dir", dest="out",
        default=os.path.join(REPO_ROOT, "report"),
        help="folder for proj<N>.md and plots-<stage>/ (default: the repository's report/)",
    )
    parser.add_argument(
        "--yes", "-y", action="store_true",
        help="overwrite an existing report without asking",
    )
    return parser.parse_args(argv)


def confirm_overwrite(md_path: str, assume_yes: bool) -> bool:
    """Ask before clobbering a report a student may have edited, but only on a terminal:
    a run without a TTY (CI, `</dev/null`) must never wait for input."""
    if not os.path.exists(md_path) or assume_yes:
        return True
    if not sys.stdin.isatty():
        print(f"note: overwriting the existing {md_path} (no terminal to ask on)")
        return True
    try:
        answer = input(f"{md_path} already exists (your edits in it would be lost). Overwrite? [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def main(stage: Stage, argv: Optional[List[str]] = None) -> int:
    args = parse_args(stage, argv)
    results_dir = os.path.normpath(args.results)
    out_dir = os.path.normpath(args.out)

    inv = Inventory(results_dir, stage.runs())
    print(format_inventory(stage.key, inv, stage.hint(), color=sys.stdout.isatty()), flush=True)

    md_name = f"proj{stage.number}.md"
    md_path = os.path.join(out_dir, md_name)
    plots_rel = f"plots-{stage.key}"
    plots_dir = os.path.join(out_dir, plots_rel)
    try:
        if not confirm_overwrite(md_path, args.yes):
            print(f"left {md_path} unchanged")
            return 0
    except KeyboardInterrupt:
        print(f"\nleft {md_path} unchanged")
        return 130

    try:
        os.makedirs(plots_dir, exist_ok=True)
        plots = draw_plots(stage.plots(inv), plots_dir)
        ctx = ReportContext(
            results_dir=results_dir,
            plots_rel=plots_rel,
            generated_at=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
        text = stage.markdown(inv, plots, ctx)
        tmp_path = md_path + ".tmp"
        with open(tmp_path, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp_path, md_path)
    except OSError as err:
        print(f"error: cannot write the report under {out_dir}: {err}", file=sys.stderr)
        return 1

    drawn = [p.filename for p in plots.values() if p.filename]
    print(f"Wrote {md_path}")
    print(f"Wrote {len(drawn)} of {len(plots)} plots to {plots_dir}/" + (": " + ", ".join(drawn) if drawn else ""))
    for p in plots.values():
        if p.filename is None:
            print(f"  not drawn: {p.name}.png ({p.note})")
    return 0


def run(stage: Stage) -> None:
    sys.exit(main(stage))

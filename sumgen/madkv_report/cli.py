"""The common driver: checklist of runs, plots, then the report file (reportfile.py decides
how to write it so that the student's text is kept). It never asks anything: it runs the
same with or without a terminal."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from typing import List, Optional

from .plotting import draw_plots
from .reportfile import apply_plan, plan_write
from .runs import Inventory, format_inventory, runs_json
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
        "--list-runs", action="store_true",
        help="print the runs the report needs and their status as JSON, and write nothing (for pN::campaign)",
    )
    return parser.parse_args(argv)


def main(stage: Stage, argv: Optional[List[str]] = None) -> int:
    args = parse_args(stage, argv)
    results_dir = os.path.normpath(args.results)
    out_dir = os.path.normpath(args.out)

    inv = Inventory(results_dir, stage.runs())
    if args.list_runs:
        print(runs_json(inv))
        return 0
    print(format_inventory(stage.key, inv, stage.hint(), color=sys.stdout.isatty()), flush=True)

    md_path = os.path.join(out_dir, f"proj{stage.number}.md")
    plots_rel = f"plots-{stage.key}"
    plots_dir = os.path.join(out_dir, plots_rel)
    now = datetime.datetime.now()
    try:
        os.makedirs(plots_dir, exist_ok=True)
        plots = draw_plots(stage.plots(inv), plots_dir)
        ctx = ReportContext(
            results_dir=results_dir,
            plots_rel=plots_rel,
            generated_at=now.strftime("%Y-%m-%d %H:%M"),
        )
        plan = plan_write(md_path, stage.markdown(inv, plots, ctx), f"just {stage.key}::report",
                          now.strftime("%Y%m%d-%H%M%S"))
        apply_plan(plan)
    except OSError as err:
        print(f"error: cannot write the report under {out_dir}: {err}", file=sys.stderr)
        return 1

    for message in plan.messages:
        print(message)
    drawn = [p.filename for p in plots.values() if p.filename]
    print(f"Wrote {len(drawn)} of {len(plots)} plots to {plots_dir}/" + (": " + ", ".join(drawn) if drawn else ""))
    for p in plots.values():
        if p.filename is None:
            print(f"  not drawn: {p.name}.png ({p.note})")
    return 0


def run(stage: Stage) -> None:
    sys.exit(main(stage))

"""Report for project 1: `just p1::report` (bash sumgen/report.sh p1 [--results DIR] [--out DIR])."""

from madkv_report.cli import run
from madkv_report.stage_p1 import Project1

if __name__ == "__main__":
    run(Project1())

"""Report for project 4: `just p4::report` (bash sumgen/report.sh p4 [--results DIR] [--out DIR]).

Cross-shard transactions: the transactional fuzz runs and `p4::bench`'s Mako vs 2PC vs
unreplicated figures (madkv_report/stage_p4.py)."""

from madkv_report.cli import run
from madkv_report.stage_p4 import P4Stage

if __name__ == "__main__":
    run(P4Stage())

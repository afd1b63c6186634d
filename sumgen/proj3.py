"""Report for project 3: `just p3::report` (bash sumgen/report.sh p3 [--results DIR] [--out DIR]).

The template's report along the replication factor, plus the scenario verdicts, nemesis runs,
speed figures and physical topology (madkv_report/stage_p3.py)."""

from madkv_report.cli import run
from madkv_report.stage_p3 import P3Stage
from madkv_report.stage_scaled import FuzzScenario, ScaledStageText

PROJECT3 = ScaledStageText(
    number=3,
    dim_noun="replication factor",
    size_label_fmt=("rf={}", "rf={}"),
    sizes=(1, 3, 5),
    trend_sizes=(1, 5),
    fuzz=(
        FuzzScenario(5, "no", "rf=5, all replicas healthy"),
        FuzzScenario(5, "yes", "rf=5, two replicas of a partition (one the leader) crashed gradually"),
    ),
    address="127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668",
    hint=(
        "Start a fresh cluster for each run with the replication factor of the run (`npx just p3::service`"
        " for every manager replica m.X and server replica sX.Y; on one machine `npx just p3::cluster 3 2 <rf>`),"
        " then run the missing ones with your managers' addresses in place of"
        " 127.0.0.1:3666,127.0.0.1:3667,127.0.0.1:3668. The testcases start clusters of their own."
    ),
    design_prompt=(
        "add your design walkthrough text (the consensus protocol, how clients find the leader,"
        " the replicated manager, recovery of failed replicas, snapshots, fast reads)"
    ),
    testcase_prompt="add your explanations of each testcase (what each scenario shows, with the outputs)",
    scenarios_intro="The stage asks for these scenarios:",
    scenarios=(
        "fail followers in at least 2 partitions: requests keep succeeding",
        "fail a leader: a new one is elected and clients continue",
        "fail a manager replica: new clients still join",
        "fail more than f replicas of a partition: requests hang, no wrong answers",
    ),
    testcase_demo="You will run the four described testcase scenarios during demo time.",
    fuzz_demo="You may be asked to run a crashing fuzz test during demo time.",
)

if __name__ == "__main__":
    run(P3Stage(PROJECT3))

"""Report for project 3: `just p3::report` (bash sumgen/report.sh p3 [--results DIR] [--out DIR])."""

from madkv_report.cli import run
from madkv_report.stage_scaled import FuzzScenario, ScaledStage, ScaledStageText

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
    hint=(
        "Start a fresh cluster for each run with the replication factor of the run (`just p3::service`"
        " for every manager replica m.X and server replica sX.Y), then run the missing ones."
    ),
    design_prompt=(
        "your design walkthrough here: the consensus protocol, how clients find the leader,"
        " the replicated manager, recovery of failed replicas, snapshots, fast reads"
    ),
    testcase_prompt=(
        "your explanations here: what each scenario shows, with the outputs"
    ),
    scenarios=(
        "fail followers in at least 2 partitions: requests keep succeeding",
        "fail a leader: a new one is elected and clients continue",
        "fail a manager replica: new clients still join",
        "fail more than f replicas of a partition: requests hang, no wrong answers",
    ),
)

if __name__ == "__main__":
    run(ScaledStage(PROJECT3))

"""Report for project 2: `just p2::report` (bash sumgen/report.sh p2 [--results DIR] [--out DIR])."""

from madkv_report.cli import run
from madkv_report.stage_scaled import FuzzScenario, ScaledStage, ScaledStageText

PROJECT2 = ScaledStageText(
    number=2,
    dim_noun="partitions",
    size_label_fmt=("{} partition", "{} partitions"),
    sizes=(1, 3, 5),
    trend_sizes=(1, 5),
    fuzz=(
        FuzzScenario(3, "no", "3 partitions, no crashes"),
        FuzzScenario(3, "yes", "3 partitions, server 1 killed halfway and restarted"),
        FuzzScenario(5, "yes", "5 partitions, servers 1 and 2 killed and restarted"),
    ),
    address="127.0.0.1:3666",
    hint=(
        "Start a fresh cluster for each run: the manager (`npx just p2::service m`) and N servers"
        " (`npx just p2::service s0` …, with `servers` listing N addresses), then run the missing ones"
        " with your manager's address in place of 127.0.0.1:3666."
    ),
    design_prompt=(
        "add your design walkthrough text (durability: what is on disk before an acknowledgement,"
        " recovery; partitioning and the manager; how clients find servers and retry)"
    ),
    testcase_prompt="add your explanation of this testcase (what each step shows, with the outputs)",
    scenarios_intro="The stage asks for a testcase with these steps:",
    scenarios=(
        "a cluster of at least 3 servers; puts/swaps, then gets/scans succeed",
        "kill one server: gets/scans on other partitions still succeed; one touching the dead partition blocks",
        "restart it: a get on its partition returns the latest value",
    ),
    testcase_demo="You will run the described testcase during demo time.",
    fuzz_demo="You will run a crashing/recovering fuzz test during demo time.",
)

if __name__ == "__main__":
    run(ScaledStage(PROJECT2))

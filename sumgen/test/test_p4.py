"""Unit tests of project 4's report: the p4::bench log parser, the transactional fuzz log's
counts, the checklist of runs with the command for each missing one, and the sections built
from them (run by sumgen/test/report.test.ts through sumgen/python.sh, or directly:
bash sumgen/python.sh -m unittest discover -s sumgen/test)."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from madkv_report.logtext import LogFormatError, clean_lines  # noqa: E402
from madkv_report.p4logs import parse_txn_bench_log, parse_txn_fuzz_log  # noqa: E402
from madkv_report.runs import MISSING, PRESENT, UNPARSEABLE, Inventory, format_inventory  # noqa: E402
from madkv_report.stage import ReportContext  # noqa: E402
from madkv_report.stage_p4 import MATRIX_CLIENTS, P4Stage, bench_path, ratio  # noqa: E402
from madkv_report.plotting import PlotOutcome  # noqa: E402
from madkv_report.reportfile import Generated  # noqa: E402


def bench_log(workload="micro-5", mode="mako", rtt="50", clients=MATRIX_CLIENTS, tput="2838.12", committed=28381,
              split=True, bank=None):
    lines = [
        f"p4 bench: workload {workload}: ...",
        "Cluster:  3 managers, 3 shards × rf 3, txn_mode mako, repl rtt 50 ms; local cluster on vm (2 CPUs)",
        f"Load:     {clients} closed-loop clients (...), 2 s warm-up, 10 s measured, seed 3; ...",
        f"\x1b[1mBenchmarking results:\x1b[0m  TXN-{workload}  {mode}  rtt {rtt}  {clients} clients",
        "  [Run]  10000 ms",
        f"    Throughput:  {tput} txn/sec",
        f"    Txns:  committed {committed}  cross-shard 1420  attempts 28500  aborted-attempts 119  gave-up 2  unknown 1",
        "    Abort rate:  0.42 %",
        "    Latency:  p50 84.34  p99 154.37  avg 87.97  max 287.90  ms",
    ]
    if split:
        lines += [
            "    Split:  all  committed 11565  certify 1.56  wait 77.56  ms",
            "    Split:  s0  committed 3837  certify 1.60  wait 75.50  tick 3.11  ms",
            "    Split:  s1  committed 3726  certify 1.59  wait 78.72  tick 3.33  ms",
        ]
    else:
        lines.append("    Split:  n/a (shard 1's leader changed in the window (s1.0@2 -> s1.2@3))")
    if bank is not None:
        lines.append(f"  Bank check:  {bank}")
    return "\n".join(lines) + "\n"


FUZZ_LOG = (
    "Fuzzing starts...\n"
    "Stopping clients...\n"
    "  Ops stats:  Get 1200  Append 1180\n"
    "  Txns stats:  Committed 812  Aborted 97  Unknown 0  (of 909, 455 across shards)\n"
    "  Ran 909 transactions in 20.3 s (45 txns/s)\n"
    "Faults during the run:  2 injected, 3 operations retried by clients\n"
    "  +6.8 s  s1.0  killed (SIGKILL)\n"
    "  +13.5 s  s1.0  restarted\n"
    "Checking strict serializability of 909 transactions...\n"
    "Fuzz testing result: PASSED\n"
)


class BenchLogTest(unittest.TestCase):
    def test_every_figure_is_read(self):
        r = parse_txn_bench_log(clean_lines(bench_log()))
        self.assertEqual((r.workload, r.mode, r.rtt_ms, r.clients, r.run_ms), ("micro-5", "mako", 50, MATRIX_CLIENTS, 10000.0))
        self.assertEqual(r.throughput, 2838.12)
        self.assertEqual((r.committed, r.cross, r.attempts, r.aborted_attempts, r.gave_up, r.unknown),
                         (28381, 1420, 28500, 119, 2, 1))
        self.assertEqual(r.abort_rate, 0.42)
        self.assertEqual((r.p50_ms, r.p99_ms, r.avg_ms, r.max_ms), (84.34, 154.37, 87.97, 287.90))
        self.assertEqual((r.certify_ms, r.wait_ms), (1.56, 77.56))
        self.assertEqual([(s.shard, s.committed, s.tick_ms) for s in r.shards], [("s0", 3837, 3.11), ("s1", 3726, 3.33)])
        self.assertIsNone(r.bank_ok)

    def test_rf1_split_not_available_and_bank_check(self):
        r = parse_txn_bench_log(clean_lines(bench_log("bank", "rf1", "none", split=False,
                                                      bank="FAILED: the accounts sum to 5, not 0")))
        self.assertEqual((r.mode, r.rtt_ms), ("rf1", None))
        self.assertIsNone(r.certify_ms)
        self.assertIn("leader changed", r.split_na)
        self.assertEqual((r.bank_ok, r.bank_problems), (False, "the accounts sum to 5, not 0"))
        ok = parse_txn_bench_log(clean_lines(bench_log("bank", bank="OK (accounts and branches each sum to 0)")))
        self.assertTrue(ok.bank_ok)

    def test_an_interrupted_or_foreign_log_is_refused_with_why(self):
        with self.assertRaisesRegex(LogFormatError, "no 'Benchmarking results:' block"):
            parse_txn_bench_log(["p4 bench: workload micro-5", "Cluster: ..."])
        cut = clean_lines(bench_log())[:6]
        with self.assertRaisesRegex(LogFormatError, "no 'Txns:' line"):
            parse_txn_bench_log(cut)
        with self.assertRaisesRegex(LogFormatError, "not a p4 bench log"):
            parse_txn_bench_log(["Benchmarking results:  YCSB-a  10 clients", "  [Run]  1530 ms"])

    def test_ratio(self):
        a = parse_txn_bench_log(clean_lines(bench_log(tput="3000")))
        b = parse_txn_bench_log(clean_lines(bench_log(tput="600")))
        self.assertEqual(ratio(a, b), 5.0)
        self.assertIsNone(ratio(a, None))


class FuzzLogTest(unittest.TestCase):
    def test_outcome_faults_and_transaction_counts(self):
        r = parse_txn_fuzz_log(clean_lines(FUZZ_LOG))
        self.assertEqual(r.outcome, "PASSED")
        self.assertEqual(r.ops_checked, 2380)
        self.assertEqual((r.txns_committed, r.txns_aborted, r.txns_unknown, r.txns_total, r.txns_cross), (812, 97, 0, 909, 455))
        self.assertEqual(r.txns_secs, 20.3)
        self.assertEqual([e.event for e in r.faults.events], ["killed (SIGKILL)", "restarted"])


class ChecklistAndReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="madkv-p4-report-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_runs_missing_ones_with_their_commands(self):
        stage = P4Stage()
        runs = stage.runs()
        self.assertEqual(len(runs), 4 + 5 * 7)
        self.assertEqual(len({r.relpath for r in runs}), len(runs))
        self.write("fuzz/fuzz-mako-no.log", FUZZ_LOG)
        self.write(bench_path("micro-5", "mako", 50), bench_log())
        self.write(bench_path("micro-5", "2pc", 50), bench_log(mode="2pc", tput="500"))
        self.write(bench_path("bank", "rf1", None), "p4 bench: interrupted\n")
        inv = Inventory(self.dir, runs)
        self.assertEqual(inv.outcome("fuzz/fuzz-mako-no.log").status, PRESENT)
        self.assertEqual(inv.outcome(bench_path("micro-5", "mako", 50)).status, PRESENT)
        self.assertEqual(inv.outcome(bench_path("bank", "rf1", None)).status, UNPARSEABLE)
        self.assertEqual(inv.outcome(bench_path("micro-0", "2pc", 10)).status, MISSING)
        text = format_inventory("p4", inv, stage.hint(), color=False)
        self.assertIn(f"3 of 39 runs present, 35 missing, 1 unparseable.", text)
        self.assertRegex(text, r"\[missing {4}\]  bench micro-0, 2pc, rtt 10 ms +run: npx just p4::bench --workloads micro-0 --modes 2pc --rtts 10\n")
        self.assertRegex(text, r"\[missing {4}\]  fuzz, 2pc, leader crashed +run: npx just p4::fuzz 5 yes 2pc 127\.0\.0\.1:3666,")
        self.assertRegex(text, r"\[unparseable\]  bench bank, rf1 +bench/bench-bank-rf1-c256\.log: no 'Benchmarking results:' block"
                               r" \(run interrupted\?\); re-run: npx just p4::bench --workloads bank --modes rf1")
        self.assertIn("npx just p4::cluster 3 3 3 <txn_mode>", text)
        self.assertIn("Or `npx just p4::campaign` does every run still missing on this machine", text)

        plots = {name: PlotOutcome(name, None, "none of its runs are present yet") for name, _ in stage.plots(inv)}
        parts = stage.markdown(inv, plots, ReportContext(self.dir, "plots-p4", "2026-12-03 09:00"))
        blocks = {p.name: p.text for p in parts if isinstance(p, Generated)}
        self.assertEqual(sorted(blocks), ["bench", "fuzz", "status"])
        self.assertIn("| mako | no | `fuzz/fuzz-mako-no.log` | **PASSED** | 909 (812 committed, 97 aborted, 0 unknown; 455 across shards) |",
                      blocks["fuzz"])
        self.assertIn("| 2pc | yes | `fuzz/fuzz-2pc-yes.log` | *missing* |", blocks["fuzz"])
        # The 50 ms row: both modes' figures and the ratio; rf1 missing, so no Mako / rf1.
        self.assertIn("| micro-5 | 50 | 2,838 (0.4 %) | 500 (0.4 %) | *missing* | 5.68× | — | 84.3 / 154.4 | 84.3 / 154.4 | — |",
                      blocks["bench"])
        self.assertIn("| bank | 0 | *missing* | *missing* | *unparseable* (no 'Benchmarking results:' block (run interrupted?)) |",
                      blocks["bench"])
        self.assertIn("| micro-5 | 5.68× | yes | — | — |", blocks["bench"])
        self.assertIn("| micro-5 | mako | 50 ms | 1.6 | 77.6 | 84.3 | 88.0 | 3.11, 3.33 |", blocks["bench"])
        self.assertIn("**Incomplete:** 3 of 39 runs found", blocks["status"])

    def test_other_client_counts_make_a_sweep(self):
        stage = P4Stage()
        self.write(bench_path("micro-5", "mako", 50), bench_log())
        self.write(bench_path("micro-5", "mako", 50, clients=32), bench_log(clients=32, tput="450"))
        self.write(bench_path("micro-5", "2pc", 50), bench_log(mode="2pc"))  # the matrix alone: no sweep
        sweep = stage.sweep(self.dir)
        self.assertEqual(list(sweep), [("micro-5", "mako", 50)])
        self.assertEqual(sorted(sweep[("micro-5", "mako", 50)]), [32, MATRIX_CLIENTS])
        self.assertEqual(sweep[("micro-5", "mako", 50)][32].throughput, 450.0)


if __name__ == "__main__":
    unittest.main()

"""Unit tests of the log parsers (run by sumgen/test/report.test.ts through sumgen/python.sh,
or directly: bash sumgen/python.sh -m unittest discover -s sumgen/test)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from madkv_report.benchlog import parse_bench_log  # noqa: E402
from madkv_report.fuzzlog import parse_fuzz_log  # noqa: E402
from madkv_report.fuzzviews import fault_summary  # noqa: E402
from madkv_report.logtext import LogFormatError, clean_lines  # noqa: E402
import template_rules  # noqa: E402  (the template's own parsing rules, beside this file)

ESC = "\x1b"

TEMPLATE_BENCH = (
    f"{ESC}[1m{ESC}[33mBenchmarking [Run] phase...{ESC}[0m\n"
    f"{ESC}[1m{ESC}[33mBenchmarking results:{ESC}[0m  {ESC}[36mYCSB-a{ESC}[0m  {ESC}[35m10 clients{ESC}[0m\n"
    f"  {ESC}[36m[Load]{ESC}[0m     812 ms\n"
    "    Throughput:   12345.67 ops/sec\n"
    "    Latency:    INSERT  ops   1000  avg     79.12  min     30  max   4012  p99    301  us\n"
    f"  {ESC}[36m[Run] {ESC}[0m    1530 ms\n"
    "    Throughput:    6535.95 ops/sec\n"
    "    Latency:    READ    ops   5000  avg    100.00  min     20  max    900  p99    400  us\n"
    "                UPDATE  ops   3000  avg    300.00  min     40  max   1900  p99    700  us\n"
)
OUR_PERCENTILES = (
    "[READ], 50thPercentileLatency(us), 90\n"
    "[READ], 99thPercentileLatency(us), 380\n"
    "[UPDATE], 50thPercentileLatency(us), 250\n"
    "[UPDATE], 99thPercentileLatency(us), NaN\n"
    "[OVERALL], RunTime(ms), 1530\n"
)

# The current runner's layout: each phase's YCSB lines after the phase, the block last.
CURRENT_RUNNER_BENCH = (
    "Benchmarking [Load] phase...\n"
    "  YCSB measurements of the [Load] phase (all 10 clients):\n"
    "[OVERALL], RunTime(ms), 812\n"
    "[INSERT], 50thPercentileLatency(us), 55\n"
    "[READ], 50thPercentileLatency(us), 1\n"
    "Benchmarking [Run] phase...\n"
    "  YCSB measurements of the [Run] phase (all 10 clients):\n"
    "[OVERALL], RunTime(ms), 1530\n"
    "[OVERALL], Throughput(ops/sec), 6500.1\n"
    "[READ], Operations, 5000\n"
    "[READ], 50thPercentileLatency(us), 91\n"
    "[READ], 99thPercentileLatency(us), 381\n"
    "[UPDATE], 50thPercentileLatency(us), 251\n"
    "  Note: the YCSB lines above measure all clients together ...\n"
    + TEMPLATE_BENCH.split("\n", 1)[1]  # the block, without its "Benchmarking [Run] phase..." line
)


class CleanLinesTest(unittest.TestCase):
    def test_strips_colours_and_splits_progress_rewrites(self):
        raw = f"{ESC}[32mok{ESC}[0m\n  Progress: 1\r  Progress: 2\r\nlast\x00"
        self.assertEqual(clean_lines(raw), ["ok", "  Progress: 1", "  Progress: 2", "last"])


class FuzzLogTest(unittest.TestCase):
    def test_outcome_and_ops_checked(self):
        lines = clean_lines(
            "  Ops stats:  Put 3  Swap 4  Get 5  Scan 6  Delete 7\n"
            f"{ESC}[1m{ESC}[33mFuzz testing result:{ESC}[0m {ESC}[32mPASSED{ESC}[0m\n"
        )
        result = parse_fuzz_log(lines)
        self.assertEqual(result.outcome, "PASSED")
        self.assertEqual(result.ops_checked, 25)

    def test_no_ops_stats_gives_unknown_count(self):
        self.assertIsNone(parse_fuzz_log(["Fuzz testing result: UNFAIR"]).ops_checked)

    def test_missing_outcome_is_a_format_error(self):
        with self.assertRaises(LogFormatError):
            parse_fuzz_log(["  Progress:  called 10 / 15000"])


def fuzz_log(fault_lines):
    """A fuzz log as the runner prints it, with the given fault section lines (None: no section)."""
    return clean_lines(
        f"{ESC}[1m{ESC}[33mStopping clients...{ESC}[0m\n"
        "  Ops stats:  Put 5000  Swap 5000  Get 7500  Scan 5000  Delete 2500\n"
        "  Keys freq:  [12, 9, 11, 10, 8]\n"
        "  Ran 25000 operations in 41.0 s (610 ops/s)\n"
        + ("".join(line + "\n" for line in fault_lines) if fault_lines is not None else "")
        + f"{ESC}[1m{ESC}[33mChecking linearizability of 25000 operations...{ESC}[0m\n"
        f"{ESC}[1m{ESC}[33mFuzz testing result:{ESC}[0m PASSED\n"
        "  25000 operations on 5 keys are linearizable (checked in 0.4 s)\n"
    )


ONE_SERVER_KILLED = [
    f"{ESC}[1m{ESC}[33mFaults during the run:{ESC}[0m  2 injected, 17 operations retried by clients",
    "  +12.4 s  s1  killed (SIGKILL)",
    "  +20.9 s  s1  restarted",
]


class FuzzFaultsTest(unittest.TestCase):
    def test_the_fault_section_and_run_length_are_parsed(self):
        result = parse_fuzz_log(fuzz_log(ONE_SERVER_KILLED))
        self.assertEqual(result.run_secs, 41.0)
        self.assertEqual((result.faults.injected, result.faults.retried), (2, 17))
        self.assertEqual([(e.at_s, e.node, e.event) for e in result.faults.events],
                         [(12.4, "s1", "killed (SIGKILL)"), (20.9, "s1", "restarted")])
        self.assertEqual(result.outcome, "PASSED")
        self.assertEqual(result.ops_checked, 25000)

    def test_what_happened_is_said_from_the_log(self):
        result = parse_fuzz_log(fuzz_log(ONE_SERVER_KILLED))
        self.assertEqual(fault_summary(result, crashing=True),
                         "s1 killed at 12.4 s of 41.0 s, restarted at 20.9 s; 17 operations retried")

    def test_every_kind_of_event_in_time_order_grouped_by_node_and_link(self):
        result = parse_fuzz_log(fuzz_log([
            "Faults during the run:  7 injected, 1 operation retried by clients",
            "  +5.0 s  s2  stopped (SIGTERM)",
            "  +3.0 s  s0.1  paused (SIGSTOP)",
            "  +4.0 s  s0.1  resumed (SIGCONT)",
            "  +6.5 s  s1  link cut s1->s2",
            "  +9.0 s  s1  link healed s1->s2",
            "  +11.0 s  s2  restarted",
            "  +12.0 s  m  killed (SIGKILL)",
        ]))
        self.assertEqual(
            fault_summary(result, crashing=True),
            "s0.1 paused at 3.0 s of 41.0 s, resumed at 4.0 s; s2 stopped at 5.0 s, restarted at 11.0 s;"
            " link s1->s2 cut at 6.5 s, healed at 9.0 s; m killed at 12.0 s; 1 operation retried",
        )

    def test_labelled_crashing_with_no_fault_recorded_is_flagged(self):
        result = parse_fuzz_log(fuzz_log(["Faults during the run:  0 injected, 0 operations retried by clients"]))
        self.assertEqual(fault_summary(result, crashing=True),
                         "**labelled crashing, but no fault was recorded in the log**")
        self.assertEqual(fault_summary(result, crashing=False), "no faults injected")
        self.assertEqual(fault_summary(result, crashing=None), "no faults injected")

    def test_labelled_healthy_with_faults_recorded_is_flagged(self):
        result = parse_fuzz_log(fuzz_log(ONE_SERVER_KILLED))
        self.assertEqual(fault_summary(result, crashing=False),
                         "**labelled healthy, but faults were recorded:** s1 killed at 12.4 s of 41.0 s,"
                         " restarted at 20.9 s; 17 operations retried")

    def test_a_log_from_before_faults_were_recorded_says_so(self):
        result = parse_fuzz_log(fuzz_log(None))
        self.assertIsNone(result.faults)
        self.assertEqual(fault_summary(result, crashing=True), "faults not recorded")
        self.assertEqual(fault_summary(result, crashing=False), "faults not recorded")

    def test_the_section_ends_at_the_first_line_that_is_no_event(self):
        result = parse_fuzz_log(fuzz_log(ONE_SERVER_KILLED + ["  History kept in /tmp/h.jsonl", "  +30.0 s  s1  killed (SIGKILL)"]))
        self.assertEqual(len(result.faults.events), 2)


class BenchLogTest(unittest.TestCase):
    def test_template_log_uses_the_run_section(self):
        result = parse_bench_log(clean_lines(TEMPLATE_BENCH))
        self.assertEqual((result.workload, result.nclients), ("a", 10))
        self.assertAlmostEqual(result.throughput, 6535.95)
        self.assertEqual(sorted(result.ops), ["READ", "UPDATE"])
        self.assertAlmostEqual(result.avg_latency_us, (5000 * 100 + 3000 * 300) / 8000)
        self.assertEqual(result.p99_latency_us, 700)
        self.assertFalse(result.has_p50)

    def test_percentile_lines_give_p50_and_p99_when_present(self):
        result = parse_bench_log(clean_lines(TEMPLATE_BENCH + OUR_PERCENTILES))
        self.assertEqual(result.ops["READ"].p50_us, 90)
        self.assertEqual(result.ops["READ"].p99_us, 380)
        self.assertEqual(result.ops["UPDATE"].p50_us, 250)
        self.assertEqual(result.ops["UPDATE"].p99_us, 700)  # NaN ignored: the block's p99 stays

    def test_current_runner_layout_takes_the_run_phase_ycsb_lines_before_the_block(self):
        result = parse_bench_log(clean_lines(CURRENT_RUNNER_BENCH))
        self.assertAlmostEqual(result.throughput, 6535.95)  # the block's, not YCSB's
        self.assertEqual(result.ops["READ"].p50_us, 91)  # the [Run] phase's, not the [Load] phase's
        self.assertEqual(result.ops["READ"].p99_us, 381)
        self.assertEqual(result.ops["UPDATE"].p50_us, 251)
        self.assertEqual(result.ops["UPDATE"].p99_us, 700)  # no merged p99: the block's
        self.assertNotIn("INSERT", result.ops)  # the [Load] phase's operation

    def test_truncated_log_is_a_format_error(self):
        truncated = TEMPLATE_BENCH.split("[Run]")[0]
        with self.assertRaises(LogFormatError):
            parse_bench_log(clean_lines(truncated))
        with self.assertRaises(LogFormatError):
            parse_bench_log(clean_lines("\x00\xff garbage\n"))


class TemplateRulesTest(unittest.TestCase):
    """The sample logs above also parse with the template's own rules, to the same numbers."""

    def parse_with_template(self, kind, text):
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".log", delete=False) as f:
            f.write(text)
        try:
            return template_rules.fuzz_outcome(f.name) if kind == "fuzz" else template_rules.bench_result(f.name)
        finally:
            os.unlink(f.name)

    def test_bench_samples(self):
        for sample in (TEMPLATE_BENCH, TEMPLATE_BENCH + OUR_PERCENTILES, CURRENT_RUNNER_BENCH):
            tput, lats = self.parse_with_template("bench", sample)
            ours = parse_bench_log(clean_lines(sample))
            self.assertAlmostEqual(tput, ours.throughput)
            self.assertEqual(sorted(lats), sorted(ours.ops))
            for op, lat in lats.items():
                self.assertEqual((lat["ops"], lat["avg"], lat["p99"]),
                                 (ours.ops[op].ops, ours.ops[op].avg_us, ours.ops[op].block_p99_us))

    def test_a_ycsb_throughput_line_after_the_block_is_what_breaks_the_template(self):
        with self.assertRaises(ValueError):
            self.parse_with_template("bench", TEMPLATE_BENCH + "[OVERALL], Throughput(ops/sec), 6500.1\n")

    def test_fuzz_samples(self):
        for lines in (ONE_SERVER_KILLED, None, ["Faults during the run:  0 injected, 0 operations retried by clients"]):
            text = "\n".join(fuzz_log(lines)) + "\n"
            self.assertEqual(self.parse_with_template("fuzz", text), parse_fuzz_log(fuzz_log(lines)).outcome)


if __name__ == "__main__":
    unittest.main()

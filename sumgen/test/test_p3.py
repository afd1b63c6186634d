"""Unit tests of project 3's own report sections: topology, nemesis and scenario logs, the
perf/*.json figures (missing, malformed, null etcd figures), and the sections built from them
(run by sumgen/test/report.test.ts through sumgen/python.sh, or directly:
bash sumgen/python.sh -m unittest discover -s sumgen/test)."""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from madkv_report.logtext import LogFormatError, clean_lines  # noqa: E402
from madkv_report.p3logs import parse_nemesis_log, parse_scenario_log, parse_topology  # noqa: E402
from madkv_report.perfjson import PerfFileError, load_perf  # noqa: E402
from madkv_report.reportfile import Generated  # noqa: E402
from madkv_report.runs import Inventory  # noqa: E402
from madkv_report.stage import ReportContext  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import proj3  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import template_rules  # noqa: E402  (the template's own parsing rules)
from test_logs import TEMPLATE_BENCH  # noqa: E402
from madkv_report.stage_p3 import P3Stage  # noqa: E402

TOPOLOGY = (
    "Recorded on vm at 2026-12-02T08:00:00.000Z\n"
    "Topology:  host vm  (local cluster /tmp/madkv-p3/cluster: 3 managers, 2 partitions x rf 1)\n"
    "  m.0   127.0.0.1:3666  this host  pid 12\n"
    "  s0.0  10.0.0.8:3777   host node8 (10.0.0.8)  down\n"
    "  s1.0  127.0.0.1:3778  this host  pid 14 paused\n"
)

NEMESIS = (
    TOPOLOGY
    + "nemesis: 300 s on /tmp/madkv-p3/cluster, seed 4242; faults kill, pause, cut, delay every 500-3000 ms,"
    " lasting 1000-5000 ms; at most 1 of m, 1 of s0, 1 of s1 at once\n"
    "+  1.2 s  kill -9 s0.1 (leader of partition 0); restart in 2.0 s\n"
    "+  3.4 s  restarted s0.1\n"
    "+300.0 s  time is up: undoing 1 fault(s)\n"
    "+301.5 s  nemesis done: 2 faults (kill 1, pause 1, cut 0, delay 0; 1 on leaders)\n"
    "  leaders: managers m.0, partition 0 s0.2, partition 1 s1.1\n"
    "Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED\n"
)

SCENARIO = (
    "p3 testcase 2: starting 3 manager replicas and 2 partitions x rf 3 on loopback, storage under /tmp/x\n"
    + TOPOLOGY
    + "scenario 2: a partition leader fails under load; no acknowledged write is lost\n"
    "  ok    partition 0 has a new leader: s0.0\n"
    "  ok    first acknowledged write 635 ms after the kill (election timeout 500-1000 ms; bound 5000 ms)\n"
    "  FAIL  reader GET s2-4  ->  GET s2-4 13  (expected GET s2-4 14)\n"
    "scenario 2: FAILED  (2/3 checks ok)\n"
    "p3 testcase 2: FAILED  (2/3 checks ok)\n"
)


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


THROUGHPUT = {
    "kind": "throughput", "when": "2026-12-02T08:30:00Z", "host": "vm", "cpus": 2, "rf": 3, "partitions": 1,
    "valueBytes": 100, "seconds": 10,
    "rows": [
        {"clients": 10, "op": "get", "ours_ops": 5000.4, "etcd_ops": None, "ratio": None,
         "ours_p50_ms": 1.5, "ours_p99_ms": 6.25, "etcd_p50_ms": None, "etcd_p99_ms": None},
        {"clients": 10, "op": "put", "ours_ops": 3900, "etcd_ops": 1700, "ratio": 2.294,
         "ours_p50_ms": 2, "ours_p99_ms": 9, "etcd_p50_ms": 5, "etcd_p99_ms": 20},
    ],
}
FAILOVER = {"kind": "failover", "when": "w", "host": "vm", "rf": 3, "kills": 2, "samples_ms": [700, 2400],
            "p50_ms": 700, "p99_ms": 2400, "max_ms": 2400}
RESTART = {"kind": "restart", "when": "w", "host": "vm", "keys": 1000000, "restart_ms": 3100,
           "leader_rss_mb": 410.5, "follower_rss_mb": 380, "log_bytes_max": 52428800, "snapshot_bytes": 120000000}


class TopologyTest(unittest.TestCase):
    def test_block_with_nodes_where_and_state(self):
        t = parse_topology(clean_lines(TOPOLOGY + "Fuzz testing configuration: Args {}\n"))
        self.assertEqual(t.host, "vm")
        self.assertEqual(t.source, "local cluster /tmp/madkv-p3/cluster: 3 managers, 2 partitions x rf 1")
        self.assertEqual([(n.node, n.address, n.where, n.state) for n in t.nodes], [
            ("m.0", "127.0.0.1:3666", "this host", "pid 12"),
            ("s0.0", "10.0.0.8:3777", "host node8 (10.0.0.8)", "down"),
            ("s1.0", "127.0.0.1:3778", "this host", "pid 14 paused"),
        ])
        self.assertEqual(t.hosts(), ["this host", "host node8 (10.0.0.8)"])

    def test_no_block(self):
        self.assertIsNone(parse_topology(["Fuzz testing result: PASSED"]))


class TopologyInTemplateLogsTest(unittest.TestCase):
    def test_the_template_reads_a_bench_log_that_opens_with_a_topology_the_same(self):
        paths = []
        for text in (TEMPLATE_BENCH, TOPOLOGY + TEMPLATE_BENCH):
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".log", delete=False) as f:
                f.write(text)
            paths.append(f.name)
        try:
            self.assertEqual(template_rules.bench_result(paths[0]), template_rules.bench_result(paths[1]))
        finally:
            for p in paths:
                os.unlink(p)


class NemesisLogTest(unittest.TestCase):
    def test_a_complete_run(self):
        run = parse_nemesis_log(clean_lines(NEMESIS))
        self.assertEqual((run.duration_s, run.seed, run.cluster), (300, 4242, "/tmp/madkv-p3/cluster"))
        self.assertEqual(run.injected, 2)
        self.assertEqual(run.by_kind, [("kill", 1), ("pause", 1), ("cut", 0), ("delay", 0)])
        self.assertEqual(run.on_leaders, 1)
        self.assertEqual(run.events[0], (1.2, "kill -9 s0.1 (leader of partition 0); restart in 2.0 s"))
        self.assertEqual(len(run.events), 3)
        self.assertTrue(run.healthy_end)
        self.assertEqual(run.fuzz, [("fuzz/fuzz-3-yes.log", "PASSED")])
        self.assertEqual(run.topology.host, "vm")

    def test_not_recovered_and_no_fuzz(self):
        text = NEMESIS.replace("Fuzz run beside it:  fuzz/fuzz-3-yes.log  PASSED\n",
                               "  NOT recovered: s0.1 (kill)\n  no leader after 60 s in partition 0\n"
                               "Fuzz run beside it:  none found (this log holds the nemesis's schedule alone)\n")
        run = parse_nemesis_log(clean_lines(text))
        self.assertFalse(run.healthy_end)
        self.assertEqual(run.not_recovered, "s0.1 (kill)")
        self.assertEqual(run.fuzz, [("none", "not found")])

    def test_unfinished_or_foreign_logs_are_refused(self):
        with self.assertRaisesRegex(LogFormatError, "did not finish"):
            parse_nemesis_log(clean_lines(NEMESIS.split("+301.5")[0]))
        with self.assertRaisesRegex(LogFormatError, "not a nemesis log"):
            parse_nemesis_log(["Fuzz testing result: PASSED"])


class ScenarioLogTest(unittest.TestCase):
    def test_verdict_checks_failures_and_failover(self):
        s = parse_scenario_log(clean_lines(SCENARIO))
        self.assertEqual((s.num, s.verdict, s.checks_ok, s.checks), (2, "FAILED", 2, 3))
        self.assertEqual(s.title, "a partition leader fails under load; no acknowledged write is lost")
        self.assertEqual(s.failover_ms, 635)
        self.assertEqual(s.failures, ["reader GET s2-4  ->  GET s2-4 13  (expected GET s2-4 14)"])

    def test_broken_off(self):
        with self.assertRaises(LogFormatError):
            parse_scenario_log(clean_lines(SCENARIO.rsplit("p3 testcase 2:", 1)[0]))


class PerfJsonTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="madkv-perf-test-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def test_missing_is_none_and_good_files_load(self):
        self.assertIsNone(load_perf(self.root, "throughput"))
        for kind, data in (("throughput", THROUGHPUT), ("failover", FAILOVER), ("restart", RESTART)):
            write(self.root, f"perf/{kind}.json", json.dumps(data))
            self.assertEqual(load_perf(self.root, kind)["kind"], kind)

    def test_malformed_files_say_what_is_wrong(self):
        cases = [
            ("throughput", "{ not json", "not valid JSON"),
            ("throughput", "[1, 2]", "not a JSON object"),
            ("throughput", json.dumps({**THROUGHPUT, "kind": "failover"}), "'kind' must be \"throughput\""),
            ("throughput", json.dumps({**THROUGHPUT, "rows": []}), "'rows' must be a non-empty list"),
            ("throughput", json.dumps({**THROUGHPUT, "rows": [{**THROUGHPUT["rows"][0], "op": "scan"}]}), "rows\\[0\\]: 'op'"),
            ("throughput", json.dumps({**THROUGHPUT, "rows": [{**THROUGHPUT["rows"][0], "ours_ops": None}]}),
             "rows\\[0\\]: 'ours_ops' must be a number, got null"),
            ("failover", json.dumps({**FAILOVER, "samples_ms": [1, "x"]}), "'samples_ms' must be a list of numbers"),
            ("failover", json.dumps({**FAILOVER, "p99_ms": True}), "'p99_ms' must be a number"),
            ("restart", json.dumps({k: v for k, v in RESTART.items() if k != "restart_ms"}), "'restart_ms' must be a number, got \"absent\""),
            ("restart", b"\xff\xfe garbage", "not valid JSON"),
        ]
        for kind, text, message in cases:
            path = os.path.join(self.root, "perf", f"{kind}.json")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode())
            with self.assertRaisesRegex(PerfFileError, message, msg=f"{kind}: {text!r}"):
                load_perf(self.root, kind)


class P3SectionsTest(unittest.TestCase):
    def report(self, root):
        stage = P3Stage(proj3.PROJECT3)
        inv = Inventory(root, stage.runs())
        ctx = ReportContext(results_dir=root, plots_rel="plots-p3", generated_at="now")
        plots = {name: type("P", (), {"filename": None, "note": "no data", "name": name})() for name, _ in stage.plots(inv)}
        return {p.name: p.text for p in stage.markdown(inv, plots, ctx) if isinstance(p, Generated)}

    def test_empty_results_say_how_to_produce_each_section(self):
        root = tempfile.mkdtemp(prefix="madkv-p3-empty-")
        self.addCleanup(shutil.rmtree, root, True)
        blocks = self.report(root)
        self.assertIn("npm run bench:p3 -- throughput", blocks["perf"])
        self.assertIn("npm run bench:p3 -- failover --kills 20", blocks["perf"])
        self.assertIn("npm run bench:p3 -- restart --keys 1000000", blocks["perf"])
        self.assertIn("No nemesis logs under", blocks["nemesis"])
        self.assertIn("npx just p3::nemesis 300", blocks["nemesis"])
        self.assertIn("run `npx just p3::testcase 3`", blocks["testcases"])
        self.assertIn("No log under", blocks["topology"])

    def test_sections_from_logs_and_figures(self):
        root = tempfile.mkdtemp(prefix="madkv-p3-full-")
        self.addCleanup(shutil.rmtree, root, True)
        write(root, "tests/test2.log", SCENARIO)
        write(root, "tests/test1.log", SCENARIO.replace("testcase 2", "testcase 1").replace("FAILED", "PASSED"))
        write(root, "tests/test3.log", "garbage\n")
        write(root, "nemesis/nemesis-300s-4242.log", NEMESIS)
        write(root, "nemesis/nemesis-60s-1.log", "nemesis: 60 s on /x, seed 1; faults kill every 1 ms\n")
        write(root, "fuzz/fuzz-5-no.log", "Fuzz testing result: PASSED\n")
        write(root, "perf/throughput.json", json.dumps(THROUGHPUT))
        write(root, "perf/failover.json", json.dumps(FAILOVER))
        write(root, "perf/restart.json", "{")
        blocks = self.report(root)
        tc = blocks["testcases"]
        self.assertIn("| 2 | fail a leader: a new one is elected and clients continue | `tests/test2.log` | **FAILED** | 2/3 |", tc)
        self.assertIn("first acknowledged write 635 ms after kill -9 of the leader", tc)
        self.assertIn("failed: reader GET s2-4", tc)
        self.assertIn("| 1 | fail followers", tc)
        self.assertIn("**PASSED**", tc)
        self.assertIn("*unparseable* (no 'p3 testcase N: PASSED or FAILED' line", tc)
        nem = blocks["nemesis"]
        self.assertIn("| `nemesis/nemesis-300s-4242.log` | 300 s | 4242 | 2 (kill 1, pause 1, cut 0, delay 0) | 1 |"
                      " all undone, every group led | `fuzz/fuzz-3-yes.log` **PASSED** |", nem)
        self.assertIn("*unparseable* (no 'nemesis done:' line: the run did not finish)", nem)
        self.assertIn("kill -9 s0.1 (leader of partition 0)", nem)
        perf = blocks["perf"]
        self.assertIn("| 10 | PUT | 3,900 | 1,700 | 2.29× | yes | 2.00 / 9.00 | 5.00 / 20.00 |", perf)
        self.assertIn("| 10 | GET | 5,000 | not measured | — | — | 1.50 / 6.25 | — |", perf)
        self.assertIn("| 3 | 2 | 700 | 2,400 | 2,400 | **no** |", perf)
        self.assertIn("`perf/restart.json` is malformed: not valid JSON", perf)
        topo = blocks["topology"]
        self.assertIn("local cluster /tmp/madkv-p3/cluster: 3 managers, 2 partitions x rf 1", topo)
        self.assertIn("this host, host node8 (10.0.0.8)", topo)
        self.assertIn("| s0.0 | `10.0.0.8:3777` | host node8 (10.0.0.8) |", topo)
        self.assertIn("log(s) record no topology", topo)
        self.assertIn("`fuzz/fuzz-5-no.log`", topo)


if __name__ == "__main__":
    unittest.main()

"""Unit tests of the report file's update rules (madkv_report/reportfile.py): a run rewrites
only the generated blocks, and never loses the student's text."""

import glob
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from madkv_report.reportfile import (  # noqa: E402
    Generated, MarkerError, apply_plan, parse_report, plan_write, read_text, render,
)

COMMAND = "just p1::report"


def report_parts(fuzz_outcome: str, bench_tput: str):
    return [
        "# CS 739 MadKV Project 1",
        "**Group members**: Name `email`, Name `email`",
        Generated("status", "> All 32 runs the report needs were found."),
        "## Design Walkthrough",
        "*FIXME: add your design walkthrough text*",
        "## Fuzz Testing",
        Generated("fuzz", f"| Clients | Outcome |\n| :-: | :-: |\n| 3 | {fuzz_outcome} |"),
        "### Comments",
        "*FIXME: add your comments on fuzz testing*",
        "## YCSB Benchmarking",
        Generated("bench", f"Throughput: {bench_tput} ops/sec"),
    ]


class ReportFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="madkv-reportfile-")
        self.md = os.path.join(self.dir, "proj1.md")
        self.generated = os.path.join(self.dir, "proj1.generated.md")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_report(self, parts, stamp="20250101-120000"):
        plan = plan_write(self.md, parts, COMMAND, stamp)
        apply_plan(plan)
        return plan

    def write(self, path, text):
        with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(text)

    def backups(self, path):
        return sorted(glob.glob(path + ".bak-*"))

    def test_a_first_run_writes_the_report_with_visible_placeholders_and_markers(self):
        plan = self.run_report(report_parts("PASSED", "100"))
        self.assertEqual(plan.path, self.md)
        text = read_text(self.md)
        self.assertIn("*FIXME: add your design walkthrough text*", text)
        self.assertRegex(text, r"<!-- BEGIN GENERATED fuzz [0-9a-f]{12}: `just p1::report` rewrites this block; write outside it -->")
        self.assertIn("<!-- END GENERATED fuzz -->", text)
        self.assertEqual([b.name for b in parse_report(text).blocks], ["status", "fuzz", "bench"])

    def test_a_rerun_rewrites_the_blocks_and_keeps_every_byte_outside_them(self):
        self.run_report(report_parts("PASSED", "100"))
        edited = (
            read_text(self.md)
            .replace("Name `email`, Name `email`", "Ada `ada@x.edu`")
            .replace("*FIXME: add your design walkthrough text*", "Our server uses one map.   \r\nCafé \udcff.")
            .replace("*FIXME: add your comments on fuzz testing*", "It passed.")
            + "\nAn appendix the report never wrote.\n"
        )
        self.write(self.md, edited)
        plan = self.run_report(report_parts("FAILED", "250"))
        self.assertEqual(plan.path, self.md)
        self.assertFalse(plan.report_kept)
        after = read_text(self.md)
        self.assertIn("| 3 | FAILED |", after)
        self.assertIn("Throughput: 250 ops/sec", after)
        self.assertNotIn("PASSED", after)
        self.assertEqual(parse_report(after).outside_text(), parse_report(edited).outside_text())
        self.assertEqual(self.backups(self.md), [])
        self.assertFalse(os.path.exists(self.generated))

    def test_whitespace_and_line_ending_changes_inside_a_block_are_not_edits(self):
        self.run_report(report_parts("PASSED", "100"))
        text = read_text(self.md).replace("\n", "\r\n").replace("| 3 | PASSED |", "| 3 | PASSED |   ")
        self.write(self.md, text)
        plan = self.run_report(report_parts("FAILED", "100"))
        self.assertEqual(plan.path, self.md)
        after = read_text(self.md)
        self.assertIn("| 3 | FAILED |\r\n", after)  # the file keeps its CRLF line endings
        self.assertNotIn("\r\r", after)

    def test_an_edit_inside_a_block_leaves_the_report_alone_and_writes_alongside(self):
        self.run_report(report_parts("PASSED", "100"))
        edited = (read_text(self.md)
                  .replace("| 3 | PASSED |", "| 3 | PASSED (we checked by hand) |")
                  .replace("*FIXME: add your comments on fuzz testing*", "It passed."))
        self.write(self.md, edited)
        plan = self.run_report(report_parts("FAILED", "250"))
        self.assertTrue(plan.report_kept)
        self.assertEqual(read_text(self.md), edited)
        self.assertEqual(plan.path, self.generated)
        alongside = read_text(self.generated)
        self.assertIn("It passed.", alongside)  # the student's text outside the blocks
        self.assertIn("| 3 | FAILED |", alongside)  # fresh blocks
        self.assertEqual([read_text(p) for p in self.backups(self.md)], [edited])
        said = "\n".join(plan.messages)
        self.assertIn("you edited inside the generated block 'fuzz'", said)
        self.assertIn(f"A copy of it is in {self.md}.bak-20250101-120000", said)
        self.assertIn(f"The new report is in {self.generated}", said)

        # Again, unresolved: no second copy of the same text, and the untouched alongside file
        # is simply replaced.
        plan = self.run_report(report_parts("PASSED", "300"), stamp="20250101-130000")
        self.assertEqual(len(self.backups(self.md)), 1)
        self.assertEqual(self.backups(self.generated), [])
        self.assertIn("Throughput: 300 ops/sec", read_text(self.generated))

        # Text written into the alongside file is kept too before it is replaced.
        self.write(self.generated, read_text(self.generated).replace("It passed.", "It passed, twice."))
        plan = self.run_report(report_parts("PASSED", "400"), stamp="20250101-140000")
        kept = self.backups(self.generated)
        self.assertEqual(len(kept), 1)
        self.assertIn("It passed, twice.", read_text(kept[0]))
        self.assertIn(f"it is kept in {kept[0]}", "\n".join(plan.messages))

    def test_a_report_without_markers_is_left_alone(self):
        old = ("# CS 739 MadKV Project 1\n\n<!-- your design walkthrough here -->\n\nWe use a B-tree.\n\n"
               "| Configuration | Outcome |\n| :-- | :-: |\n| 3 clients | PASSED |\n")
        self.write(self.md, old)
        plan = self.run_report(report_parts("FAILED", "250"))
        self.assertEqual(read_text(self.md), old)
        self.assertEqual(plan.path, self.generated)
        self.assertEqual(read_text(self.generated), render(report_parts("FAILED", "250"), COMMAND))
        self.assertEqual([read_text(p) for p in self.backups(self.md)], [old])
        self.assertIn("it has no BEGIN/END GENERATED markers", "\n".join(plan.messages))

    def test_damaged_markers_leave_the_report_alone(self):
        self.run_report(report_parts("PASSED", "100"))
        damaged = read_text(self.md).replace("<!-- END GENERATED fuzz -->\n", "")
        self.write(self.md, damaged)
        plan = self.run_report(report_parts("FAILED", "250"))
        self.assertEqual(read_text(self.md), damaged)
        self.assertEqual(plan.path, self.generated)
        self.assertIn("markers are damaged", "\n".join(plan.messages))
        with self.assertRaises(MarkerError):
            parse_report(damaged)

    def test_a_removed_block_is_not_added_back_and_the_others_are_updated(self):
        self.run_report(report_parts("PASSED", "100"))
        text = read_text(self.md)
        start = text.index("<!-- BEGIN GENERATED bench")
        end = text.index("<!-- END GENERATED bench -->") + len("<!-- END GENERATED bench -->")
        self.write(self.md, text[:start] + "Benchmarks: see the appendix." + text[end:])
        plan = self.run_report(report_parts("FAILED", "250"))
        after = read_text(self.md)
        self.assertIn("| 3 | FAILED |", after)
        self.assertIn("Benchmarks: see the appendix.", after)
        self.assertNotIn("250", after)
        self.assertIn("has no block 'bench'", "\n".join(plan.messages))

    def test_markers_that_do_not_pair_are_errors(self):
        begin = "<!-- BEGIN GENERATED a 000000000000: x -->\n"
        for text in [
            "<!-- END GENERATED a -->\n",
            begin,
            begin + "<!-- END GENERATED b -->\n",
            begin + begin.replace(" a ", " b ") + "<!-- END GENERATED b -->\n<!-- END GENERATED a -->\n",
            begin + "<!-- END GENERATED a -->\n" + begin + "<!-- END GENERATED a -->\n",
            "<!-- BEGIN GENERATED -->\n",
        ]:
            with self.assertRaises(MarkerError, msg=text):
                parse_report(text)


if __name__ == "__main__":
    unittest.main()

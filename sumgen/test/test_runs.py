"""Unit tests of the run lists `pN::campaign` reads (`report.sh pN --list-runs`): each run's
recipe arguments are the ones its listed command uses, and the JSON says what was found
(run by sumgen/test/report.test.ts through sumgen/python.sh, or directly:
bash sumgen/python.sh -m unittest discover -s sumgen/test)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from madkv_report.runs import Inventory, runs_json  # noqa: E402
from madkv_report.stage_p1 import Project1  # noqa: E402
from madkv_report.stage_p3 import P3Stage  # noqa: E402
from madkv_report.stage_scaled import ScaledStage  # noqa: E402
import proj2  # noqa: E402
import proj3  # noqa: E402

STAGES = [Project1(), ScaledStage(proj2.PROJECT2), P3Stage(proj3.PROJECT3)]


class RunArgumentsTest(unittest.TestCase):
    def test_the_arguments_are_those_of_the_listed_command(self):
        for stage in STAGES:
            for run in stage.runs():
                words = run.command.split()
                self.assertEqual(words[:3], ["npx", "just", f"{stage.key}::{run.kind}"], run.command)
                # The command is the recipe, its arguments, then (but for p3's testcases) the address.
                self.assertEqual(tuple(words[3:3 + len(run.args)]), run.args, run.command)
                self.assertLessEqual(len(words) - 3 - len(run.args), 1, run.command)

    def test_every_run_has_arguments_and_its_own_log(self):
        for stage in STAGES:
            runs = stage.runs()
            self.assertTrue(all(run.args for run in runs), stage.key)
            self.assertEqual(len({run.relpath for run in runs}), len(runs), stage.key)

    def test_the_counts_are_the_templates(self):
        self.assertEqual([len(s.runs()) for s in STAGES], [32, 27, 30])


class RunsJsonTest(unittest.TestCase):
    def test_lists_every_run_with_its_status(self):
        with tempfile.TemporaryDirectory() as results:
            os.makedirs(os.path.join(results, "tests"))
            with open(os.path.join(results, "tests", "test1.log"), "w") as f:
                f.write("testcase 1: PASSED\n")
            with open(os.path.join(results, "tests", "test2.log"), "w") as f:
                f.write("")
            data = json.loads(runs_json(Inventory(results, Project1().runs())))
        self.assertEqual(data["results"], results)
        first = data["runs"][:3]
        self.assertEqual([r["status"] for r in first], ["present", "unparseable", "missing"])
        self.assertEqual(first[0], {"kind": "testcase", "relpath": "tests/test1.log", "label": "testcase 1",
                                    "args": ["1"], "status": "present", "reason": ""})
        self.assertIn("empty", first[1]["reason"])


if __name__ == "__main__":
    unittest.main()

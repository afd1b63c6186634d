"""The course template's own log parsing rules, as its report scripts apply them.

Every log our runner writes must parse with these rules, because students also run the
template's report scripts on our logs. This file restates those rules so tests can check
real logs with them:

- fuzz: the first line containing ``Fuzz testing result:``; its last whitespace-separated
  token, with colour codes removed, is the outcome;
- bench: after the first line containing ``Benchmarking results:``, the first line
  containing ``[Run]`` starts the run section; from there to the end of the file every
  (stripped) line containing ``Throughput`` is read as ``float(line.split()[-2])``, and every
  (stripped) line ending in `` us`` is a latency row read by position from the end
  (op = token -12, ops = -10, avg = -8, p99 = -2), each number through ``float``.

Any exception is what the template's script would crash with.

    python3 template_rules.py fuzz|bench FILE...   prints one JSON object per file, exit 1 on the first failure
"""

from __future__ import annotations

import json
import re
import sys
from typing import Dict, Tuple

# The template's pattern for colour codes (two-character escapes and CSI sequences).
TEMPLATE_ANSI_RE = re.compile(r"\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")


class TemplateParseError(Exception):
    """What the template's script raises as RuntimeError: the log lacks what it looks for."""


def fuzz_outcome(path: str) -> str:
    with open(path, "r", encoding="utf-8") as log:
        for line in log:
            line = line.strip()
            if "Fuzz testing result:" in line:
                return TEMPLATE_ANSI_RE.sub("", line.split()[-1])
    raise TemplateParseError(f"cannot find fuzzing outcome in '{path}'")


def bench_result(path: str) -> Tuple[float, Dict[str, Dict[str, float]]]:
    tput = 0.0
    lats: Dict[str, Dict[str, float]] = {}
    in_numbers = in_run = False
    with open(path, "r", encoding="utf-8") as log:
        for line in log:
            line = line.strip()
            if not in_numbers and "Benchmarking results:" in line:
                in_numbers = True
            elif in_numbers and not in_run and "[Run]" in line:
                in_run = True
            elif in_run:
                if "Throughput" in line:
                    tput = float(line.split()[-2])
                elif line.endswith(" us"):
                    tokens = line.split()
                    lats[tokens[-12]] = {
                        "ops": float(tokens[-10]),
                        "avg": float(tokens[-8]),
                        "p99": float(tokens[-2]),
                    }
    if not lats:
        raise TemplateParseError(f"cannot find expected stats in '{path}'")
    return tput, lats


def main(argv: list) -> int:
    if len(argv) < 2 or argv[0] not in ("fuzz", "bench"):
        print("usage: template_rules.py fuzz|bench FILE...", file=sys.stderr)
        return 2
    kind, paths = argv[0], argv[1:]
    for path in paths:
        try:
            if kind == "fuzz":
                result: object = {"file": path, "outcome": fuzz_outcome(path)}
            else:
                tput, lats = bench_result(path)
                result = {"file": path, "throughput": tput, "lats": lats}
        except Exception as err:  # exactly what would stop the template's script
            print(f"{path}: {type(err).__name__}: {err}", file=sys.stderr)
            return 1
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

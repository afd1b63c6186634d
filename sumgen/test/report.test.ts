// End-to-end test of the report generator: fixture logs in a temp folder, the real
// `bash sumgen/report.sh pN` (with no terminal on stdin), then the markdown and PNGs.
// Needs a Python with matplotlib: `bash sumgen/install-deps.sh` (CI runs it first).

import { strict as assert } from "node:assert";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { benchLog, faultsSection, fuzzLog } from "./fixture-logs";
import { DEFAULT_BENCH_CLIENTS, type TxnBenchRun, benchLogName, formatBenchLog } from "../../runner/src/bench/p4/bench-log";

const REPORT_TIMEOUT_MS = 180_000;

/** The repository root, from the source tree or from dist/: the first folder with package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const ROOT = repoRoot();

function runBash(args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync("bash", args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"], // no TTY: the generator must never wait for input
    timeout: REPORT_TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return result;
}

function report(stage: string, results: string, out: string): SpawnSyncReturns<string> {
  const result = runBash(["sumgen/report.sh", stage, "--results", results, "--out", out]);
  assert.equal(result.status, 0, `report.sh ${stage} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function writeLog(dir: string, relpath: string, text: string | Buffer): void {
  mkdirSync(dirname(join(dir, relpath)), { recursive: true });
  writeFileSync(join(dir, relpath), text);
}

// ---- checks on the output -----------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function checkPng(path: string): void {
  const data = readFileSync(path);
  assert.ok(data.length > 2000, `${path}: only ${data.length} bytes`);
  assert.ok(data.subarray(0, 8).equals(PNG_SIGNATURE), `${path}: not a PNG signature`);
  assert.equal(data.subarray(12, 16).toString("latin1"), "IHDR", `${path}: first chunk is not IHDR`);
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  assert.ok(width >= 400 && width <= 1600, `${path}: width ${width} (at most 1600 px, to be read without zooming out)`);
  assert.ok(height >= 300 && height <= 4000, `${path}: height ${height}`);
}

function pngsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".png")).sort() : [];
}

const SECTIONS = [
  "## Design Walkthrough",
  "## Self-provided Testcases",
  "## Fuzz Testing",
  "## YCSB Benchmarking",
  "## Additional Discussion",
];

function checkSectionsInOrder(md: string): void {
  let from = 0;
  for (const heading of SECTIONS) {
    const at = md.indexOf(`\n${heading}\n`, from);
    assert.ok(at >= 0, `section "${heading}" missing or out of order`);
    from = at;
  }
  // Placeholders stay visible when the markdown is rendered, as the template's `*FIXME: …*` do.
  assert.match(md, /^\*FIXME: add your design walkthrough text.*\*$/m);
  assert.match(md, /^\*FIXME: add your comments on fuzz testing\*$/m);
  assert.match(md, /^\*FIXME: add your discussions of benchmarking results.*\*$/m);
  assert.match(md, /^\*OPTIONAL: add extra discussions if applicable\*$/m);
  assert.doesNotMatch(md, /<!-- your /, "no placeholder hidden in an HTML comment");
}

/** Every figure the markdown links exists, and every PNG in the folder is linked. */
function checkFigures(md: string, outDir: string, plotsRel: string, expected: string[]): void {
  const linked = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]).sort();
  assert.deepEqual(linked, expected.map((name) => `${plotsRel}/${name}`).sort());
  assert.deepEqual(pngsIn(join(outDir, plotsRel)), [...expected].sort());
  for (const name of expected) checkPng(join(outDir, plotsRel, name));
}

function hasRow(md: string, cells: string[]): boolean {
  return md.split("\n").some((line) => line === `| ${cells.join(" | ")} |`);
}

function assertRow(md: string, cells: string[]): void {
  assert.ok(hasRow(md, cells), `no table row | ${cells.join(" | ")} |`);
}

// ---- the tests --------------------------------------------------------------------------

describe("sumgen report generation", () => {
  let tmp = "";

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "madkv-sumgen-"));
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the Python log parsers pass their unit tests", () => {
    const result = runBash(["sumgen/python.sh", "-m", "unittest", "discover", "-s", "sumgen/test", "-p", "test_*.py"]);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /\nOK\s*$/);
  });

  test("p1: checklist first, then markdown with fuzz table, numbers and valid plots", () => {
    const results = join(tmp, "p1");
    const out = join(tmp, "report");
    writeLog(results, "tests/test1.log", "PUT k1 v1\nPUT k1 not_found\n");
    writeLog(results, "tests/test2.log", "testcase 2: one client  (server 127.0.0.1:3777)\n  ok    c0 GET k1  ->  GET k1 v1\ntestcase 2: PASSED  (1/1 checks ok)\n");
    writeLog(results, "fuzz/fuzz-1-no.log", fuzzLog("PASSED", [1000, 1000, 1500, 1000, 500], true, faultsSection(0, 0, [])));
    writeLog(results, "fuzz/fuzz-3-yes.log", fuzzLog("FAILED", [2, 3, 4, 5, 6], false));
    writeLog(results, "fuzz/fuzz-3-no.log", Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x0a, 0x42, 0x41]));
    writeLog(results, "bench/bench-1-a.log", benchLog("a", 1, 9876.54, [
      { op: "READ", ops: 5000, avg: 100.5, p99: 400, p50: 90, mergedP99: 390 },
      { op: "UPDATE", ops: 5000, avg: 200.5, p99: 800, p50: 180, mergedP99: 780 },
    ], false));
    writeLog(results, "bench/bench-1-c.log", benchLog("c", 1, 18000, [
      { op: "READ", ops: 10000, avg: 55.4, p99: 300 },
    ], true));
    const interrupted = benchLog("e", 1, 1000, [{ op: "SCAN", ops: 10, avg: 1, p99: 1 }], true);
    writeLog(results, "bench/bench-1-e.log", interrupted.slice(0, interrupted.lastIndexOf("[Run]")));
    writeLog(results, "bench/bench-10-a.log", benchLog("a", 10, 43210, [
      { op: "READ", ops: 50000, avg: 400, p99: 1500, p50: 350, mergedP99: 1400 },
      { op: "UPDATE", ops: 50000, avg: 600, p99: 2500, p50: 550, mergedP99: 2400 },
    ], true, true)); // a log from a runner that printed YCSB's lines after the block

    const run = report("p1", results, out);
    const stdout = run.stdout;
    assert.match(stdout.split("\n")[0], /^Runs the p1 report needs \(logs under .*p1\/\):$/);
    assert.match(stdout, /\[present {4}\] {2}fuzz, 1 client, disjoint keys {2,}fuzz\/fuzz-1-no\.log/);
    assert.match(stdout, /\[missing {4}\] {2}testcase 3 {2,}run: npx just p1::testcase 3 127\.0\.0\.1:3777$/m);
    assert.match(stdout, /\[missing {4}\] {2}bench YCSB-E, 85 clients {2,}run: npx just p1::bench 85 e 127\.0\.0\.1:3777$/m);
    assert.match(stdout, /with your server's address in place of 127\.0\.0\.1:3777/);
    assert.match(stdout, /\[unparseable\] {2}fuzz, 3 clients, disjoint keys {2,}fuzz\/fuzz-3-no\.log: /);
    assert.match(stdout, /\[unparseable\] {2}bench YCSB-E, 1 client {2,}bench\/bench-1-e\.log: no \[Run\] section/);
    assert.match(stdout, /^7 of 32 runs present, 23 missing, 2 unparseable\.$/m);
    assert.ok(stdout.indexOf("Runs the p1 report needs") < stdout.indexOf("Wrote "), "checklist comes first");

    const md = readFileSync(join(out, "proj1.md"), "utf8");
    checkSectionsInOrder(md);
    assert.match(md, /^> \*\*Incomplete:\*\* 7 of 32 runs found/m);
    assertRow(md, ["1", "single client, every operation", "`tests/test1.log`", "found (2 lines)"]);
    assertRow(md, ["2", "single client, every operation (overwrites, deletes, scan edges)", "`tests/test2.log`", "found (3 lines), **PASSED**"]);
    assertRow(md, ["3", "several clients, disjoint keys", "`tests/test3.log`", "*missing*"]);

    assertRow(md, ["1", "no", "`fuzz/fuzz-1-no.log`", "PASSED", "5,000", "no faults injected"]);
    assertRow(md, ["3", "yes", "`fuzz/fuzz-3-yes.log`", "FAILED", "20", "faults not recorded"]);
    assert.match(md, /^\| 3 \| no \| `fuzz\/fuzz-3-no\.log` \| \*unparseable\* \(.+\) \| — \| — \|$/m);
    assert.match(md, /^You will run some testcases during demo time\.$/m);
    assert.match(md, /^You will run a multi-client conflicting-keys fuzz test during demo time\.$/m);

    // [Run] numbers only (the [Load] INSERT line must not leak in); avg weighted by count,
    // p99 the max per-op p99, taken from the merged percentile lines when present; whole
    // numbers without a decimal part.
    assertRow(md, ["YCSB-A", "9,876.5", "150.5", "780"]);
    assertRow(md, ["YCSB-C", "18,000", "55.4", "300"]);
    assertRow(md, ["YCSB-B", "*missing*", "—", "—"]);
    assert.match(md, /^\| YCSB-E \| \*unparseable\* \(no \[Run\] section.*\) \| — \| — \|$/m);
    assertRow(md, ["YCSB-A", "READ", "5,000", "100.5", "90", "390", "9,000"]);
    assertRow(md, ["YCSB-C", "READ", "10,000", "55.4", "—", "300", "9,000"]);
    assertRow(md, ["YCSB-A", "10", "43,210", "500", "2,400"]);
    assertRow(md, ["YCSB-A", "10", "UPDATE", "50,000", "600", "550", "2,400", "9,000"]);
    assertRow(md, ["YCSB-E", "85", "*missing*", "—", "—"]);
    assert.doesNotMatch(md, /7,777|99,999/, "numbers of the [Load] phase must not be reported");

    checkFigures(md, out, "plots-p1", [
      "ycsb-lats-trend.png",
      "ycsb-op-lats-trend.png",
      "ycsb-single-cli-op-lats.png",
      "ycsb-single-cli.png",
      "ycsb-tput-trend.png",
    ]);
  });

  test("p1 again: the student's text is kept, the generated blocks follow the new results, stale plots go", () => {
    const out = join(tmp, "report");
    const mdPath = join(out, "proj1.md");
    const written = readFileSync(mdPath, "utf8")
      .replace("Name `email`, Name `email`", "Ada Lovelace `ada@example.edu`")
      .replace(/^\*FIXME: add your design walkthrough text.*\*$/m, "Our server keeps one ordered map.\n\nIt answers in order.")
      .replace("*FIXME: add your comments on fuzz testing*", "Every fuzz run passed on the first try.");
    writeFileSync(mdPath, written + "\n## Appendix\n\nA section the report never wrote.\n");
    const empty = join(tmp, "p1-nothing-yet");
    const run = report("p1", empty, out);
    assert.match(run.stdout, /^Updated the generated blocks of .*proj1\.md; your text outside them is as it was\.$/m);
    assert.match(run.stdout, /^0 of 32 runs present, 32 missing, 0 unparseable\. \(The results folder .* does not exist yet\.\)$/m);
    const md = readFileSync(mdPath, "utf8");
    for (const kept of [
      "**Group members**: Ada Lovelace `ada@example.edu`",
      "Our server keeps one ordered map.\n\nIt answers in order.",
      "Every fuzz run passed on the first try.",
      "## Appendix\n\nA section the report never wrote.\n",
    ]) assert.ok(md.includes(kept), `the student's text is gone: ${kept}`);
    assert.match(md, /^> \*\*Incomplete:\*\* 0 of 32 runs found/m);
    assert.doesNotMatch(md, /9,876\.5/, "the old results are gone from the generated blocks");
    assert.match(md, /\*Figure `ycsb-single-cli\.png` not drawn: none of its runs are present yet\.\*/);
    assert.deepEqual(pngsIn(join(out, "plots-p1")), []);
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith("proj1")), ["proj1.md"], "nothing written alongside");
  });

  test("on a terminal it asks nothing either: it updates the report and exits", () => {
    const out = join(tmp, "report-tty");
    report("p1", join(tmp, "p1-nothing-yet"), out);
    const mdPath = join(out, "proj1.md");
    writeFileSync(mdPath, readFileSync(mdPath, "utf8").replace("*FIXME: add your comments on fuzz testing*", "Written on a terminal."));
    // `script` runs the command on a pseudo-terminal (stdin, stdout and stderr are TTYs).
    // One fuzz log and no bench logs: nothing to plot, so the run is quick.
    const results = join(tmp, "p1-one-fuzz-log");
    writeLog(results, "fuzz/fuzz-3-yes.log", fuzzLog("PASSED", [1, 1, 1, 1, 1], false));
    const cmd = `bash sumgen/report.sh p1 --results '${results}' --out '${out}'`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: REPORT_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /\[y\/N\]|Overwrite\?/);
    assert.match(r.stdout, /Updated the generated blocks of .*proj1\.md/);
    const md = readFileSync(mdPath, "utf8");
    assert.ok(md.includes("Written on a terminal."));
    assert.match(md, /^> \*\*Incomplete:\*\* 1 of 32 runs found/m, "the blocks follow the new results");
  });

  test("a report from before the generated blocks is left as it is; the new one goes alongside", () => {
    const out = join(tmp, "report-old");
    mkdirSync(out, { recursive: true });
    const old = "# CS 739 MadKV Project 1\n\n<!-- your design walkthrough here -->\n\nOur design, written by hand.\n";
    writeFileSync(join(out, "proj1.md"), old);
    const run = report("p1", join(tmp, "p1-nothing-yet"), out);
    assert.equal(readFileSync(join(out, "proj1.md"), "utf8"), old, "the student's report is untouched");
    assert.match(run.stdout, /^Left .*proj1\.md as it was: it has no BEGIN\/END GENERATED markers/m);
    assert.match(run.stdout, /^ {2}The new report is in .*proj1\.generated\.md: a fresh report\.$/m);
    const backups = readdirSync(out).filter((f) => /^proj1\.md\.bak-\d{8}-\d{6}$/.test(f));
    assert.equal(backups.length, 1, `one timestamped copy: ${readdirSync(out).join(", ")}`);
    assert.equal(readFileSync(join(out, backups[0]!), "utf8"), old);
    assert.match(run.stdout, new RegExp(`^ {2}A copy of it is in .*${backups[0]!.replace(/\./g, "\\.")}\\.$`, "m"));
    checkSectionsInOrder(readFileSync(join(out, "proj1.generated.md"), "utf8"));
  });

  test("p2: partitions dimension, fuzz scenarios and grouped plots", () => {
    const results = join(tmp, "p2");
    const out = join(tmp, "report");
    writeLog(results, "fuzz/fuzz-3-no.log", "Fuzz testing configuration: ...\n  Progress:  called 5 / 25000\r");
    // Labelled crashing, but the harness recorded no fault: the report must not claim one.
    writeLog(results, "fuzz/fuzz-3-yes.log", fuzzLog("PASSED", [3000, 3000, 4500, 3000, 1500], true, faultsSection(0, 17, [])));
    writeLog(results, "fuzz/fuzz-5-yes.log", fuzzLog("UNFAIR", [10, 10, 10, 10, 10], true, faultsSection(4, 3, [
      [10.04, "s1", "killed (SIGKILL)"], [12, "s2", "killed (SIGKILL)"], [18.5, "s1", "restarted"], [20.9, "s2", "restarted"],
    ])));
    const readUpdate = (tput: number, avg: number, colour: boolean, wload = "a", nclis = 10) =>
      benchLog(wload, nclis, tput, [
        { op: "READ", ops: 50000, avg, p99: avg * 4, p50: avg - 10, mergedP99: avg * 3 },
        { op: "UPDATE", ops: 50000, avg: avg * 2, p99: avg * 8, p50: avg * 2 - 10, mergedP99: avg * 6 },
      ], colour);
    writeLog(results, "bench/bench-10-a-1.log", readUpdate(20000, 100, true));
    writeLog(results, "bench/bench-10-a-3.log", readUpdate(45000, 80, false));
    writeLog(results, "bench/bench-10-c-5.log", benchLog("c", 10, 70000, [
      { op: "READ", ops: 100000, avg: 70, p99: 300 },
    ], true));
    writeLog(results, "bench/bench-1-a-1.log", readUpdate(5000, 50, true, "a", 1));
    writeLog(results, "bench/bench-20-a-5.log", readUpdate(90000, 120, true, "a", 20));
    writeLog(results, "bench/bench-30-a-5.log", "garbage\n[Run] 12 ms\n");

    const run = report("p2", results, out);
    assert.match(run.stdout.split("\n")[0], /^Runs the p2 report needs/);
    assert.match(run.stdout, /\[missing {4}\] {2}bench YCSB-B, 10 clients, 3 partitions {2,}run: npx just p2::bench 10 b 3 127\.0\.0\.1:3666$/m);
    assert.match(run.stdout, /^7 of 27 runs present, 18 missing, 2 unparseable\.$/m);

    const md = readFileSync(join(out, "proj2.md"), "utf8");
    assert.match(md, /^# CS 739 MadKV Project 2$/m);
    checkSectionsInOrder(md);
    assert.match(md, /^\| 3 \| no \| `fuzz\/fuzz-3-no\.log` \| \*unparseable\* \(no 'Fuzz testing result:' line.*\) \| — \| — \|$/m);
    assertRow(md, ["3", "yes", "`fuzz/fuzz-3-yes.log`", "PASSED", "15,000",
      "**labelled crashing, but no fault was recorded in the log**; 17 operations retried"]);
    assertRow(md, ["5", "yes", "`fuzz/fuzz-5-yes.log`", "UNFAIR", "50",
      "s1 killed at 10.0 s of 41.0 s, restarted at 18.5 s; s2 killed at 12.0 s, restarted at 20.9 s; 3 operations retried"]);
    assert.doesNotMatch(md, /^\| 3 partitions, server 1 killed halfway/m, "a run's name is not reported as what happened");
    assert.match(md, /^You will run the described testcase during demo time\.$/m);
    assert.match(md, /^You will run a crashing\/recovering fuzz test during demo time\.$/m);
    assertRow(md, ["YCSB-A", "1", "20,000", "150", "600"]);
    assertRow(md, ["YCSB-A", "3", "45,000", "120", "480"]);
    assertRow(md, ["YCSB-C", "5", "70,000", "70", "300"]);
    assertRow(md, ["YCSB-F", "5", "*missing*", "—", "—"]);
    assertRow(md, ["1", "1", "5,000", "75", "300"]);
    assertRow(md, ["1", "10", "20,000", "150", "600"]); // the trend reuses the 10-client run
    assertRow(md, ["5", "20", "90,000", "180", "720"]);
    assertRow(md, ["5", "20", "READ", "50,000", "120", "110", "360", "9,000"]);
    assert.match(md, /^\| 5 \| 30 \| \*unparseable\* \(no 'Benchmarking results:' block.*\) \| — \| — \|$/m);

    checkFigures(md, out, "plots-p2", [
      "ycsb-op-lats-trend.png",
      "ycsb-ten-clients-op-lats.png",
      "ycsb-ten-clients.png",
      "ycsb-tput-trend.png",
    ]);
  });

  test("p3: with no results at all, the report lists every run as missing and draws nothing", () => {
    const out = join(tmp, "report-p3");
    const run = report("p3", join(tmp, "p3-absent"), out);
    assert.match(run.stdout, /\[missing {4}\] {2}fuzz, rf=5, all replicas healthy {2,}run: npx just p3::fuzz 5 no 127\.0\.0\.1:3666,/);
    assert.match(run.stdout, /^0 of 30 runs present, 30 missing, 0 unparseable\./m);
    assert.match(run.stdout, /\[missing {4}\] {2}testcase 4: fail more than f replicas of a partition.* {2,}run: npx just p3::testcase 4$/m);
    const md = readFileSync(join(out, "proj3.md"), "utf8");
    checkSectionsInOrder(md);
    assertRow(md, ["5", "no", "`fuzz/fuzz-5-no.log`", "*missing*", "—", "—"]);
    assert.match(run.stdout, /run: npx just p3::bench 10 d 3 127\.0\.0\.1:3666,127\.0\.0\.1:3667,127\.0\.0\.1:3668$/m);
    assert.match(md, /^You will run the four described testcase scenarios during demo time\.$/m);
    assert.match(md, /^You may be asked to run a crashing fuzz test during demo time\.$/m);
    assertRow(md, ["YCSB-D", "3", "*missing*", "—", "—"]);
    // Our own sections, each saying how to produce what it lacks.
    assert.match(md, /^### Physical topology$/m);
    assertRow(md, ["2", "fail a leader: a new one is elected and clients continue", "`tests/test2.log`", "*missing*", "—", "run `npx just p3::testcase 2`"]);
    assert.match(md, /^### Nemesis runs$/m);
    assert.match(md, /npx just p3::nemesis 300/);
    assert.match(md, /^\*No `perf\/failover\.json` under `.*p3-absent\/` yet: `npm run bench:p3 -- failover --kills 20` writes it\.\*$/m);
    checkFigures(md, out, "plots-p3", []);
  });

  test("p4: logs as p4::bench writes them, the fuzz table, ratios, the missing runs and the figures", () => {
    const results = join(tmp, "p4");
    const out = join(tmp, "report-p4");
    const run = (mode: TxnBenchRun["mode"], rttMs: number | null, workload: TxnBenchRun["workload"], tput: number, extra: Partial<TxnBenchRun> = {}): void => {
      const r: TxnBenchRun = {
        workload, description: `workload ${workload}`, mode, protocol: mode === "2pc" ? "2pc" : "mako", rf: mode === "rf1" ? 1 : 3, rttMs,
        managers: 3, shards: 3, where: "local", clients: DEFAULT_BENCH_CLIENTS, warmupS: 2, measuredS: 10, seed: 1, maxTries: 10,
        committed: tput * 10, cross: tput, attempts: tput * 10 + 100, abortedAttempts: 100, gaveUp: 0, unknown: 0,
        latencyMs: { p50: 60, p99: 150, avg: 70, max: 300 },
        split: [{ shard: "s0", committed: tput * 3, certifyMs: 2, waitMs: 55, tickMs: 3.1 }, { shard: "s1", committed: tput * 3, certifyMs: 2, waitMs: 57, tickMs: 3.3 }],
        ...extra,
      };
      writeLog(results, `bench/${benchLogName(workload, mode, rttMs, r.clients)}`, formatBenchLog(r));
    };
    run("mako", 50, "micro-5", 3000);
    run("2pc", 50, "micro-5", 1000, { split: "shard 1's leader changed in the window (s1.0@2 -> s1.1@3)" });
    run("rf1", null, "micro-5", 4000);
    run("mako", 0, "bank", 1200, { bankProblems: [] });
    run("mako", 50, "micro-5", 450, { clients: 32 });
    writeLog(results, "fuzz/fuzz-2pc-yes.log", [
      "  Ops stats:  Get 1200  Append 1180",
      "  Txns stats:  Committed 812  Aborted 97  Unknown 0  (of 909, 455 across shards)",
      "  Ran 909 transactions in 20.3 s (45 txns/s)",
      ...faultsSection(2, 3, [[6.8, "s1.0", "killed (SIGKILL)"], [13.5, "s1.0", "restarted"]]),
      "\x1b[1mFuzz testing result:\x1b[0m \x1b[32mPASSED\x1b[0m",
      "",
    ].join("\n"));

    const r = report("p4", results, out);
    assert.match(r.stdout.split("\n")[0], /^Runs the p4 report needs/);
    assert.match(r.stdout, /^5 of 39 runs present, 34 missing, 0 unparseable\.$/m);
    assert.match(r.stdout, /\[missing {4}\] {2}fuzz, mako, no crashes {2,}run: npx just p4::fuzz 5 no mako 127\.0\.0\.1:3666,127\.0\.0\.1:3667,127\.0\.0\.1:3668$/m);
    assert.match(r.stdout, /\[missing {4}\] {2}bench bank, 2pc, rtt 10 ms {2,}run: npx just p4::bench --workloads bank --modes 2pc --rtts 10$/m);
    const md = readFileSync(join(out, "proj4.md"), "utf8");
    assert.match(md, /^# CS 739 MadKV Project 4$/m);
    assertRow(md, ["2pc", "yes", "`fuzz/fuzz-2pc-yes.log`", "**PASSED**", "909 (812 committed, 97 aborted, 0 unknown; 455 across shards)",
      "s1.0 killed at 6.8 s of 20.3 s, restarted at 13.5 s; 3 operations retried"]);
    assertRow(md, ["mako", "no", "`fuzz/fuzz-mako-no.log`", "*missing*", "—", "—"]);
    assertRow(md, ["micro-5", "50", "3,000 (0.3 %)", "1,000 (1.0 %)", "4,000 (0.2 %)", "3.00×", "0.75×", "60.0 / 150.0", "60.0 / 150.0", "60.0 / 150.0"]);
    assertRow(md, ["micro-5", "3.00×", "**no**", "0.75×", "yes"]);
    assertRow(md, ["micro-5", "mako", "50 ms", "2.0", "56.0", "60", "70", "3.10, 3.30"]);
    assertRow(md, ["micro-5", "2pc", "50 ms", "n/a (shard 1's leader changed in the window (s1.0@2 -> s1.1@3))", "—", "60", "—", "—"]);
    assert.match(md, /1 run\(s\) OK\./);
    assertRow(md, ["micro-5", "mako", "50", "32", "450", "2.2 %", "60.0 / 150.0", "2.0 + 56.0"]);
    checkFigures(md, out, "plots-p4", ["txn-abort-rate.png", "txn-clients-sweep.png", "txn-latency-split.png", "txn-tput-vs-cross-share.png", "txn-vs-rtt.png"]);
  });

  test("an unknown stage is refused with its usage", () => {
    const result = runBash(["sumgen/report.sh", "p9"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /usage: bash sumgen\/report\.sh <stage>.*\(stages: p1 p2 p3 p4\)/);
  });
});

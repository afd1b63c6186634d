/**
 * The runs a stage's report needs, as the report generator itself lists them
 * (`bash sumgen/report.sh <stage> --results <dir> --list-runs`), so a campaign runs exactly
 * what the report will look for. The listing is one JSON object:
 *
 *   {"results": "<dir>",
 *    "runs": [{"kind": "bench", "relpath": "bench/bench-10-a-3.log", "label": "bench YCSB-A, …",
 *              "args": ["10", "a", "3"], "status": "present|missing|unparseable", "reason": ""}, …]}
 *
 * `kind` is the recipe (`testcase`, `fuzz`, `bench`; stage 4's `txnfuzz`, `p4::fuzz`, and `txnbench`, one
 * point of `p4::bench`: args workload, mode and RTT); `args` its arguments before the server or
 * manager address.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export type RunKind = 'testcase' | 'fuzz' | 'bench' | 'txnfuzz' | 'txnbench';
export type RunStatus = 'present' | 'missing' | 'unparseable';

export interface ReportRun {
  kind: RunKind;
  relpath: string;
  label: string;
  args: string[];
  status: RunStatus;
  /** Why a present log cannot be used (unparseable). */
  reason: string;
}

const KINDS: readonly string[] = ['testcase', 'fuzz', 'bench', 'txnfuzz', 'txnbench'];
const STATUSES: readonly string[] = ['present', 'missing', 'unparseable'];

/** The runs of a listing, or a message saying what is wrong with it. */
export function parseRunList(text: string): ReportRun[] | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `the report generator's run list is not JSON (${(err as Error).message}): ${text.slice(0, 200)}`;
  }
  const runs = (data as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) return 'the report generator\'s run list has no "runs" array';
  const out: ReportRun[] = [];
  for (const [i, r] of runs.entries()) {
    const o = r as Partial<Record<keyof ReportRun, unknown>>;
    const ok =
      typeof o.kind === 'string' && KINDS.includes(o.kind) &&
      typeof o.relpath === 'string' && o.relpath !== '' &&
      typeof o.label === 'string' &&
      Array.isArray(o.args) && o.args.every((a) => typeof a === 'string') &&
      typeof o.status === 'string' && STATUSES.includes(o.status);
    if (!ok) return `run ${i + 1} of the report generator's list is malformed: ${JSON.stringify(r)}`;
    out.push({ kind: o.kind as RunKind, relpath: o.relpath as string, label: o.label as string, args: o.args as string[], status: o.status as RunStatus, reason: typeof o.reason === 'string' ? o.reason : '' });
  }
  return out;
}

/** Asks the report generator which runs `stage`'s report needs and which of them are under `results`. */
export function listReportRuns(root: string, stage: string, results: string): ReportRun[] | string {
  const r = spawnSync('bash', [path.join(root, 'sumgen', 'report.sh'), stage, '--results', results, '--list-runs'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return `cannot run the report generator: ${r.error.message}`;
  if (r.status !== 0) return `the report generator could not list the runs (exit status ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
  return parseRunList(r.stdout);
}

/**
 * `runner txn-fuzz`: stage 4's transactional fuzz. Clients (stdin/stdout client programs, one
 * `TXN n` block in flight each) run random list-append transactions (txn-workload.ts); every
 * transaction is stamped at call and return (microseconds since the run began) and recorded in
 * the transactional history format (check/txn/txn-history.ts), which is then checked for strict
 * serializability (check/txn/list-append.ts). The log keeps the single-key fuzz's conventions:
 * the configuration, `Ops stats:`, the fault section, the check, and last
 * `Fuzz testing result: PASSED|FAILED|UNKNOWN`; a run that does not pass keeps its history.
 * A run also FAILS when the store stalls: no transaction answered for `--stall-secs` with no
 * fault to excuse it (stall-check.ts).
 *
 * With a local cluster (`--cluster <dir>`) and `--crash`, the leader of one shard is killed -9
 * a third of the way into the run and restarted at two thirds (journaled, so listed in the
 * fault section).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryWriter } from '../check/history';
import { pageFileBeside, writeTxnCheckPage } from '../check/check-page-file';
import { checkListAppend } from '../check/txn/list-append';
import { type TxnHistoryOp, type TxnRecord, formatTxnLine, txnHistory } from '../check/txn/txn-history';
import { verdictLine } from '../check/txn/txn-check';
import { formatTxnCheckReport, txnSummaryLine } from '../check/txn/txn-report';
import { type ClientFailure, type ClientLaunch, ClientProcess } from '../clients/client-process';
import { ClientTroubleMonitor } from '../clients/client-trouble';
import type { TxnAnswer, TxnCallOp } from '../clients/txn-protocol';
import type { LocalCluster } from '../cluster/local-cluster';
import { type FaultEvent, readFaults } from '../faults/fault-journal';
import { SeededRandom } from '../random';
import { Progress, colour, debugStruct, heading } from '../terminal';
import { MonotonicClock } from './driver';
import { type FuzzOutcome, faultLines } from './fuzz-command';
import { type TimedTxn, checkProgress, excusedWhiles, progressLines } from './stall-check';
import { TxnCounts, TxnSource, txnFuzzKeys } from './txn-workload';

export interface TxnFuzzConfig {
  numClis: number;
  /** Shards of the store (how keys are spread; a local cluster's own count wins). */
  shards: number;
  keysPerShard: number;
  /** Share of transactions across shards, 0..1. */
  crossShare: number;
  /** Transactions per client (ignored with durationMs). */
  numTxns: number;
  durationMs?: number | undefined;
  launch: ClientLaunch;
  seed: number;
  /** Names this run's keys (fresh lists each run). */
  keyPrefix: string;
  historyFile: string | undefined;
  opTimeoutMs: number;
  forwardStderr: boolean;
  faultJournal?: string | undefined;
  /** Kill -9 a shard leader of the local cluster mid-run and restart it (needs a cluster and a duration). */
  crash: boolean;
  /** The protocol the cluster is expected to run (checked against a local cluster's). */
  txnMode?: 'mako' | '2pc' | undefined;
  /** No answer for this long, with no fault to excuse it, fails the run (0: not checked). */
  stallMs: number;
}

export function validateTxnFuzzConfig(c: TxnFuzzConfig, cluster: LocalCluster | undefined): string | undefined {
  if (!Number.isInteger(c.numClis) || c.numClis < 1 || c.numClis > 1000) return '--num-clis must be an integer in 1..1000';
  if (!Number.isInteger(c.shards) || c.shards < 1 || c.shards > 1000) return '--shards must be an integer in 1..1000';
  if (!Number.isInteger(c.keysPerShard) || c.keysPerShard < 1 || c.keysPerShard > 1000) return '--keys-per-shard must be an integer in 1..1000';
  if (!(c.crossShare >= 0 && c.crossShare <= 1)) return '--cross-shard must be a share from 0 to 1';
  if (c.durationMs === undefined && (!Number.isInteger(c.numTxns) || c.numTxns < 1)) return '--num-txns must be a positive integer';
  if (c.durationMs !== undefined && !(Number.isFinite(c.durationMs) && c.durationMs > 0)) return '--duration must be a positive number of seconds';
  if (c.launch.kind === 'just' && c.launch.args.length === 0) return 'give the client as --client-just-args <recipe args…> or --client-cmd "<command>"';
  if (!(c.opTimeoutMs > 0)) return '--op-timeout must be positive';
  if (!(Number.isFinite(c.stallMs) && c.stallMs >= 0)) return '--stall-secs must be a number of seconds, 0 or more';
  if (c.crash && cluster === undefined) return '--crash needs the local cluster (--cluster <dir>)';
  if (c.crash && c.durationMs === undefined) return '--crash needs a timed run (--duration)';
  if (cluster !== undefined) {
    const txn = cluster.txn;
    if (txn === undefined) return `the cluster in ${cluster.dir} is not a stage-4 (transactional) cluster`;
    if (c.txnMode !== undefined && txn.mode !== c.txnMode) return `txn_mode ${c.txnMode} does not match the cluster in ${cluster.dir}, which runs ${txn.mode}`;
  }
  return undefined;
}

/** A transaction and its answer (null: none came) as one history record. */
export function txnRecord(client: number, ops: readonly TxnCallOp[], call: number, ret: number, answer: TxnAnswer | null): TxnRecord {
  if (answer === null) return { client, call, ret: null, outcome: 'unknown', ops: ops.map(unanswered) };
  if (answer.outcome !== 'committed') return { client, call, ret, outcome: answer.outcome, reason: answer.reason, ops: ops.map(unanswered) };
  const recorded = ops.map((o, i): TxnHistoryOp => {
    const r = answer.results[i];
    return o.op === 'GET' ? { op: 'GET', key: o.key, result: r?.op === 'GET' ? r.value : null } : unanswered(o);
  });
  return { client, call, ret, outcome: 'committed', ops: recorded };
}

function unanswered(o: TxnCallOp): TxnHistoryOp {
  return o.op === 'GET' ? { op: 'GET', key: o.key } : { op: 'APPEND', key: o.key, elem: o.elem };
}

/** The journal's events (none without one; a journal that cannot be read was already warned about by faultLines). */
function journalEvents(journal: string | undefined): FaultEvent[] {
  if (journal === undefined) return [];
  try {
    return readFaults(journal).events;
  } catch {
    return [];
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The crash schedule: one shard's leader killed -9 at a third of the run, restarted at two
 * thirds. The kill and restart are journaled (the log's fault section lists them); what is
 * returned is only what the journal cannot show (no leader found, nothing to kill).
 */
async function crashShardLeader(cluster: LocalCluster, durationMs: number, rnd: SeededRandom, done: () => boolean): Promise<string[]> {
  await sleep(durationMs / 3);
  const shards = cluster.groups.filter((g) => g.id !== 'm');
  const shard = shards[rnd.nextInt(shards.length)]!;
  const leader = await cluster.waitForLeader(shard.id, 5000);
  if (leader === undefined) return [`crash: shard ${shard.id} had no leader to kill`];
  if (!(await cluster.kill(leader))) return [`crash: ${leader} (leader of shard ${shard.id}) was not running`];
  process.stderr.write(`crash: killed ${leader} (leader of shard ${shard.id}) with SIGKILL\n`);
  const restartAt = Date.now() + durationMs / 3;
  while (Date.now() < restartAt && !done()) await sleep(100);
  await cluster.restart(leader);
  process.stderr.write(`crash: restarted ${leader}\n`);
  return [];
}

export async function runTxnFuzz(c: TxnFuzzConfig, cluster: LocalCluster | undefined): Promise<FuzzOutcome> {
  const historyFile = c.historyFile ?? path.join(os.tmpdir(), `madkv-txn-fuzz-${process.pid}-${Date.now()}.jsonl`);
  const shards = cluster?.layout.p3?.partitions ?? c.shards;
  const txnMode = cluster?.txn?.mode ?? c.txnMode;
  console.log(
    `${heading('Fuzz testing configuration:')} ${debugStruct('Args', [
      ['workload', 'list-append transactions'],
      ['num_clis', c.numClis],
      ['txn_mode', txnMode ?? 'unknown'],
      ['shards', shards],
      ['keys_per_shard', c.keysPerShard],
      ['cross_shard_share', c.crossShare],
      c.durationMs === undefined ? ['num_txns', c.numTxns] : ['duration_secs', c.durationMs / 1000],
      ['crashing', c.crash],
      c.launch.kind === 'just' ? ['just_args', c.launch.args] : ['client_cmd', c.launch.command],
      ['seed', c.seed],
      ['key_prefix', c.keyPrefix],
      ['op_timeout_secs', c.opTimeoutMs / 1000],
      ['history', historyFile],
      ...(c.faultJournal !== undefined ? [['fault_journal', c.faultJournal] as [string, string]] : []),
    ])}`,
  );

  const keys = txnFuzzKeys(c.keyPrefix, shards, c.keysPerShard);
  fs.mkdirSync(path.dirname(historyFile), { recursive: true });
  const trouble = new ClientTroubleMonitor((line) => process.stderr.write(`${line}\n`), { show: !c.forwardStderr });
  const clients = Array.from({ length: c.numClis }, (_, i) =>
    ClientProcess.start(`client ${i}`, c.launch, { forwardStderr: c.forwardStderr, onStderrLine: (line) => trouble.onLine(i, line) }),
  );
  const sources = clients.map((_, i) => new TxnSource(i, keys, c.crossShare, new SeededRandom((c.seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0)));
  const counts = new TxnCounts();
  const records: TxnRecord[] = [];
  const timed: TimedTxn[] = [];
  const failures: ClientFailure[] = [];
  const writer = new HistoryWriter(historyFile);
  const clock = new MonotonicClock();
  const record = (r: TxnRecord): void => {
    records.push(r);
    writer.appendLine(formatTxnLine(r));
  };

  console.log(heading('Fuzzing starts...'));
  const started = Date.now();
  const durationMicros = c.durationMs === undefined ? undefined : c.durationMs * 1000;
  const total = c.numTxns * c.numClis;
  const progress =
    durationMicros === undefined
      ? new Progress(total, () => `  Progress:  ${counts.txns} / ${total} transactions`, '  {bar} {line}')
      : new Progress(Math.ceil(durationMicros / 100_000), () => `  Progress:  ${counts.txns} transactions after ${Math.min(clock.nowMicros() / 1e6, durationMicros / 1e6).toFixed(1)} / ${durationMicros / 1e6} s`, '  {bar} {line}');
  const ticker = durationMicros === undefined ? undefined : setInterval(() => progress.update(Math.floor(Math.min(clock.nowMicros(), durationMicros) / 100_000)), 100);
  let running = true;
  let runEnd = 0;
  const crash = c.crash && cluster !== undefined && c.durationMs !== undefined ? crashShardLeader(cluster, c.durationMs, new SeededRandom(c.seed ^ 0x5eed), () => !running) : Promise.resolve([]);
  const another = (i: number): boolean => (durationMicros === undefined ? i < c.numTxns : clock.nowMicros() < durationMicros);

  try {
    await Promise.all(
      clients.map(async (proc, ci) => {
        for (let i = 0; another(i); i++) {
          const { ops, cross } = sources[ci]!.next();
          counts.txns++;
          if (cross) counts.crossShard++;
          for (const o of ops) if (o.op === 'GET') counts.get++;
          else counts.append++;
          const t0 = clock.nowMicros();
          const outcome = await proc.txn(ops, c.opTimeoutMs);
          const t1 = clock.nowMicros();
          if (!outcome.ok) {
            // Whether it took effect is unknown: the checker lets it happen any time after its call, or never.
            counts.unknown++;
            record(txnRecord(ci, ops, t0, t1, null));
            timed.push({ call: t0, ret: t1, outcome: 'unknown' });
            failures.push(outcome.failure);
            proc.kill();
            return;
          }
          counts[outcome.answer.outcome]++;
          record(txnRecord(ci, ops, t0, t1, outcome.answer));
          timed.push({ call: t0, ret: t1, outcome: outcome.answer.outcome });
          if (durationMicros === undefined) progress.update(counts.txns);
        }
      }),
    );
    running = false;
    runEnd = clock.nowMicros();
    await Promise.all(
      clients.map(async (proc) => {
        const r = await proc.stop(10_000);
        // A client that failed during the run was reported then.
        if (!r.ok && !failures.some((f) => f.message === r.failure.message)) failures.push({ kind: r.failure.kind, message: `on STOP: ${r.failure.message}` });
      }),
    );
  } finally {
    running = false;
    if (ticker !== undefined) clearInterval(ticker);
    writer.close();
    for (const proc of clients) proc.kill();
  }
  const crashNotes = await crash;
  progress.update(durationMicros === undefined ? total : Math.ceil(durationMicros / 100_000));
  progress.finish();
  const runSecs = (Date.now() - started) / 1000;

  console.log(heading('Stopping clients...'));
  console.log(counts.opsLine());
  console.log(counts.txnsLine());
  for (const [shard, onShard] of keys.entries()) console.log(`${shard === 0 ? '  Keys:  ' : '         '}shard ${shard}: ${onShard.join(' ')}`);
  console.log(`  Ran ${records.length} transactions in ${runSecs.toFixed(1)} s (${Math.round(records.length / Math.max(runSecs, 1e-3))} txns/s)`);
  for (const f of failures) console.log(`${colour.red('Client failure:')}  ${f.message}`);
  for (const n of crashNotes) console.log(`  ${n}`);
  for (const line of faultLines(c.faultJournal, started, Date.now(), trouble.retriedOps)) console.log(line);

  console.log(heading(`Checking strict serializability of ${records.length} transactions...`));
  const history = txnHistory(records);
  const checkStart = performance.now();
  const check = checkListAppend(history);
  const checkMs = performance.now() - checkStart;
  console.log(txnSummaryLine(check, checkMs));
  for (const line of formatTxnCheckReport(check, history, { timeUnit: 'us' })) console.log(line);

  const liveness = c.stallMs > 0 ? checkProgress(timed, runEnd, excusedWhiles(journalEvents(c.faultJournal), started, runEnd, c.stallMs * 1000), c.stallMs * 1000) : undefined;
  if (liveness !== undefined) for (const line of progressLines(liveness, c.stallMs * 1000)) console.log(line);
  const stalls = liveness?.stalls.length ?? 0;

  const outcome: FuzzOutcome = check.verdict === 'FAILED' || failures.length > 0 || stalls > 0 ? 'FAILED' : check.verdict;
  console.log(verdictLine('Fuzz testing result:', outcome));
  if (outcome === 'PASSED') {
    console.log(`  ${records.length} transactions (${counts.committed} committed, ${counts.aborted} aborted, ${counts.unknown} unknown) are strictly serializable`);
    if (c.historyFile === undefined) fs.rmSync(historyFile, { force: true });
  } else {
    const reasons: string[] = [];
    if (check.verdict === 'FAILED') reasons.push(`not strictly serializable (${Object.entries(check.counts).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    if (check.verdict === 'UNKNOWN') reasons.push(`the checker could not decide: ${check.undecided ?? 'no reason given'}`);
    if (failures.length > 0) reasons.push(`${failures.length} client failure(s)`);
    if (stalls > 0) reasons.push(`the store stalled (${stalls} stretch${stalls === 1 ? '' : 'es'} without an answer)`);
    console.log(`  ${reasons.join('; ')}; history kept in ${historyFile}`);
    console.log(`  re-check it with: just utils::check ${historyFile}`);
    const page = pageFileBeside(historyFile);
    const notes = [...failures.map((f) => `Client failure: ${f.message}`), ...(stalls > 0 ? [`The store stalled: ${stalls} stretch${stalls === 1 ? '' : 'es'} without an answer (the log lists them)`] : [])];
    const failure = writeTxnCheckPage(page, check, history, undefined, { source: historyFile, timeUnit: 'us', elapsedMs: checkMs, notes });
    if (failure === undefined) console.log(`  HTML report: ${page} (open it in a browser)`);
    else process.stderr.write(`warning: no HTML report: ${failure}\n`);
  }
  return outcome;
}

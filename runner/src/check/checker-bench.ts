/**
 * `npm run bench:checker`: how long `runner check` takes on a fuzz-sized history: 100,000
 * operations from 5 clients over 5 shared keys (the p2 fuzz shape), generated linearizable;
 * then the same with a few stale reads (a failing check, including the witness search) and
 * with pending writes (clients that died). Target: under 10 s for the first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatHistoryLine } from './history';
import { generateHistory } from '../testing/history-gen';
import { runRunner } from '../testing/runner-cli';

const KEYS = ['key00000', 'key00001', 'key00002', 'key00003', 'key00004'];

async function timeCheck(label: string, file: string): Promise<void> {
  const started = Date.now();
  const r = await runRunner(['check', file], { timeoutMs: 600_000 });
  const secs = (Date.now() - started) / 1000;
  const verdict = r.stdout.trim().split('\n').pop();
  const inner = /in ([\d.]+) s/.exec(r.stdout)?.[1];
  console.log(`${label.padEnd(44)} ${secs.toFixed(2).padStart(6)} s wall (search ${inner ?? '?'} s)   ${verdict}`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-checker-bench-'));
  try {
    const write = (name: string, lines: string[]): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, lines.join('\n') + '\n');
      return f;
    };
    const base = generateHistory({ clients: 5, opsPerClient: 20_000, keys: KEYS, seed: 42 });
    const ok = write('ok.jsonl', base.map(formatHistoryLine));
    console.log(`history: ${base.length} operations, ${KEYS.length} shared keys, 5 clients (${(fs.statSync(ok).size / 1e6).toFixed(1)} MB)`);
    await timeCheck('linearizable', ok);
    const stale = generateHistory({ clients: 5, opsPerClient: 20_000, keys: KEYS, seed: 42, staleReadRate: 0.0005 });
    await timeCheck('with stale reads (FAILED expected)', write('stale.jsonl', stale.map(formatHistoryLine)));
    const pending = [...base.map(formatHistoryLine)];
    for (const k of KEYS) pending.push(formatHistoryLine({ client: 9, op: 'PUT', key: k, value: `never-acked-${k}`, call: 100, ret: null, result: null }));
    await timeCheck('with a never-returned write per key', write('pending.jsonl', pending));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

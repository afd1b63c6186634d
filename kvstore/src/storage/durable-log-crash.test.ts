/**
 * A real crash: a child process appends in a loop and prints each acknowledged index; the
 * parent SIGKILLs it at a random moment, reopens the log and checks that every acknowledged
 * record is there, over several cycles on the same directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableLog } from './durable-log';

const SEGMENT_BYTES = 4096; // small, so crashes also land around segment rollovers

/** Runs the child on ts sources through tsx, or on the compiled .js under dist/. */
function writerCommand(dir: string): string[] {
  const ext = path.extname(__filename);
  const script = path.join(__dirname, `crash-writer${ext}`);
  return [...(ext === '.ts' ? ['--import', 'tsx'] : []), script, dir, String(SEGMENT_BYTES)];
}

/** Starts the writer, kills it with SIGKILL `afterMs` after its first acknowledgement, returns what it acknowledged. */
function runAndKill(dir: string, afterMs: number): Promise<{ openedAt: number; acked: Map<number, string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, writerCommand(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    let openedAt = -1;
    let partial = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [first, second] = line.split(' ');
        if (first === 'open') openedAt = Number(second);
        else acked.set(Number(first), second ?? '');
      }
      if (timer === undefined && acked.size > 0) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with code ${code}, signal ${signal}: ${stderr}`));
      else resolve({ openedAt, acked });
    });
  });
}

test('every acknowledged append survives kill -9 of the writer, over several crash cycles', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'durable-log-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const everAcked = new Map<number, string>();
  let lastSeen = 0;
  for (let cycle = 0; cycle < 6; cycle++) {
    const { openedAt, acked } = await runAndKill(dir, 20 + Math.floor(Math.random() * 200));
    assert.equal(openedAt, lastSeen, `cycle ${cycle}: the writer reopened the log where the previous check left it`);
    assert.ok(acked.size > 0, `cycle ${cycle}: the writer acknowledged records before it was killed`);
    for (const [index, payload] of acked) everAcked.set(index, payload);

    const log = await DurableLog.open(dir, { segmentBytes: SEGMENT_BYTES });
    for (const [index, payload] of everAcked) {
      assert.equal(log.entry(index)?.payload.toString(), payload, `cycle ${cycle}: acknowledged index ${index}`);
    }
    const acknowledgedMax = Math.max(...acked.keys());
    assert.ok(log.lastIndex >= acknowledgedMax);
    lastSeen = log.lastIndex;
    t.diagnostic(`cycle ${cycle}: ${acked.size} acknowledged, log ends at ${log.lastIndex}, ${log.recovery.segments} segments, torn tail ${log.recovery.tornTail ? `${log.recovery.tornTail.droppedBytes} bytes` : 'none'}`);
    await log.close();
  }
});

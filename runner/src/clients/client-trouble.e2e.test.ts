/**
 * A run against an address nobody answers on is not a silent wait: the clients' connection
 * trouble shows while the runner waits (real client, real refused connections).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, repoRoot } from '../../../kvstore/src/testing/spawn-node';
import { runRunner } from '../testing/runner-cli';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-client-trouble-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function clientOfNobody(): Promise<string> {
  return `${process.execPath} ${path.join(repoRoot(), 'dist', 'kvstore', 'src', 'bin', 'client.js')} --server 127.0.0.1:${await freePort()}`;
}

// fuzz: client 0 clears the keys before the run, alone; bench: every client warms up at once.
for (const [command, waiting] of [['fuzz', [0]], ['bench', [0, 1]]] as const) {
  test(`${command} against an unreachable server shows the waiting clients' connection trouble, rate-limited`, async () => {
    const history = command === 'fuzz' ? ['--history', path.join(scratch, 'history.jsonl')] : [];
    const r = await runRunner([command, '--num-clis', '2', '--op-timeout', '4', ...history, '--client-cmd', await clientOfNobody()], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0, 'the run fails once the clients time out');
    for (const c of waiting) {
      const lines = r.stderr.split('\n').filter((l) => l.startsWith(`  client ${c}: retrying (attempt `));
      assert.ok(lines.length >= 1, `client ${c}'s trouble is shown:\n${r.stderr}`);
      assert.ok(lines.length <= 2, `at most one line per client per 5 s over a 4 s wait:\n${r.stderr}`);
      assert.match(lines[0]!, /ECONNREFUSED/);
    }
  });
}

/** The stdin/stdout loop with transactions, over a fake client that records what it was asked to send. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import type { KvClient } from '../client/kv-client';
import type { TxnResult } from '../client/txn-retry';
import type { KvCommand, KvPair, KvResultOf } from '../kv/command';
import type { TxnOp, TxnOpResult } from '../kv/txn-op';
import { runStdioClient } from './stdio-client';

/** Answers every transaction from `answer`; records every request. */
class RecordingClient implements KvClient {
  readonly sent: Array<KvCommand | TxnOp[]> = [];

  constructor(private readonly answer: (ops: readonly TxnOp[]) => TxnResult | Error) {}

  async execute<C extends KvCommand>(cmd: C): Promise<KvResultOf<C>> {
    this.sent.push(cmd);
    return (cmd.op === 'get' ? { op: 'get', value: null } : { op: cmd.op, found: false }) as KvResultOf<C>;
  }
  async txn(ops: readonly TxnOp[]): Promise<TxnResult> {
    this.sent.push([...ops]);
    const r = this.answer(ops);
    if (r instanceof Error) throw r;
    return r;
  }
  async *scanPages(): AsyncIterable<KvPair[]> {}
  put = async (): Promise<boolean> => false;
  swap = async (): Promise<string | null> => null;
  get = async (): Promise<string | null> => null;
  delete = async (): Promise<boolean> => false;
  scan = async (): Promise<KvPair[]> => [];
  close(): void {}
}

/** Commits, answering each operation as if the store were empty. */
function commitAll(ops: readonly TxnOp[]): TxnResult {
  const results = ops.map((o): TxnOpResult => {
    switch (o.op) {
      case 'get':
        return { op: 'get', key: o.key, value: null };
      case 'swap':
        return { op: 'swap', key: o.key, old: null };
      case 'delete':
        return { op: 'delete', key: o.key, existed: false };
      case 'incr':
        return { op: 'incr', key: o.key, value: o.delta };
      default:
        return { op: o.op, key: o.key };
    }
  });
  return { outcome: 'committed', results, tries: 1 };
}

async function run(client: KvClient, input: string): Promise<{ out: string; exit: string }> {
  const output = new PassThrough();
  let out = '';
  output.on('data', (c: Buffer) => (out += c.toString()));
  const exit = await runStdioClient(client, Readable.from([input]), output);
  return { out, exit };
}

test('a TXN block is sent as one transaction and answered TXN COMMITTED, its answers, TXN END', async () => {
  const c = new RecordingClient(commitAll);
  const { out, exit } = await run(c, 'TXN 3\nPUT a 1\nINCR n 2\nGET a\nSTOP\n');
  assert.equal(out, 'TXN COMMITTED\nPUT a ok\nINCR n 2\nGET a null\nTXN END\nSTOP\n');
  assert.equal(exit, 'stop');
  assert.deepEqual(c.sent, [[{ op: 'put', key: 'a', value: '1' }, { op: 'incr', key: 'n', delta: 2 }, { op: 'get', key: 'a' }]]);
});

test('malformed blocks get one ERROR line each and nothing is sent; the lines after them run', async () => {
  const c = new RecordingClient(commitAll);
  const input = ['TXN 2', 'PUT a 1', 'SCAN a z', 'TXN 2', 'GET a', 'GET', 'TXN 0', 'TXN 99', ...Array.from({ length: 99 }, () => 'PUT x y'), 'GET after', 'TXN 2', 'PUT a 1'].join('\n') + '\n';
  const { out, exit } = await run(c, input);
  const lines = out.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 6, out);
  for (const l of lines.slice(0, 4)) assert.match(l, /^ERROR /);
  assert.equal(lines[4], 'GET after null');
  assert.match(lines[5]!, /^ERROR input ended after 1 of the TXN block's 2 lines/);
  assert.deepEqual(c.sent, [{ op: 'get', key: 'after' }]);
  assert.equal(exit, 'eof');
});

test('an aborted transaction prints TXN ABORTED <reason>; an unknown outcome TXN UNKNOWN <reason>', async () => {
  const answers: TxnResult[] = [
    { outcome: 'aborted', reason: 'lock_conflict', tries: 10 },
    { outcome: 'unknown', reason: 'connection_lost', tries: 1 },
  ];
  const c = new RecordingClient(() => answers.shift()!);
  const { out } = await run(c, 'TXN 1\nPUT a 1\nTXN 1\nPUT b 2\n');
  assert.equal(out, 'TXN ABORTED lock_conflict\nTXN UNKNOWN connection_lost\n');
});

test('INCR and APPEND outside a block are transactions of one, answered like single commands', async () => {
  const answers: TxnResult[] = [
    { outcome: 'committed', results: [{ op: 'incr', key: 'n', value: 5 }], tries: 1 },
    { outcome: 'committed', results: [{ op: 'append', key: 'l' }], tries: 1 },
    { outcome: 'aborted', reason: 'not_integer', tries: 1 },
  ];
  const c = new RecordingClient(() => answers.shift()!);
  const { out } = await run(c, 'INCR n 5\nAPPEND l e\nINCR s 1\n');
  assert.equal(out, 'INCR n 5\nAPPEND l ok\nERROR INCR s aborted: not_integer\n');
  assert.deepEqual(c.sent, [[{ op: 'incr', key: 'n', delta: 5 }], [{ op: 'append', key: 'l', elem: 'e' }], [{ op: 'incr', key: 's', delta: 1 }]]);
});

test('a client that cannot run transactions (a stage 1-3 cluster) gives one ERROR line per block and reads on', async () => {
  const c = new RecordingClient(() => new Error('bad_request: this server does not run transactions (TXN, INCR, APPEND need a stage-4 cluster)'));
  const { out } = await run(c, 'TXN 1\nPUT a 1\nGET a\n');
  assert.equal(out, 'ERROR bad_request: this server does not run transactions (TXN, INCR, APPEND need a stage-4 cluster)\nGET a null\n');
});

/**
 * Stage 1's five testcases. Keys carry a per-run prefix, so a case can run
 * again against a server that still holds an earlier run's data.
 */
import { randomBytes } from 'node:crypto';
import type { KvClient } from '../client/kv-client';
import { CaseLog } from './case-runner';

export type ClientFactory = () => KvClient;

export interface Testcase {
  title: string;
  run(newClient: ClientFactory, log: CaseLog): Promise<void>;
}

function runPrefix(n: number): string {
  return `t${n}_${randomBytes(3).toString('hex')}_`;
}

const case1: Testcase = {
  title: 'one client, every operation on fresh keys',
  async run(newClient, log) {
    const p = runPrefix(1);
    const c = newClient();
    const k = (s: string): string => p + s;
    await log.expect(c, 'c0', { op: 'get', key: k('apple') }, { op: 'get', value: null });
    await log.expect(c, 'c0', { op: 'put', key: k('apple'), value: 'red' }, { op: 'put', found: false });
    await log.expect(c, 'c0', { op: 'get', key: k('apple') }, { op: 'get', value: 'red' });
    await log.expect(c, 'c0', { op: 'swap', key: k('apple'), value: 'green' }, { op: 'swap', old: 'red' });
    await log.expect(c, 'c0', { op: 'swap', key: k('banana'), value: 'yellow' }, { op: 'swap', old: null });
    await log.expect(c, 'c0', { op: 'put', key: k('cherry'), value: 'dark' }, { op: 'put', found: false });
    await log.expect(c, 'c0', { op: 'scan', start: k('apple'), end: k('cherry') }, {
      op: 'scan',
      pairs: [
        [k('apple'), 'green'],
        [k('banana'), 'yellow'],
        [k('cherry'), 'dark'],
      ],
    });
    await log.expect(c, 'c0', { op: 'delete', key: k('banana') }, { op: 'delete', found: true });
    await log.expect(c, 'c0', { op: 'delete', key: k('banana') }, { op: 'delete', found: false });
    await log.expect(c, 'c0', { op: 'get', key: k('banana') }, { op: 'get', value: null });
    await log.expect(c, 'c0', { op: 'scan', start: k('a'), end: k('z') }, {
      op: 'scan',
      pairs: [
        [k('apple'), 'green'],
        [k('cherry'), 'dark'],
      ],
    });
    c.close();
  },
};

const case2: Testcase = {
  title: 'one client: overwrites, re-inserts, SCAN bounds and byte order',
  async run(newClient, log) {
    const p = runPrefix(2);
    const c = newClient();
    const k = (s: string): string => p + s;
    await log.expect(c, 'c0', { op: 'put', key: k('k1'), value: 'v1' }, { op: 'put', found: false });
    await log.expect(c, 'c0', { op: 'put', key: k('k1'), value: 'v2' }, { op: 'put', found: true });
    await log.expect(c, 'c0', { op: 'get', key: k('k1') }, { op: 'get', value: 'v2' });
    await log.expect(c, 'c0', { op: 'delete', key: k('k1') }, { op: 'delete', found: true });
    await log.expect(c, 'c0', { op: 'put', key: k('k1'), value: 'v3' }, { op: 'put', found: false });
    // Byte order: '-' (0x2d) < '9' < 'A' < '_' (0x5f) < 'a'; YCSB-style punctuation is legal.
    for (const s of ['a', 'A', '_', '9', '-x', 'k1~']) await log.expect(c, 'c0', { op: 'put', key: k(s), value: `val:${s}` }, { op: 'put', found: false });
    await log.expect(c, 'c0', { op: 'scan', start: k('-'), end: k('~') }, {
      op: 'scan',
      pairs: [
        [k('-x'), 'val:-x'],
        [k('9'), 'val:9'],
        [k('A'), 'val:A'],
        [k('_'), 'val:_'],
        [k('a'), 'val:a'],
        [k('k1'), 'v3'],
        [k('k1~'), 'val:k1~'],
      ],
    });
    // Both ends are inclusive.
    await log.expect(c, 'c0', { op: 'scan', start: k('9'), end: k('_') }, {
      op: 'scan',
      pairs: [
        [k('9'), 'val:9'],
        [k('A'), 'val:A'],
        [k('_'), 'val:_'],
      ],
    });
    await log.expect(c, 'c0', { op: 'scan', start: k('k1'), end: k('k1') }, { op: 'scan', pairs: [[k('k1'), 'v3']] });
    // An empty range and a reversed range return nothing.
    await log.expect(c, 'c0', { op: 'scan', start: k('b'), end: k('c') }, { op: 'scan', pairs: [] });
    await log.expect(c, 'c0', { op: 'scan', start: k('z'), end: k('a') }, { op: 'scan', pairs: [] });
    c.close();
  },
};

const case3: Testcase = {
  title: 'four clients at once on disjoint keys',
  async run(newClient, log) {
    const p = runPrefix(3);
    const clients = [0, 1, 2, 3].map(() => newClient());
    const perClient = 50;
    await Promise.all(
      clients.map(async (c, i) => {
        const writes = [];
        for (let j = 0; j < perClient; j++) writes.push(c.put(`${p}c${i}_${String(j).padStart(3, '0')}`, `v${i}.${j}`));
        const found = await Promise.all(writes);
        log.check(`c${i} wrote ${perClient} new keys concurrently with the others`, found.every((f) => !f));
      }),
    );
    await Promise.all(
      clients.map(async (c, i) => {
        const pairs = await c.scan(`${p}c${i}_`, `${p}c${i}_~`);
        const ok = pairs.length === perClient && pairs.every(([key, v], j) => key === `${p}c${i}_${String(j).padStart(3, '0')}` && v === `v${i}.${j}`);
        log.check(`c${i} SCAN of its own range returns exactly its ${perClient} keys, sorted`, ok, `got ${pairs.length}`);
        const swapped = await c.swap(`${p}c${i}_000`, `w${i}`);
        log.check(`c${i} SWAP on its key returns its own earlier value`, swapped === `v${i}.0`, `got ${swapped}`);
      }),
    );
    const all = await clients[0]!.scan(p, `${p}~`);
    log.check(`c0 SCAN over everything sees all ${clients.length * perClient} keys`, all.length === clients.length * perClient, `got ${all.length}`);
    clients.forEach((c) => c.close());
  },
};

const case4: Testcase = {
  title: 'three clients on shared keys see each other\'s acknowledged writes',
  async run(newClient, log) {
    const p = runPrefix(4);
    const [a, b, c] = [newClient(), newClient(), newClient()];
    const key = `${p}shared`;
    await log.expect(a, 'c0', { op: 'put', key, value: 'from_c0' }, { op: 'put', found: false });
    await log.expect(b, 'c1', { op: 'get', key }, { op: 'get', value: 'from_c0' });
    await log.expect(b, 'c1', { op: 'swap', key, value: 'from_c1' }, { op: 'swap', old: 'from_c0' });
    await log.expect(c, 'c2', { op: 'get', key }, { op: 'get', value: 'from_c1' });
    await log.expect(c, 'c2', { op: 'delete', key }, { op: 'delete', found: true });
    await log.expect(a, 'c0', { op: 'get', key }, { op: 'get', value: null });
    await log.expect(b, 'c1', { op: 'put', key, value: 'again' }, { op: 'put', found: false });
    // A relay: each client reads the previous client's acknowledged write, then writes its own.
    const ring = [a, b, c];
    let last = 'again';
    for (let round = 0; round < 9; round++) {
      const cl = ring[round % 3]!;
      const next = `r${round}`;
      await log.expect(cl, `c${round % 3}`, { op: 'swap', key, value: next }, { op: 'swap', old: last });
      last = next;
    }
    await log.expect(a, 'c0', { op: 'put', key: `${p}shared2`, value: 'x' }, { op: 'put', found: false });
    await log.expect(c, 'c2', { op: 'scan', start: key, end: `${p}shared2` }, {
      op: 'scan',
      pairs: [
        [key, last],
        [`${p}shared2`, 'x'],
      ],
    });
    [a, b, c].forEach((cl) => cl.close());
  },
};

const case5: Testcase = {
  title: 'four clients swap one shared key concurrently: the old values form one unbroken chain',
  async run(newClient, log) {
    const p = runPrefix(5);
    const key = `${p}hot`;
    const clients = [0, 1, 2, 3].map(() => newClient());
    const perClient = 200;
    await clients[0]!.put(key, 'start');
    const olds: (string | null)[] = [];
    await Promise.all(
      clients.map(async (c, i) => {
        for (let j = 0; j < perClient; j++) olds.push(await c.swap(key, `c${i}_${j}`));
      }),
    );
    const final = await clients[1]!.get(key);
    log.say(`  ${clients.length} clients made ${olds.length} SWAPs; final GET ${key} -> ${final}`);
    // Atomic swaps: each value written is returned as "old" exactly once, except the last
    // one, which the final GET sees; 'start' is returned exactly once.
    const written = new Set(clients.flatMap((_, i) => Array.from({ length: perClient }, (_, j) => `c${i}_${j}`)));
    const counts = new Map<string | null, number>();
    for (const o of olds) counts.set(o, (counts.get(o) ?? 0) + 1);
    const dup = [...counts].filter(([, n]) => n > 1);
    log.check('no old value was returned twice (no swap was lost or doubled)', dup.length === 0, dup.length ? `duplicates: ${dup.slice(0, 3).map(([v]) => v).join(',')}` : '');
    log.check("the initial value 'start' was swapped out exactly once", counts.get('start') === 1);
    const missing = [...written].filter((v) => !counts.has(v) && v !== final);
    log.check('every written value was either swapped out later or is the final value', missing.length === 0, missing.length ? `missing ${missing.length}` : '');
    log.check('the final value was never returned as an old value', final !== null && !counts.has(final) && written.has(final));
    // Each client's own swaps are ordered: a client never sees its own later value as old.
    clients.forEach((c) => c.close());
  },
};

export const P1_TESTCASES: Testcase[] = [case1, case2, case3, case4, case5];

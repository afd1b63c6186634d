import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateHistory } from '../testing/history-gen';
import { checkHistory } from './checker';
import { HistoryFormatError, formatHistoryLine, parseHistoryText } from './history';
import { columnsOf, readHistoryColumns, splitByKey } from './history-columns';

/** Each key's operations and value strings, as plain data. */
function perKey(split: ReturnType<typeof splitByKey>): unknown {
  return split.keys.map((kh) => ({ key: kh.key, ops: kh.ops.toArray(), values: Array.from({ length: kh.values.maxId + 1 }, (_, v) => kh.values.value(v)) }));
}

describe('history columns', () => {
  test('a file read into columns splits exactly as its operations do (scans, writes that never returned, blank lines)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const h = generateHistory({ clients: 3, opsPerClient: 40, keys: ['a', 'b', 'c'], seed, scans: true, pendingWrites: seed % 4, widen: seed % 3, staleReadRate: seed % 2 === 0 ? 0.1 : 0 });
      const text = `\n${h.map(formatHistoryLine).join('\n')}\n  \n`;
      const fromText = splitByKey(readHistoryColumns(text, 'h.jsonl'));
      const fromOps = splitByKey(columnsOf(parseHistoryText(text, 'h.jsonl')));
      assert.deepEqual(perKey(fromText), perKey(fromOps), `seed ${seed}`);
      assert.deepEqual(fromText.scanShapes, fromOps.scanShapes);
      assert.deepEqual(checkHistory(readHistoryColumns(text, 'h.jsonl')), checkHistory(h), `seed ${seed}`);
    }
  });

  test('a key first named after a SCAN that covers it still gets that SCAN\'s read, in history order', () => {
    const text = [
      '{"client":0,"op":"SCAN","start":"a","end":"c","call":1,"ret":2,"result":[["b","v1"]]}',
      '{"client":1,"op":"PUT","key":"b","value":"v1","call":0,"ret":3,"result":"not_found"}',
    ].join('\n');
    const split = splitByKey(readHistoryColumns(text, 'h.jsonl'));
    assert.deepEqual(split.keys.map((k) => k.key), ['a', 'b', 'c']);
    const b = split.keys[1]!;
    assert.deepEqual(b.ops.toArray().map((t) => [t.op.kind, b.values.value(t.op.out === -1 ? 0 : t.op.kind === 'READ' ? t.op.out : t.op.arg), t.op.source]), [
      ['READ', 'v1', 0],
      ['PUT', 'v1', 1],
    ]);
    assert.equal(checkHistory(readHistoryColumns(text, 'h.jsonl')).verdict, 'PASSED');
  });

  test('a bad line is named as parseHistoryText names it (line number and problem)', () => {
    const good = '{"client":0,"op":"GET","key":"a","call":1,"ret":2,"result":null}';
    for (const bad of ['not json', '[1]', '{"client":0,"op":"PUT","key":"a","value":"v","call":5,"ret":1,"result":"found"}', '{"client":0,"op":"SCAN","start":"a","end":"b","call":1,"ret":2,"result":[["a",1]]}']) {
      const text = `${good}\n\n${bad}\n${good}`;
      const viaOps = (() => {
        try {
          parseHistoryText(text, 'f.jsonl');
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      assert.ok(viaOps instanceof HistoryFormatError);
      assert.throws(() => readHistoryColumns(text, 'f.jsonl'), (err: unknown) => err instanceof HistoryFormatError && err.line === 3 && err.message === viaOps.message);
    }
  });
});

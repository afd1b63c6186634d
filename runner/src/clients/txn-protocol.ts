/**
 * A transaction block of the stage-4 client protocol, from the runner's side (README,
 * "Transactions (stage 4)"): the lines it writes and the answer it reads back.
 *
 *   TXN <n>                  ->  TXN COMMITTED
 *   <n lines: GET <key>           <one answer per operation, in order:
 *    or APPEND <key> <elem>>        GET <key> <value>|null, APPEND <key> ok>
 *                                 TXN END
 *                            |   TXN ABORTED <reason>
 *                            |   TXN UNKNOWN <reason>
 *
 * Only GET and APPEND: the list-append workload the transactional checker reads. An `ERROR`
 * line, or anything else, is a protocol error quoting what the client printed. Pure.
 */
import { clip } from './protocol';

export type TxnCallOp = { op: 'GET'; key: string } | { op: 'APPEND'; key: string; elem: string };

/** A committed block's answers: a GET's value (null for a missing key), an APPEND's `ok`. */
export type TxnOpAnswer = { op: 'GET'; value: string | null } | { op: 'APPEND' };

export type TxnAnswer = { outcome: 'committed'; results: TxnOpAnswer[] } | { outcome: 'aborted' | 'unknown'; reason: string };

export function formatTxnBlock(ops: readonly TxnCallOp[]): string {
  const lines = ops.map((o) => (o.op === 'GET' ? `GET ${o.key}` : `APPEND ${o.key} ${o.elem}`));
  return `TXN ${ops.length}\n${lines.join('\n')}\n`;
}

export type TxnLineStep = { kind: 'more' } | { kind: 'answer'; answer: TxnAnswer } | { kind: 'error'; message: string };

/**
 * A reader of the answer to one block: fed the client's output lines one by one, it says
 * whether the answer goes on, is complete, or is not an answer to this block.
 */
export function txnAnswerReader(ops: readonly TxnCallOp[]): (line: string) => TxnLineStep {
  const results: TxnOpAnswer[] = [];
  let begun = false;
  const block = clip(formatTxnBlock(ops).replace(/\n/g, '; ').replace(/; $/, ''));
  return (rawLine: string): TxnLineStep => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const t = line.split(' ').filter((s) => s !== '');
    if (t.length === 0) return { kind: 'more' };
    const wrong = (why: string): TxnLineStep => ({ kind: 'error', message: `client answered '${clip(line)}' to '${block}': ${why}` });
    if (!begun) {
      if (t[0] === 'ERROR') return wrong('the client reported an error');
      if (t[0] !== 'TXN' || t.length < 2) return wrong('expected TXN COMMITTED, TXN ABORTED <reason> or TXN UNKNOWN <reason>');
      if (t[1] === 'COMMITTED' && t.length === 2) {
        begun = true;
        return { kind: 'more' };
      }
      if ((t[1] === 'ABORTED' || t[1] === 'UNKNOWN') && t.length >= 3) {
        return { kind: 'answer', answer: { outcome: t[1] === 'ABORTED' ? 'aborted' : 'unknown', reason: t.slice(2).join(' ') } };
      }
      return wrong('expected TXN COMMITTED, TXN ABORTED <reason> or TXN UNKNOWN <reason>');
    }
    const op = ops[results.length];
    if (op === undefined) {
      if (t.length === 2 && t[0] === 'TXN' && t[1] === 'END') return { kind: 'answer', answer: { outcome: 'committed', results } };
      return wrong(`expected TXN END after the ${ops.length} answers`);
    }
    if (op.op === 'GET') {
      if (t.length !== 3 || t[0] !== 'GET' || t[1] !== op.key) return wrong(`answer ${results.length + 1}: expected 'GET ${op.key} <value>|null'`);
      results.push({ op: 'GET', value: t[2] === 'null' ? null : t[2]! });
      return { kind: 'more' };
    }
    if (t.length !== 3 || t[0] !== 'APPEND' || t[1] !== op.key || t[2] !== 'ok') return wrong(`answer ${results.length + 1}: expected 'APPEND ${op.key} ok'`);
    results.push({ op: 'APPEND' });
    return { kind: 'more' };
  };
}

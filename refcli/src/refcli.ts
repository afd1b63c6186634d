#!/usr/bin/env node
/**
 * refcli: the reference for the client's stdin/stdout protocol, over a local map.
 *
 * Read it top to bottom to learn the protocol; it talks to no server. Each input
 * line is one command; each command gets exactly one answer (a SCAN or TXN answer
 * spans several lines), printed as soon as it is known:
 *
 *   PUT <key> <value>    ->  PUT <key> found            | PUT <key> not_found
 *   SWAP <key> <value>   ->  SWAP <key> <old_value>     | SWAP <key> null
 *   GET <key>            ->  GET <key> <value>          | GET <key> null
 *   DELETE <key>         ->  DELETE <key> found         | DELETE <key> not_found
 *   SCAN <start> <end>   ->  SCAN <start> <end> BEGIN, one "  <key> <value>" line per
 *                            key with start <= key <= end in byte order, SCAN END
 *   INCR <key> <delta>   ->  INCR <key> <new value>     (a missing key counts as 0)
 *   APPEND <key> <elem>  ->  APPEND <key> ok            (value becomes "old,elem", or "elem")
 *   TXN <n>              ->  the next n lines (GET/PUT/SWAP/DELETE/INCR/APPEND) run as one
 *                            transaction, all or nothing: TXN COMMITTED, their n answers in
 *                            order (PUT answers "PUT <key> ok"), TXN END; or TXN ABORTED <reason>
 *   STOP                 ->  STOP, then exit
 *
 * Keywords are case-sensitive; any run of spaces or tabs separates tokens. Keys and
 * values are printable ASCII or DEL (0x7f, which YCSB's values contain). A line that
 * is not a command (extra tokens included) gets one "ERROR <reason>" line; a blank
 * line gets no answer. A malformed TXN block (a bad line, SCAN or TXN inside, a count
 * outside 1..64, STOP or end of input before its n lines) gets one ERROR line and none
 * of it runs. Integers are decimal without leading zeros within ±(2^53-1): INCR of any
 * other value aborts (not_integer), as does a sum beyond that (out_of_range); outside
 * a TXN an abort is an ERROR line. End of input also exits.
 */
import * as readline from 'node:readline';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const store = new Map<string, string>();
const ARITY: Record<string, number> = { PUT: 2, SWAP: 2, GET: 1, DELETE: 1, SCAN: 2, INCR: 2, APPEND: 2, TXN: 1, STOP: 0 };
const IN_TXN = new Set(['GET', 'PUT', 'SWAP', 'DELETE', 'INCR', 'APPEND']);
const MAX_TXN_OPS = 64;
const MAX_TOKEN = 65536;

class Abort {
  constructor(readonly reason: string) {}
}

/** The line's words, or why it is not a command. */
function parse(line: string): string[] | string {
  // Control characters other than tab, and anything beyond ASCII, are not allowed; DEL is.
  if (/[\x00-\x08\x0a-\x1f\u0080-\uffff]/.test(line)) return 'control or non-ASCII character';
  const words = line.split(/[ \t]+/).filter((w) => w !== '');
  const [cmd, a, b] = words;
  if (ARITY[cmd!] === undefined) return `unknown command '${cmd}'`;
  if (words.length - 1 !== ARITY[cmd!]) return `${cmd} takes ${ARITY[cmd!]} argument(s), got ${words.length - 1}`;
  if (words.some((w) => w.length > MAX_TOKEN)) return `token longer than ${MAX_TOKEN} bytes`;
  if (cmd === 'INCR' && !(/^[+-]?[0-9]+$/.test(b!) && Number.isSafeInteger(Number(b)))) return `INCR needs an integer delta, got '${b}'`;
  if (cmd === 'APPEND' && b!.includes(',')) return 'APPEND element may not contain a comma';
  if (cmd === 'TXN' && !/^[0-9]{1,9}$/.test(a!)) return `TXN needs a count, got '${a}'`;
  return words;
}

/** Applies one command to the store and answers it; throws Abort; `undo` records what to restore. */
function apply(words: string[], inTxn: boolean, undo: Array<[string, string | undefined]>): string {
  const [cmd, a, b] = words as [string, string, string];
  const set = (v: string | undefined): void => {
    undo.push([a, store.get(a)]);
    if (v === undefined) store.delete(a);
    else store.set(a, v);
  };
  const old = store.get(a);
  switch (cmd) {
    case 'PUT':
      set(b);
      return `PUT ${a} ${inTxn ? 'ok' : old !== undefined ? 'found' : 'not_found'}`;
    case 'SWAP':
      set(b);
      return `SWAP ${a} ${old ?? 'null'}`;
    case 'GET':
      return `GET ${a} ${old ?? 'null'}`;
    case 'DELETE':
      set(undefined);
      return `DELETE ${a} ${old !== undefined ? 'found' : 'not_found'}`;
    case 'INCR': {
      if (old !== undefined && !(/^-?(0|[1-9][0-9]*)$/.test(old) && old !== '-0' && Number.isSafeInteger(Number(old)))) throw new Abort('not_integer');
      const sum = Number(old ?? '0') + Number(b);
      if (!Number.isSafeInteger(sum)) throw new Abort('out_of_range');
      set(String(sum));
      return `INCR ${a} ${sum}`;
    }
    case 'APPEND': {
      const next = old === undefined ? b : `${old},${b}`;
      if (next.length > MAX_TOKEN) throw new Abort('too_long');
      set(next);
      return `APPEND ${a} ok`;
    }
    default: {
      // SCAN: both ends inclusive; JavaScript's < on ASCII strings is byte order.
      const keys = [...store.keys()].filter((k) => k >= a && k <= b).sort();
      return [`SCAN ${a} ${b} BEGIN`, ...keys.map((k) => `  ${k} ${store.get(k)}`), 'SCAN END'].join('\n');
    }
  }
}

/** Runs a transaction's lines all or nothing: on an abort, every write of it is undone. */
function runTxn(lines: string[][]): string {
  const undo: Array<[string, string | undefined]> = [];
  try {
    const answers = lines.map((w) => apply(w, true, undo));
    return ['TXN COMMITTED', ...answers, 'TXN END'].join('\n');
  } catch (err) {
    for (const [k, v] of undo.reverse()) v === undefined ? store.delete(k) : store.set(k, v);
    if (err instanceof Abort) return `TXN ABORTED ${err.reason}`;
    throw err;
  }
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('refcli')
    .usage('$0\n\nDemo client: reads protocol commands on stdin and answers them from a local map.')
    .strict()
    .help()
    .parseAsync();

  const print = (text: string): boolean => process.stdout.write(text + '\n');
  // An open TXN block: its count, its lines so far, and its first fault (then it is only counted).
  let block: { count: number; lines: string[][]; seen: number; fault?: string } | undefined;
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const rawLine of input) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (/^[ \t]*$/.test(line)) continue; // blank lines get no answer
    const words = parse(line);
    const isStop = Array.isArray(words) && words[0] === 'STOP';
    if (block !== undefined) {
      if (isStop) {
        print(`ERROR STOP inside a TXN block: nothing of it ran`);
        block = undefined;
      } else {
        block.seen++;
        if (block.fault === undefined) {
          if (typeof words === 'string') block.fault = words;
          else if (!IN_TXN.has(words[0]!)) block.fault = `${words[0]} is not allowed in a transaction`;
          else block.lines.push(words);
        }
      }
    } else if (typeof words === 'string') {
      print(`ERROR ${words}`);
    } else if (words[0] === 'TXN') {
      const count = Number(words[1]);
      block = { count, lines: [], seen: 0 };
      if (count < 1 || count > MAX_TXN_OPS) block.fault = `a transaction holds 1 to ${MAX_TXN_OPS} operations`;
    } else if (!isStop) {
      try {
        print(apply(words, false, []));
      } catch (err) {
        if (!(err instanceof Abort)) throw err;
        print(`ERROR ${words[0]} ${words[1]} aborted: ${err.reason}`);
      }
    }
    if (block !== undefined && block.seen === block.count) {
      print(block.fault !== undefined ? `ERROR TXN block: ${block.fault}; nothing of it ran` : runTxn(block.lines));
      block = undefined;
    }
    if (isStop) {
      print('STOP');
      break;
    }
  }
  if (block !== undefined) print('ERROR input ended inside a TXN block: nothing of it ran');
  input.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`refcli: ${(err as Error).message}\n`);
  process.exit(1);
});

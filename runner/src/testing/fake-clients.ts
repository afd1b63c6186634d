#!/usr/bin/env node
/**
 * Stand-in client programs for the runner's own tests and benchmarks: they speak the
 * stdin/stdout protocol and answer from an in-process sorted map, so no server is needed.
 *
 *   node fake-clients.js                       a correct store (for the runner's throughput)
 *   node fake-clients.js --mode stale --rate p  a fraction p of GETs answered from an old copy
 *   node fake-clients.js --mode lost --rate p   a fraction p of PUTs acknowledged but dropped
 *   node fake-clients.js --mode garbage         answers the 3rd command with a malformed line
 *   node fake-clients.js --mode die --after n   exits without answering the n-th command
 *   node fake-clients.js --mode hang --after n  never answers from the n-th command on
 *   --delay-ms d                                wait d ms before each answer
 *
 * Each process has its own map: several of them do not share a store. Without a delay it
 * reads stdin with blocking reads and writes its answers with blocking writes, the least CPU a
 * client can spend on a line, so `npm run bench:harness` measures the runner, not its stand-ins.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import BTree from 'sorted-btree';
import { SeededRandom } from '../random';

type Mode = 'correct' | 'stale' | 'lost' | 'garbage' | 'die' | 'hang';

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): void {
  const mode = (argValue(argv, '--mode') ?? 'correct') as Mode;
  const rate = Number(argValue(argv, '--rate') ?? '0.2');
  const after = Number(argValue(argv, '--after') ?? '3');
  const delayMs = Number(argValue(argv, '--delay-ms') ?? '0');
  const rnd = new SeededRandom(Number(argValue(argv, '--seed') ?? '1'));
  const map = new BTree<string, string>();
  let snapshot = new Map<string, string>();
  let writesSinceSnapshot = 0;
  let commands = 0;
  let stopped = false;

  const wrote = (): void => {
    // The stale copy lags a few writes behind, as a badly built cache would.
    if (mode === 'stale' && ++writesSinceSnapshot >= 8) {
      snapshot = new Map(map.entries());
      writesSinceSnapshot = 0;
    }
  };

  const answer = (line: string): string | undefined => {
    const t = line.split(' ').filter((x) => x.length > 0);
    if (t.length === 0) return '';
    commands++;
    if ((mode === 'die' || mode === 'hang') && commands >= after) {
      if (mode === 'die') process.exit(3);
      return undefined;
    }
    if (mode === 'garbage' && commands === 3) return 'HELLO there\n';
    const [cmd, a, b] = t;
    switch (cmd) {
      case 'PUT': {
        const found = map.has(a!);
        if (!(mode === 'lost' && rnd.nextDouble() < rate)) map.set(a!, b!);
        wrote();
        return `PUT ${a} ${found ? 'found' : 'not_found'}\n`;
      }
      case 'SWAP': {
        const old = map.get(a!);
        map.set(a!, b!);
        wrote();
        return `SWAP ${a} ${old ?? 'null'}\n`;
      }
      case 'GET': {
        const v = mode === 'stale' && rnd.nextDouble() < rate ? snapshot.get(a!) : map.get(a!);
        return `GET ${a} ${v ?? 'null'}\n`;
      }
      case 'DELETE': {
        const found = map.delete(a!);
        wrote();
        return `DELETE ${a} ${found ? 'found' : 'not_found'}\n`;
      }
      case 'SCAN': {
        let out = `SCAN ${a} ${b} BEGIN\n`;
        if (a! <= b!) {
          map.forRange(a!, b!, true, (k, v) => {
            out += `  ${k} ${v}\n`;
          });
        }
        return `${out}SCAN END\n`;
      }
      case 'STOP':
        stopped = true;
        return 'STOP\n';
      default:
        return `ERROR unknown command '${cmd}'\n`;
    }
  };

  /** Answers every complete line of `text`; returns the answers and the unfinished rest, or undefined once hanging. */
  const answerLines = (text: string): { out: string; rest: string } | undefined => {
    let out = '';
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0 || stopped) break;
      const a = answer(text.slice(start, nl));
      start = nl + 1;
      if (a === undefined) return undefined;
      out += a;
    }
    return { out, rest: text.slice(start) };
  };

  if (delayMs === 0 && blockingLoop(answerLines, () => stopped)) return;

  let buffer = '';
  process.stdin.setEncoding('latin1');
  process.stdin.on('data', (chunk: string) => {
    const r = answerLines(buffer + chunk);
    if (r === undefined) {
      buffer = '';
      process.stdin.pause();
      return;
    }
    buffer = r.rest;
    const out = r.out;
    const flush = (): void => {
      if (stopped) process.stdout.write(out, () => process.exit(0));
      else if (out !== '') process.stdout.write(out);
    };
    if (delayMs > 0) setTimeout(flush, delayMs);
    else flush();
  });
  process.stdin.on('end', () => process.exit(0));
}

/**
 * Serves stdin with blocking reads and writes until STOP or end of input, then exits. Returns
 * false, having read nothing, when stdin is not open for blocking reads (the caller then uses
 * the event loop).
 */
function blockingLoop(answerLines: (text: string) => { out: string; rest: string } | undefined, stopped: () => boolean): boolean {
  const buf = Buffer.allocUnsafe(1 << 16);
  let rest = '';
  let hanging = false;
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && rest === '' && !hanging) return false;
      if (code === 'EAGAIN' || code === 'EINTR') continue;
      throw err;
    }
    if (n === 0) process.exit(0);
    if (hanging) continue;
    const r = answerLines(rest + buf.toString('latin1', 0, n));
    if (r === undefined) {
      hanging = true;
      continue;
    }
    rest = r.rest;
    if (r.out !== '') writeAll(r.out);
    if (stopped()) process.exit(0);
  }
}

function writeAll(text: string): void {
  const data = Buffer.from(text, 'latin1');
  for (let off = 0; off < data.length; ) {
    try {
      off += fs.writeSync(1, data, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** A shell command that runs this program with `args` (compiled, or through tsx in tests). */
export function fakeClientCommand(args: string[] = []): string {
  const file = path.join(__dirname, `fake-clients${path.extname(__filename)}`);
  const runner = __filename.endsWith('.ts') ? `${JSON.stringify(process.execPath)} --import tsx` : JSON.stringify(process.execPath);
  return [runner, JSON.stringify(file), ...args.map((a) => JSON.stringify(a))].join(' ');
}

if (require.main === module) main(process.argv.slice(2));

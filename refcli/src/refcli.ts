#!/usr/bin/env node
/**
 * refcli: the reference for the client's stdin/stdout protocol, over a local map.
 *
 * Read it top to bottom to learn the protocol; it talks to no server. Each input
 * line is one command; each command gets exactly one answer (a SCAN answer spans
 * several lines), printed as soon as it is known:
 *
 *   PUT <key> <value>    ->  PUT <key> found            | PUT <key> not_found
 *   SWAP <key> <value>   ->  SWAP <key> <old_value>     | SWAP <key> null
 *   GET <key>            ->  GET <key> <value>          | GET <key> null
 *   DELETE <key>         ->  DELETE <key> found         | DELETE <key> not_found
 *   SCAN <start> <end>   ->  SCAN <start> <end> BEGIN, one "  <key> <value>" line per
 *                            key with start <= key <= end in byte order, SCAN END
 *   STOP                 ->  STOP, then exit
 *
 * Keywords are case-sensitive; any run of spaces or tabs separates tokens. Keys and
 * values are printable ASCII or DEL (0x7f, which YCSB's values contain). A line that
 * is not a command (extra tokens included) gets one "ERROR <reason>" line; a blank
 * line gets no answer. End of input also exits.
 */
import * as readline from 'node:readline';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const store = new Map<string, string>();

/** Returns the answer to one line, or null when the line was STOP. */
function answer(line: string): string | null {
  // Control characters other than tab, and anything beyond ASCII, are not allowed; DEL is.
  if (/[\x00-\x08\x0a-\x1f\u0080-\uffff]/.test(line)) return 'ERROR control or non-ASCII character';
  const words = line.split(/[ \t]+/).filter((w) => w !== '');
  const [cmd, a, b] = words;
  const arity = words.length - 1;
  const wrong = (n: number): string => `ERROR ${cmd} takes ${n} argument(s), got ${arity}`;

  switch (cmd) {
    case 'PUT': {
      if (arity !== 2) return wrong(2);
      const found = store.has(a!);
      store.set(a!, b!);
      return `PUT ${a} ${found ? 'found' : 'not_found'}`;
    }
    case 'SWAP': {
      if (arity !== 2) return wrong(2);
      const old = store.get(a!) ?? 'null';
      store.set(a!, b!);
      return `SWAP ${a} ${old}`;
    }
    case 'GET':
      if (arity !== 1) return wrong(1);
      return `GET ${a} ${store.get(a!) ?? 'null'}`;
    case 'DELETE':
      if (arity !== 1) return wrong(1);
      return `DELETE ${a} ${store.delete(a!) ? 'found' : 'not_found'}`;
    case 'SCAN': {
      if (arity !== 2) return wrong(2);
      // Both ends inclusive; JavaScript's < on ASCII strings is byte order.
      const keys = [...store.keys()].filter((k) => k >= a! && k <= b!).sort();
      const lines = [`SCAN ${a} ${b} BEGIN`, ...keys.map((k) => `  ${k} ${store.get(k)}`), 'SCAN END'];
      return lines.join('\n');
    }
    case 'STOP':
      return arity === 0 ? null : wrong(0);
    default:
      return `ERROR unknown command '${cmd}'`;
  }
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('refcli')
    .usage('$0\n\nDemo client: reads protocol commands on stdin and answers them from a local map.')
    .strict()
    .help()
    .parseAsync();

  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const rawLine of input) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (/^[ \t]*$/.test(line)) continue; // blank lines get no answer
    const reply = answer(line);
    if (reply === null) {
      process.stdout.write('STOP\n');
      break;
    }
    process.stdout.write(reply + '\n');
  }
  input.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`refcli: ${(err as Error).message}\n`);
  process.exit(1);
});

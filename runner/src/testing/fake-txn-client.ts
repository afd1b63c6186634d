#!/usr/bin/env node
/**
 * A stand-in stage-4 client for the transactional fuzz's own tests: it answers `TXN n` blocks
 * of GET and APPEND (README, "Transactions (stage 4)") from an in-process map, every block
 * committed, so no cluster is needed. Each process has its own map: run one client.
 *
 *   node fake-txn-client.js                 a correct store
 *   node fake-txn-client.js --lie-after n   from the n-th GET of a non-empty list on, answers it
 *                                           without its last element (a stale read)
 */
import * as readline from 'node:readline';

function main(argv: string[]): void {
  const i = argv.indexOf('--lie-after');
  const lieAfter = i >= 0 ? Number(argv[i + 1]) : Infinity;
  const lists = new Map<string, string[]>();
  let reads = 0;
  let block: string[] | undefined;
  let expected = 0;
  const out: string[] = [];
  const answer = (ops: string[]): void => {
    out.push('TXN COMMITTED');
    for (const line of ops) {
      const [op, key, elem] = line.split(' ');
      const list = lists.get(key!) ?? [];
      if (op === 'APPEND') {
        lists.set(key!, [...list, elem!]);
        out.push(`APPEND ${key} ok`);
      } else if (op === 'GET') {
        const shown = list.length > 0 && ++reads >= lieAfter ? list.slice(0, -1) : list;
        out.push(`GET ${key} ${shown.length === 0 ? 'null' : shown.join(',')}`);
      } else {
        out.push(`ERROR unexpected '${line}'`);
      }
    }
    out.push('TXN END');
  };
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (block !== undefined) {
      block.push(line);
      if (block.length === expected) {
        answer(block);
        block = undefined;
      }
    } else if (line.startsWith('TXN ')) {
      expected = Number(line.slice(4));
      block = [];
    } else if (line === 'STOP') {
      out.push('STOP');
      process.stdout.write(`${out.join('\n')}\n`);
      process.exit(0);
    } else {
      out.push(`ERROR unexpected '${line}'`);
    }
    if (out.length > 0) {
      process.stdout.write(`${out.join('\n')}\n`);
      out.length = 0;
    }
  });
}

/** A shell command that runs this program with `args` (compiled, or through tsx in tests). */
export function fakeTxnClientCommand(args: string[] = []): string {
  const file = `${__dirname}/fake-txn-client${__filename.endsWith('.ts') ? '.ts' : '.js'}`;
  const runner = __filename.endsWith('.ts') ? `${JSON.stringify(process.execPath)} --import tsx` : JSON.stringify(process.execPath);
  return [runner, JSON.stringify(file), ...args.map((a) => JSON.stringify(a))].join(' ');
}

if (require.main === module) main(process.argv.slice(2));

#!/usr/bin/env node
/**
 * redis-client: the client's stdin/stdout protocol in front of a Redis server, for comparison
 * (`npm run bench:harness` runs YCSB through it beside our own client). Plain Node, no
 * dependencies: `node dist/refcli/src/redis-client.js --server 127.0.0.1:6379`.
 *
 * Each command is one Redis command (several in flight, answered in order):
 *
 *   PUT k v    ->  SET k v GET     (Redis >= 6.2)  -> PUT k found | PUT k not_found
 *   SWAP k v   ->  SET k v GET                     -> SWAP k <old> | SWAP k null
 *   GET k      ->  GET k                           -> GET k <value> | GET k null
 *   DELETE k   ->  DEL k                           -> DELETE k found | DELETE k not_found
 *   SCAN a b   ->  one Lua script returning every pair (atomic, but it reads the whole
 *                  database: Redis keeps no key order); pairs in [a, b] printed in byte order
 *   STOP       ->  STOP, once every earlier answer is printed
 *
 * Redis speaks RESP: a command is an array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`);
 * a reply is `+simple`, `-error`, `:integer`, `$len\r\n<bytes>` (`$-1`: nil) or `*count` of
 * replies. Keys and values are ASCII (or DEL), so a string's length is its byte length.
 * A malformed line gets `ERROR <reason>`; losing Redis ends the client (exit 1).
 */
import * as net from 'node:net';

export type Reply = string | number | null | Reply[] | { error: string };
type Answer = (reply: Reply) => string;

const ARITY: Record<string, number> = { PUT: 2, SWAP: 2, GET: 1, DELETE: 1, SCAN: 2, STOP: 0 };
const ALL_PAIRS = "local r = {} for _, k in ipairs(redis.call('KEYS', '*')) do r[#r+1] = k r[#r+1] = redis.call('GET', k) end return r";

export function resp(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

/** One reply parsed from `buf` at `pos`, or undefined when it has not fully arrived. */
export function parseReply(buf: Buffer, pos: number): { reply: Reply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const head = buf.toString('latin1', pos + 1, eol);
  switch (buf[pos]) {
    case 0x2b: // +
      return { reply: head, next: eol + 2 };
    case 0x2d: // -
      return { reply: { error: head }, next: eol + 2 };
    case 0x3a: // :
      return { reply: Number(head), next: eol + 2 };
    case 0x24: {
      // $
      const len = Number(head);
      if (len < 0) return { reply: null, next: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { reply: buf.toString('latin1', eol + 2, eol + 2 + len), next: eol + 2 + len + 2 };
    }
    case 0x2a: {
      // *
      const items: Reply[] = [];
      let next = eol + 2;
      for (let i = 0; i < Number(head); i++) {
        const r = parseReply(buf, next);
        if (r === undefined) return undefined;
        items.push(r.reply);
        next = r.next;
      }
      return { reply: items, next };
    }
    default:
      throw new Error(`unexpected reply from Redis: ${buf.toString('latin1', pos, eol)}`);
  }
}

export function scanAnswer(start: string, end: string, reply: Reply): string {
  const flat = reply as string[];
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i]! >= start && flat[i]! <= end) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  let out = `SCAN ${start} ${end} BEGIN\n`;
  for (const [k, v] of pairs) out += `  ${k} ${v}\n`;
  return `${out}SCAN END\n`;
}

/** The Redis command for one input line and how to answer its reply; a string is an immediate answer. */
export function translate(line: string): { command: string; answer: Answer } | string | 'STOP' | undefined {
  if (/[^\x20-\x7f\t]/.test(line)) return 'ERROR keys and values are printable ASCII\n';
  const t = line.split(/[ \t]+/).filter((x) => x.length > 0);
  if (t.length === 0) return undefined;
  const [op, k = '', v = ''] = t;
  if (ARITY[op!] !== t.length - 1) return `ERROR not a command: '${line.slice(0, 40)}'\n`;
  switch (op) {
    case 'PUT':
      return { command: resp(['SET', k, v, 'GET']), answer: (r) => `PUT ${k} ${r === null ? 'not_found' : 'found'}\n` };
    case 'SWAP':
      return { command: resp(['SET', k, v, 'GET']), answer: (r) => `SWAP ${k} ${r === null ? 'null' : (r as string)}\n` };
    case 'GET':
      return { command: resp(['GET', k]), answer: (r) => `GET ${k} ${r === null ? 'null' : (r as string)}\n` };
    case 'DELETE':
      return { command: resp(['DEL', k]), answer: (r) => `DELETE ${k} ${r === 1 ? 'found' : 'not_found'}\n` };
    case 'SCAN':
      return { command: resp(['EVAL', ALL_PAIRS, '0']), answer: (r) => scanAnswer(k, v, r) };
    default:
      return 'STOP';
  }
}

function main(argv: string[]): void {
  const i = argv.indexOf('--server');
  const [host, port] = (i >= 0 ? argv[i + 1]! : '127.0.0.1:6379').split(':');
  const redis = net.connect({ host: host!, port: Number(port) });
  redis.setNoDelay(true);
  redis.on('error', (err) => {
    process.stderr.write(`redis-client: ${err.message}\n`);
    process.exit(1);
  });
  redis.on('close', () => process.exit(1));

  // Answers in command order: a reply-awaiting entry, or a text known at once (kept behind earlier replies).
  const queue: Array<Answer | string> = [];
  let head = 0;
  let stopping = false;
  let inBuf = '';
  let replies: Buffer = Buffer.alloc(0);

  const flush = (): void => {
    let out = '';
    while (head < queue.length && typeof queue[head] === 'string') out += queue[head++] as string;
    if (head === queue.length) queue.length = head = 0;
    if (out !== '') process.stdout.write(out);
    if (stopping && queue.length === 0) process.stdout.write('STOP\n', () => process.exit(0));
  };

  process.stdin.setEncoding('latin1');
  process.stdin.on('data', (chunk: string) => {
    const lines = (inBuf + chunk).split('\n');
    inBuf = lines.pop()!;
    let commands = '';
    for (const raw of lines) {
      if (stopping) break;
      const r = translate(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (r === undefined) continue;
      if (r === 'STOP') stopping = true;
      else if (typeof r === 'string') queue.push(r);
      else {
        queue.push(r.answer);
        commands += r.command;
      }
    }
    if (commands !== '') redis.write(commands, 'latin1');
    flush();
  });
  process.stdin.on('end', () => {
    if (!stopping) process.exit(0);
  });

  redis.on('data', (chunk: Buffer) => {
    replies = replies.length === 0 ? chunk : Buffer.concat([replies, chunk]);
    let pos = 0;
    for (;;) {
      const r = pos < replies.length ? parseReply(replies, pos) : undefined;
      if (r === undefined) break;
      pos = r.next;
      let slot = head;
      while (typeof queue[slot] === 'string') slot++;
      const answer = queue[slot] as Answer;
      const reply = r.reply;
      queue[slot] = reply !== null && typeof reply === 'object' && !Array.isArray(reply) ? `ERROR ${reply.error}\n` : answer(reply);
    }
    replies = replies.subarray(pos);
    flush();
  });
}

if (require.main === module) main(process.argv.slice(2));

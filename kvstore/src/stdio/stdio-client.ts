/**
 * The stdin/stdout client loop: one command a line, one answer per command, in
 * order, written as soon as it is known. Malformed lines get one `ERROR` line
 * and never reach the server. Ends on STOP (echoed) or at end of input.
 *
 * A SCAN's answer is streamed: its first line when the first page arrives, then
 * each page's pairs as they come, then `SCAN END`, waiting for stdout to drain
 * between pages, so any SCAN runs in bounded memory.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { KvClient } from '../client/kv-client';
import { SCAN_END, formatError, formatResult, formatScanBegin, formatScanPairs } from './format-result';
import { LineReader } from './line-reader';
import { parseLine } from './parse-line';

export type StdioExit = 'stop' | 'eof';

export async function runStdioClient(client: KvClient, input: Readable, output: Writable): Promise<StdioExit> {
  const lines = new LineReader(input);
  // A reader slower than us (a pipe) makes us wait instead of queueing answers in memory.
  const write = async (text: string): Promise<void> => {
    if (!output.write(text)) await once(output, 'drain');
  };
  try {
    for (;;) {
      const next = lines.next();
      const line = typeof next === 'string' || next === null ? next : await next;
      if (line === null) break;
      const parsed = parseLine(line);
      switch (parsed.kind) {
        case 'empty':
          continue;
        case 'error':
          await write(formatError(parsed.reason));
          continue;
        case 'stop':
          await write('STOP\n');
          return 'stop';
        case 'command': {
          const cmd = parsed.command;
          if (cmd.op === 'scan') {
            await streamScan(client, cmd.start, cmd.end, write);
            continue;
          }
          let answer: string;
          try {
            answer = formatResult(cmd, await client.execute(cmd));
          } catch (err) {
            answer = formatError((err as Error).message);
          }
          if (!output.write(answer)) await once(output, 'drain');
        }
      }
    }
    return 'eof';
  } finally {
    lines.close();
  }
}

async function streamScan(client: KvClient, start: string, end: string, write: (text: string) => Promise<void>): Promise<void> {
  let begun = false;
  try {
    for await (const pairs of client.scanPages(start, end)) {
      if (!begun) {
        await write(formatScanBegin(start, end));
        begun = true;
      }
      if (pairs.length > 0) await write(formatScanPairs(pairs));
    }
    if (!begun) await write(formatScanBegin(start, end));
    await write(SCAN_END);
  } catch (err) {
    // Before the first page: the whole answer is this line. After it (a server's bug, not an
    // outage, which is retried): the line ends the answer where a pair or SCAN END was due.
    await write(formatError((err as Error).message));
  }
}

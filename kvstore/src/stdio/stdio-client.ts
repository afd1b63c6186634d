/**
 * The stdin/stdout client loop: one command a line, one answer per command, in
 * order, written as soon as it is known. Malformed lines get one `ERROR` line
 * and never reach the server. Ends on STOP (echoed) or at end of input.
 */
import { once } from 'node:events';
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { KvClient } from '../client/kv-client';
import { formatError, formatResult } from './format-result';
import { parseLine } from './parse-line';

export type StdioExit = 'stop' | 'eof';

export async function runStdioClient(client: KvClient, input: Readable, output: Writable): Promise<StdioExit> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  // A reader slower than us (a pipe) makes us wait instead of queueing answers in memory.
  const write = async (text: string): Promise<void> => {
    if (!output.write(text)) await once(output, 'drain');
  };
  try {
    for await (const line of lines) {
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
          let answer: string;
          try {
            answer = formatResult(parsed.command, await client.execute(parsed.command));
          } catch (err) {
            answer = formatError((err as Error).message);
          }
          await write(answer);
        }
      }
    }
    return 'eof';
  } finally {
    lines.close();
  }
}

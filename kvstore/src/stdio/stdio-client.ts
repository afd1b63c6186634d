/**
 * The stdin/stdout client loop: one command a line, one answer per command, in
 * order, written as soon as it is known. Malformed lines get one `ERROR` line
 * and never reach the server. Ends on STOP (echoed) or at end of input.
 */
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { KvClient } from '../client/kv-client';
import { formatError, formatResult } from './format-result';
import { parseLine } from './parse-line';

export type StdioExit = 'stop' | 'eof';

export async function runStdioClient(client: KvClient, input: Readable, output: Writable): Promise<StdioExit> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) {
      const parsed = parseLine(line);
      switch (parsed.kind) {
        case 'empty':
          continue;
        case 'error':
          output.write(formatError(parsed.reason));
          continue;
        case 'stop':
          output.write('STOP\n');
          return 'stop';
        case 'command':
          try {
            const result = await client.execute(parsed.command);
            output.write(formatResult(parsed.command, result));
          } catch (err) {
            output.write(formatError((err as Error).message));
          }
      }
    }
    return 'eof';
  } finally {
    lines.close();
  }
}

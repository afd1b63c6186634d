/**
 * The stdin/stdout client loop: one command a line, one answer per command, in
 * order, written as soon as it is known. Malformed lines get one `ERROR` line
 * and never reach the server. Ends on STOP (echoed) or at end of input.
 * A `TXN <n>` block is one command (command-reader.ts): one answer, or one `ERROR`
 * line for a malformed block, of which nothing is sent.
 *
 * A SCAN's answer is streamed: its first line when the first page arrives, then
 * each page's pairs as they come, then `SCAN END`, waiting for stdout to drain
 * between pages, so any SCAN runs in bounded memory.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { KvClient } from '../client/kv-client';
import { type ClientItem, CommandReader } from './command-reader';
import { SCAN_END, formatError, formatResult, formatScanBegin, formatScanPairs, formatSingleOpResult, formatTxnResult } from './format-result';
import { LineReader } from './line-reader';

export type StdioExit = 'stop' | 'eof';

export async function runStdioClient(client: KvClient, input: Readable, output: Writable): Promise<StdioExit> {
  const lines = new LineReader(input);
  // A reader slower than us (a pipe) makes us wait instead of queueing answers in memory.
  const write = async (text: string): Promise<void> => {
    if (!output.write(text)) await once(output, 'drain');
  };
  const reader = new CommandReader();
  try {
    for (;;) {
      const next = lines.next();
      const line = typeof next === 'string' || next === null ? next : await next;
      if (line === null) break;
      for (const item of reader.push(line)) {
        if (await runItem(client, item, write)) return 'stop';
      }
    }
    for (const item of reader.end()) await runItem(client, item, write);
    return 'eof';
  } finally {
    lines.close();
  }
}

/** Runs one item and writes its answer; true when it was STOP. */
async function runItem(client: KvClient, item: ClientItem, write: (text: string) => Promise<void>): Promise<boolean> {
  switch (item.kind) {
    case 'error':
      await write(formatError(item.reason));
      return false;
    case 'stop':
      await write('STOP\n');
      return true;
    case 'command': {
      const cmd = item.command;
      if (cmd.op === 'scan') {
        await streamScan(client, cmd.start, cmd.end, write);
        return false;
      }
      await write(await answerOrError(async () => formatResult(cmd, await client.execute(cmd))));
      return false;
    }
    case 'single':
      await write(await answerOrError(async () => formatSingleOpResult(item.op, await client.txn([item.op]))));
      return false;
    case 'txn':
      await write(await answerOrError(async () => formatTxnResult(await client.txn(item.ops))));
      return false;
  }
}

async function answerOrError(answer: () => Promise<string>): Promise<string> {
  try {
    return await answer();
  } catch (err) {
    return formatError((err as Error).message);
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

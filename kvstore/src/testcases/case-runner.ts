/**
 * A small harness for demonstration testcases: every step prints what it sent,
 * what it got and what it expected, and the case fails if any step differed.
 */
import type { KvCommand, KvResult } from '../kv/command';
import type { KvClient } from '../client/kv-client';
import { formatResult } from '../stdio/format-result';

export class CaseLog {
  failures = 0;
  steps = 0;

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(l + '\n')) {}

  say(line: string): void {
    this.out(line);
  }

  check(what: string, ok: boolean, detail = ''): void {
    this.steps++;
    if (!ok) this.failures++;
    this.out(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}${detail ? `  (${detail})` : ''}`);
  }

  /** Runs a command and compares its answer, in protocol form, with the expected one. */
  async expect(client: KvClient, who: string, cmd: KvCommand, expected: KvResult): Promise<KvResult> {
    const got = await client.execute(cmd);
    const gotText = formatResult(cmd, got).trimEnd().replace(/\n/g, ' | ');
    const wantText = formatResult(cmd, expected).trimEnd().replace(/\n/g, ' | ');
    this.check(`${who} ${describe(cmd)}  ->  ${gotText}`, gotText === wantText, gotText === wantText ? '' : `expected ${wantText}`);
    return got;
  }
}

export function describe(cmd: KvCommand): string {
  switch (cmd.op) {
    case 'put':
    case 'swap':
      return `${cmd.op.toUpperCase()} ${cmd.key} ${cmd.value}`;
    case 'get':
    case 'delete':
      return `${cmd.op.toUpperCase()} ${cmd.key}`;
    case 'scan':
      return `SCAN ${cmd.start} ${cmd.end}`;
  }
}

/**
 * Turning stdin lines into what the client runs: single commands, and transactions
 * collected from `TXN <n>` blocks. Pure: lines in, items out; no I/O.
 *
 * A block is the header `TXN <n>` and the next n command lines (blank lines inside are
 * skipped and not counted), each a GET, PUT, SWAP, DELETE, INCR or APPEND. A block that
 * is malformed in any way yields exactly one `error` item, at its end, and none of its
 * operations is run:
 *   - any of its lines is not one of those commands (SCAN, a nested TXN, a typo ...);
 *   - n is 0 or above MAX_TXN_OPS (its n lines are still consumed, so none of them runs
 *     on its own by mistake);
 *   - STOP comes before its n lines (the error, then the stop);
 *   - input ends before its n lines.
 * A header whose count is not a number is a malformed line, not a block: only it errs.
 */
import type { KvCommand } from '../kv/command';
import { MAX_TXN_OPS, type TxnOp } from '../kv/txn-op';
import { parseLine } from './parse-line';

export type ClientItem =
  | { kind: 'command'; command: KvCommand }
  /** INCR or APPEND outside a block: a transaction of one, answered like a single command. */
  | { kind: 'single'; op: TxnOp }
  | { kind: 'txn'; ops: TxnOp[] }
  | { kind: 'error'; reason: string }
  | { kind: 'stop' };

interface OpenBlock {
  count: number;
  seen: number;
  /** Kept only while the block is still valid (so an over-long block costs no memory). */
  ops: TxnOp[];
  /** The first fault found; the block is then only counted to its end. */
  fault: string | undefined;
}

export class CommandReader {
  private block: OpenBlock | undefined;

  /** Whether a TXN block is waiting for more lines. */
  get inBlock(): boolean {
    return this.block !== undefined;
  }

  /** The items one input line completes: usually zero or one; STOP inside a block gives two. */
  push(line: string): ClientItem[] {
    const parsed = parseLine(line);
    if (parsed.kind === 'empty') return [];
    const block = this.block;
    if (block === undefined) {
      switch (parsed.kind) {
        case 'command':
        case 'error':
        case 'stop':
          return [parsed];
        case 'txnOp':
          return [{ kind: 'single', op: parsed.op }];
        case 'txnBegin':
          this.block = {
            count: parsed.count,
            seen: 0,
            ops: [],
            fault:
              parsed.count === 0 || parsed.count > MAX_TXN_OPS
                ? `TXN ${parsed.count}: a transaction holds 1 to ${MAX_TXN_OPS} operations${parsed.count === 0 ? '' : `; its ${parsed.count} lines were skipped`}`
                : undefined,
          };
          return this.closeIfComplete();
      }
    }
    if (parsed.kind === 'stop') {
      this.block = undefined;
      return [{ kind: 'error', reason: `STOP after ${block.seen} of the TXN block's ${block.count} lines: nothing of it was sent` }, { kind: 'stop' }];
    }
    block.seen++;
    if (block.fault === undefined) {
      const op = asTxnOp(parsed);
      if (typeof op === 'string') {
        block.fault = `TXN line ${block.seen} of ${block.count}: ${op}; nothing of the block was sent`;
        block.ops = [];
      } else {
        block.ops.push(op);
      }
    }
    return this.closeIfComplete();
  }

  /** End of input: an unfinished block is an error. */
  end(): ClientItem[] {
    const block = this.block;
    this.block = undefined;
    if (block === undefined) return [];
    return [{ kind: 'error', reason: `input ended after ${block.seen} of the TXN block's ${block.count} lines: nothing of it was sent` }];
  }

  private closeIfComplete(): ClientItem[] {
    const block = this.block!;
    if (block.seen < block.count) return [];
    this.block = undefined;
    return block.fault !== undefined ? [{ kind: 'error', reason: block.fault }] : [{ kind: 'txn', ops: block.ops }];
  }
}

type LineInBlock = Exclude<ReturnType<typeof parseLine>, { kind: 'empty' } | { kind: 'stop' }>;

function asTxnOp(parsed: LineInBlock): TxnOp | string {
  switch (parsed.kind) {
    case 'error':
      return parsed.reason;
    case 'txnOp':
      return parsed.op;
    case 'txnBegin':
      return 'TXN blocks do not nest';
    case 'command': {
      const c = parsed.command;
      if (c.op === 'scan') return 'SCAN is not allowed in a transaction';
      return c;
    }
  }
}

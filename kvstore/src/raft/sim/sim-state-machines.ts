/**
 * State machines the simulated nodes apply committed entries to.
 *
 * HashChainMachine folds every applied command into a running hash, so two nodes that
 * applied the same commands in the same order have the same state, and a snapshot (the
 * hash, the count, and padding so that it spans several InstallSnapshot chunks) can be
 * checked against what other nodes had at that index.
 *
 * KvMachine is the store's real key-value state machine (with its session table), fed
 * the store's real log commands: the simulator's linearizability tests run on it.
 */
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../../state/kv-log-command';
import type { ApplyOutcome } from '../../state/kv-state-machine';
import type { Entry } from '../types';

export interface SimStateMachine {
  /** Applies a non-empty committed entry and returns its result. */
  apply(entry: Entry): unknown;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  /** A fingerprint of the whole state (equal states, equal fingerprints). */
  fingerprint(): number;
  /** Whether fingerprint() is cheap enough to take after every applied entry. */
  readonly cheapFingerprint: boolean;
}

/** FNV-1a over bytes, continuing from `h`. */
export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class HashChainMachine implements SimStateMachine {
  readonly cheapFingerprint = true;
  hash = 0x811c9dc5;
  count = 0;

  constructor(private readonly paddingBytes = 0) {}

  apply(entry: Entry): number {
    this.hash = fnv1a(entry.data, this.hash ^ this.count);
    this.count++;
    return this.count;
  }

  snapshot(): Uint8Array {
    const buf = Buffer.alloc(8 + this.paddingBytes);
    buf.writeUInt32LE(this.hash, 0);
    buf.writeUInt32LE(this.count, 4);
    for (let i = 8; i < buf.length; i++) buf[i] = (this.hash + i) & 0xff;
    return buf;
  }

  restore(data: Uint8Array): void {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length < 8) throw new Error(`snapshot of ${buf.length} bytes is too short`);
    const hash = buf.readUInt32LE(0);
    for (let i = 8; i < buf.length; i++) {
      if (buf[i] !== ((hash + i) & 0xff)) throw new Error(`snapshot byte ${i} is damaged (chunks reassembled wrongly)`);
    }
    this.hash = hash;
    this.count = buf.readUInt32LE(4);
  }

  fingerprint(): number {
    return (this.hash ^ Math.imul(this.count, 0x9e3779b1)) >>> 0;
  }
}

export class KvMachine implements SimStateMachine {
  readonly cheapFingerprint = false;
  readonly sm = new KvLogStateMachine();

  apply(entry: Entry): ApplyOutcome {
    return this.sm.apply(kvLogCodec.decode(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength)));
  }

  snapshot(): Uint8Array {
    return this.sm.snapshot();
  }

  restore(data: Uint8Array): void {
    this.sm.restore(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  fingerprint(): number {
    return fnv1a(this.sm.snapshot());
  }

  static encode(command: KvLogCommand): Uint8Array {
    return kvLogCodec.encode(command);
  }
}

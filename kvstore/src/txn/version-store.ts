/**
 * A shard leader's multi-version store (M1, M2, M6): per key, the versions installed and not
 * yet known to be final (newest last) above the newest decided one, plus a write lock.
 * - Reads see the newest installed (certified) version, replicated or not.
 * - Lock is no-wait: a key locked by another transaction makes the whole Lock fail.
 * - Install appends a version tagged (epoch, vector clock, txn) and releases the lock.
 * - A version is decided once its epoch's vector watermark covers it, or once the epoch's
 *   finalized vector watermark is known; rollback removes every version of an epoch that is
 *   not below the FVW. Versions under a decided version are no longer needed and are pruned.
 */
import type { ReadCheck } from './messages';
import { clockLeq, type Epoch, type KeyWrite, type TxnId, type VClock, type VersionTag } from './types';

export interface StoredVersion {
  value: string | null;
  /** null: the initial, absent state of the key. */
  tag: VersionTag | null;
  decided: boolean;
}

interface KeyState {
  versions: StoredVersion[];
  lock: TxnId | null;
}

const INITIAL: StoredVersion = Object.freeze({ value: null, tag: null, decided: true }) as StoredVersion;

export class VersionStore {
  private readonly keys = new Map<string, KeyState>();
  /** Undecided versions per epoch, to decide or roll back without scanning every key. */
  private readonly undecided = new Map<Epoch, Array<{ key: string; version: StoredVersion }>>();

  newest(key: string): StoredVersion {
    const k = this.keys.get(key);
    return k === undefined || k.versions.length === 0 ? INITIAL : k.versions[k.versions.length - 1]!;
  }

  lockHolder(key: string): TxnId | null {
    return this.keys.get(key)?.lock ?? null;
  }

  private state(key: string): KeyState {
    let k = this.keys.get(key);
    if (k === undefined) this.keys.set(key, (k = { versions: [], lock: null }));
    return k;
  }

  /** Locks every key for txn, or none if any is held by another transaction. */
  lock(txn: TxnId, keys: readonly string[]): boolean {
    for (const key of keys) {
      const holder = this.lockHolder(key);
      if (holder !== null && holder !== txn) return false;
    }
    for (const key of keys) this.state(key).lock = txn;
    return true;
  }

  unlockAll(txn: TxnId, keys: readonly string[]): void {
    for (const key of keys) {
      const k = this.keys.get(key);
      if (k !== undefined && k.lock === txn) k.lock = null;
    }
  }

  /** M2 Validate: every read version is still the newest and not locked by another transaction. */
  validate(txn: TxnId, reads: readonly ReadCheck[]): boolean {
    for (const r of reads) {
      if ((this.newest(r.key).tag?.txn ?? null) !== r.writer) return false;
      const holder = this.lockHolder(r.key);
      if (holder !== null && holder !== txn) return false;
    }
    return true;
  }

  /** Installs txn's writes as new versions and releases its locks on them. */
  install(tag: VersionTag, writes: readonly KeyWrite[], decided: boolean): void {
    for (const w of writes) {
      const k = this.state(w.key);
      const version: StoredVersion = { value: w.value, tag, decided };
      k.versions.push(version);
      if (k.lock === tag.txn) k.lock = null;
      if (decided) this.prune(k);
      else {
        let list = this.undecided.get(tag.epoch);
        if (list === undefined) this.undecided.set(tag.epoch, (list = []));
        list.push({ key: w.key, version });
      }
    }
  }

  /** Places a decided version from the replicated state at the bottom of a key (rebuilding a new leader's store). */
  loadDecided(key: string, value: string | null, tag: VersionTag): void {
    this.state(key).versions = [{ value, tag, decided: true }];
  }

  /** Marks versions of epoch covered by vw decided. */
  decideCovered(epoch: Epoch, vw: VClock): void {
    const list = this.undecided.get(epoch);
    if (list === undefined) return;
    const keep: typeof list = [];
    for (const item of list) {
      if (clockLeq(item.version.tag!.vclock, vw)) {
        item.version.decided = true;
        const k = this.keys.get(item.key);
        if (k !== undefined) this.prune(k);
      } else keep.push(item);
    }
    if (keep.length === 0) this.undecided.delete(epoch);
    else this.undecided.set(epoch, keep);
  }

  /** M6: removes every version of epoch not below fvw and decides the rest; returns the rolled-back transactions. */
  rollback(epoch: Epoch, fvw: VClock): TxnId[] {
    const list = this.undecided.get(epoch) ?? [];
    this.undecided.delete(epoch);
    const rolledBack = new Set<TxnId>();
    for (const item of list) {
      const k = this.keys.get(item.key);
      if (clockLeq(item.version.tag!.vclock, fvw)) {
        item.version.decided = true;
        if (k !== undefined) this.prune(k);
        continue;
      }
      rolledBack.add(item.version.tag!.txn);
      if (k !== undefined) k.versions = k.versions.filter((v) => v !== item.version);
    }
    return [...rolledBack];
  }

  /** Whether an epoch still has versions whose fate is open. */
  hasUndecided(epoch: Epoch): boolean {
    return (this.undecided.get(epoch)?.length ?? 0) > 0;
  }

  /** Drops versions under the newest decided one: nothing can roll back to them any more. */
  private prune(k: KeyState): void {
    let i = k.versions.length - 1;
    while (i > 0 && !k.versions[i]!.decided) i--;
    if (i > 0 && k.versions[i]!.decided) k.versions.splice(0, i);
  }

  /** Number of keys with state (for status and tests). */
  get size(): number {
    return this.keys.size;
  }
}

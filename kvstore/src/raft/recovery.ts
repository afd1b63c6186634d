/**
 * Start-up: putting a stored snapshot and a stored log back together.
 *
 * Installing a snapshot from the leader saves the snapshot first and then resets the log
 * to start right after it; a crash in between leaves the new snapshot beside the old log.
 * Entries after the snapshot in that old log may belong to a history the snapshot
 * replaced, so the log is kept only when it provably continues the snapshot: it holds the
 * snapshot's last entry with the same term (log matching: everything before agrees), or it
 * starts right after the snapshot (it was reset for it). Otherwise it is reset.
 */
import type { SnapshotMeta } from './types';

export interface StoredLogShape {
  firstIndex: number;
  lastIndex: number;
  term(index: number): number | undefined;
}

export type LogReconciliation = { kind: 'keep' } | { kind: 'reset'; nextIndex: number; reason: string };

export function reconcileLog(snapshot: SnapshotMeta | null, log: StoredLogShape): LogReconciliation {
  if (snapshot === null || snapshot.index === 0) {
    if (log.lastIndex >= log.firstIndex && log.firstIndex !== 1) {
      return { kind: 'reset', nextIndex: 1, reason: `the log starts at ${log.firstIndex} but there is no snapshot before it` };
    }
    return { kind: 'keep' };
  }
  const empty = log.lastIndex < log.firstIndex;
  if (log.firstIndex === snapshot.index + 1) return { kind: 'keep' };
  if (!empty && log.term(snapshot.index) === snapshot.term) return { kind: 'keep' };
  const reason = empty
    ? `the log is empty and continues at ${log.firstIndex}, not right after the snapshot at ${snapshot.index}`
    : log.term(snapshot.index) === undefined
      ? `the log (${log.firstIndex}..${log.lastIndex}) does not hold the snapshot's last entry ${snapshot.index}`
      : `the log's entry ${snapshot.index} has term ${log.term(snapshot.index)}, the snapshot's has ${snapshot.term}`;
  return { kind: 'reset', nextIndex: snapshot.index + 1, reason };
}

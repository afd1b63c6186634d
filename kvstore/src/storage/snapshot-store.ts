/**
 * SnapshotStore: the newest snapshot of a state machine, kept durably in one directory.
 *
 * ## On-disk format
 * One file per snapshot, `snapshot-<lastIndex, 20 digits>.snap`, little-endian:
 *
 *     offset  size  field
 *          0     8  magic      "MKVSNAP1"
 *          8     4  crc32      zlib.crc32 of bytes 12 .. end of file
 *         12     8  lastIndex  u64: the last log index the snapshot covers
 *         20     8  lastTerm   u64: that record's term (0 in stage 2)
 *         28     8  length     u64: data bytes
 *         36     …  data
 *
 * ## Durability
 * save writes `<name>.tmp`, fsyncs it, renames it into place and fsyncs the directory; only
 * then are older snapshots deleted, so a crash at any point leaves at least one complete
 * snapshot (the old or the new). load picks the file with the highest lastIndex; if that one
 * is damaged it is an error, not a fall-back to an older snapshot: the log may already be
 * compacted past the older one, and restoring it would silently lose records.
 */
import { crc32 } from 'node:zlib';
import { readFile, readdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { StorageCorruptionError } from './errors';
import { ensureDirectory, fsyncDirectory, isNotFound, readUint64, writeFileAtomic, writeUint64 } from './fs-util';

export interface SnapshotMeta {
  lastIndex: number;
  lastTerm: number;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Buffer;
}

const MAGIC = Buffer.from('MKVSNAP1', 'latin1');
const HEADER_BYTES = 36;
const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;
const LEFTOVER_TEMP = /^snapshot-\d{20}\.snap\.tmp$/;

export class SnapshotStore {
  // Saves run one after another: they share file names and the "delete older" step.
  private saving: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** Opens the store in `dir`, creating the directory if needed. */
  static async open(dir: string): Promise<SnapshotStore> {
    await ensureDirectory(dir);
    return new SnapshotStore(dir);
  }

  /**
   * Stores a snapshot durably and then deletes older ones. Rejects with RangeError if a
   * snapshot with a higher lastIndex is already stored (an equal one is replaced).
   */
  save(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const run = this.saving.then(() => this.saveNow(meta, data));
    this.saving = run.catch(() => undefined);
    return run;
  }

  /** The snapshot with the highest lastIndex, or null if there is none. Throws StorageCorruptionError if it is damaged. */
  async load(): Promise<Snapshot | null> {
    const newest = (await this.listSnapshots())[0];
    if (newest === undefined) return null;
    const file = path.join(this.dir, newest.name);
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      // Deleted by a concurrent save that stored a newer one: load again.
      if (isNotFound(err)) return this.load();
      throw err;
    }
    const problem = checkSnapshotFile(buf, newest.lastIndex);
    if (problem !== null) {
      throw new StorageCorruptionError(
        file,
        null,
        problem,
        'Refusing to fall back to an older snapshot: the log may already be compacted past it. Restore this directory from a replica or backup',
      );
    }
    return { meta: { lastIndex: readUint64(buf, 12), lastTerm: readUint64(buf, 20) }, data: buf.subarray(HEADER_BYTES) };
  }

  private async saveNow(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    for (const [field, value] of [['lastIndex', meta.lastIndex], ['lastTerm', meta.lastTerm]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`snapshot ${field} must be an integer ≥ 0, got ${String(value)}`);
    }
    const existing = await this.listSnapshots();
    const newest = existing[0];
    if (newest !== undefined && newest.lastIndex > meta.lastIndex) {
      throw new RangeError(`a snapshot through index ${newest.lastIndex} is already stored; refusing to replace it with an older one through ${meta.lastIndex}`);
    }
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    writeUint64(header, 12, meta.lastIndex);
    writeUint64(header, 20, meta.lastTerm);
    writeUint64(header, 28, data.length);
    header.writeUInt32LE(crc32(data, crc32(header.subarray(12))), 8);
    const name = snapshotName(meta.lastIndex);
    await writeFileAtomic(path.join(this.dir, name), [header, data]);

    // The new snapshot is durable; older ones and temp files of interrupted saves can go.
    const obsolete = (await readdir(this.dir)).filter((f) => (SNAPSHOT_NAME.test(f) && f !== name) || LEFTOVER_TEMP.test(f));
    for (const f of obsolete) await unlink(path.join(this.dir, f));
    if (obsolete.length > 0) await fsyncDirectory(this.dir);
  }

  /** Snapshot files, newest (highest lastIndex) first. */
  private async listSnapshots(): Promise<{ name: string; lastIndex: number }[]> {
    return (await readdir(this.dir))
      .map((name) => ({ name, match: SNAPSHOT_NAME.exec(name) }))
      .filter((x): x is { name: string; match: RegExpExecArray } => x.match !== null)
      .map(({ name, match }) => ({ name, lastIndex: Number(match[1]) }))
      .sort((a, b) => b.lastIndex - a.lastIndex);
  }
}

function snapshotName(lastIndex: number): string {
  return `snapshot-${String(lastIndex).padStart(20, '0')}.snap`;
}

/** Why the file is not a valid snapshot through `lastIndex`, or null if it is. */
function checkSnapshotFile(buf: Buffer, lastIndex: number): string | null {
  if (buf.length < HEADER_BYTES) return `file has ${buf.length} bytes, fewer than the ${HEADER_BYTES}-byte snapshot header`;
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return 'file does not start with the snapshot magic "MKVSNAP1"';
  const length = readUint64(buf, 28);
  if (length !== buf.length - HEADER_BYTES) return `header says ${length} data bytes but the file holds ${buf.length - HEADER_BYTES}`;
  const stored = buf.readUInt32LE(8);
  const computed = crc32(buf.subarray(12));
  if (stored !== computed) return `checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`;
  const headerIndex = readUint64(buf, 12);
  if (headerIndex !== lastIndex) return `header says lastIndex ${headerIndex} but the file name says ${lastIndex}`;
  return null;
}

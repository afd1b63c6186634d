/**
 * HardStateStore: one small record that must survive crashes and be replaced atomically,
 * such as Raft's (currentTerm, votedFor), which must be durable before a vote is answered.
 *
 * ## On-disk format
 * One file, little-endian:
 *
 *     offset  size  field
 *          0     8  magic   "MKVHARD1"
 *          8     4  crc32   zlib.crc32 of bytes 12 .. end of file
 *         12     4  length  u32: data bytes
 *         16     …  data    the codec's encoding of the value
 *
 * save writes `<file>.tmp`, fsyncs it, renames it over the file and fsyncs the directory,
 * so after a crash the file holds the old value or the new one, never a mix.
 */
import { crc32 } from 'node:zlib';
import * as path from 'node:path';
import { StorageCorruptionError, asError } from './errors';
import { ensureDirectory, readFileIfExists, writeFileAtomic } from './fs-util';

/** Turns a value into bytes and back; decode throws (with a reason) on bytes it does not accept. */
export interface HardStateCodec<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

const MAGIC = Buffer.from('MKVHARD1', 'latin1');
const HEADER_BYTES = 16;
const MAX_DATA_BYTES = 1024 * 1024;

export class HardStateStore<T> {
  // Saves run one after another: they share the temp file.
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly codec: HardStateCodec<T>,
    private readonly initial: T,
  ) {}

  /** Opens the store kept in `file` (creating its directory if needed); `initial` is what load returns before any save. */
  static async open<T>(file: string, codec: HardStateCodec<T>, initial: T): Promise<HardStateStore<T>> {
    await ensureDirectory(path.dirname(file));
    return new HardStateStore(file, codec, initial);
  }

  /** The saved value, `initial` if nothing was ever saved. Throws StorageCorruptionError if the file is damaged. */
  async load(): Promise<T> {
    const buf = await readFileIfExists(this.file);
    if (buf === null) return this.initial;
    const fail = (reason: string): never => {
      throw new StorageCorruptionError(
        this.file,
        null,
        reason,
        'This file is replaced atomically, so damage here is not a crash artefact; restore it from a backup, or delete it only if losing it is safe (for Raft: a node that forgets its vote may vote twice in one term)',
      );
    };
    if (buf.length < HEADER_BYTES) fail(`file has ${buf.length} bytes, fewer than the ${HEADER_BYTES}-byte header`);
    if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) fail('file does not start with the hard-state magic "MKVHARD1"');
    const length = buf.readUInt32LE(12);
    if (length !== buf.length - HEADER_BYTES) fail(`header says ${length} data bytes but the file holds ${buf.length - HEADER_BYTES}`);
    const stored = buf.readUInt32LE(8);
    const computed = crc32(buf.subarray(12));
    if (stored !== computed) fail(`checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
    try {
      return this.codec.decode(buf.subarray(HEADER_BYTES));
    } catch (err) {
      return fail(`the checksum is fine but the contents do not decode: ${asError(err).message}`);
    }
  }

  /** Replaces the stored value; resolves once the new value is durable. */
  save(value: T): Promise<void> {
    const run = this.saving.then(() => this.saveNow(value));
    this.saving = run.catch(() => undefined);
    return run;
  }

  private async saveNow(value: T): Promise<void> {
    const data = this.codec.encode(value);
    if (data.length > MAX_DATA_BYTES) throw new RangeError(`hard state of ${data.length} bytes exceeds ${MAX_DATA_BYTES}; it is meant for small records`);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(data.length, 12);
    header.writeUInt32LE(crc32(data, crc32(header.subarray(12))), 8);
    await writeFileAtomic(this.file, [header, data]);
  }
}

/** Raft's persistent state besides the log. */
export interface TermAndVote {
  term: number;
  /** The node voted for in `term`, or null. */
  votedFor: number | null;
  /** A replica that started empty has not caught up with a leader yet (raft/raft.ts); absent means false (as in files written before it existed). */
  catchingUp?: boolean;
}

/** A new (or wiped) replica: no term, no vote, and catching up until a leader has brought it up to date. */
export const INITIAL_TERM_AND_VOTE: TermAndVote = { term: 0, votedFor: null, catchingUp: true };

/** JSON encoding of TermAndVote, readable with `tail -c +17 file`; catchingUp appears only when true. */
export const termAndVoteCodec: HardStateCodec<TermAndVote> = {
  encode: (value) => Buffer.from(JSON.stringify(value.catchingUp === true ? { term: value.term, votedFor: value.votedFor, catchingUp: true } : { term: value.term, votedFor: value.votedFor })),
  decode: (bytes) => {
    const raw: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof raw !== 'object' || raw === null) throw new Error('expected a JSON object');
    const { term, votedFor, catchingUp } = raw as Record<string, unknown>;
    if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new Error(`term must be an integer ≥ 0, got ${JSON.stringify(term)}`);
    if (votedFor !== null && (typeof votedFor !== 'number' || !Number.isSafeInteger(votedFor))) {
      throw new Error(`votedFor must be an integer or null, got ${JSON.stringify(votedFor)}`);
    }
    if (catchingUp !== undefined && typeof catchingUp !== 'boolean') throw new Error(`catchingUp must be a boolean, got ${JSON.stringify(catchingUp)}`);
    return catchingUp === true ? { term, votedFor, catchingUp } : { term, votedFor };
  },
};

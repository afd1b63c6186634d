/**
 * Length-prefixed frames: a 4-byte big-endian body length, then a msgpack body.
 * The decoder is incremental (TCP delivers arbitrary chunks) and refuses frames
 * over the size limit before buffering them, so one bad peer cannot exhaust memory.
 */
import { Packr } from 'msgpackr';

export const FRAME_HEADER_BYTES = 4;
/** Largest frame body accepted: far above any message we send (SCAN answers come in pages of about 1 MiB), so only a broken or hostile peer meets it. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

// Plain maps and arrays only: no msgpackr record extension, so any msgpack reader can decode frames.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export class FrameError extends Error {
  override name = 'FrameError';
}

export function encodeFrame(body: unknown): Buffer {
  const payload = packr.pack(body);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received but not yet part of a complete frame (non-zero at EOF means a cut-off frame). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Feed received bytes; returns the decoded bodies of every frame completed.
   * Throws FrameError for an oversized frame or a body that is not valid msgpack.
   */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const bodies: unknown[] = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.peekHeader();
      if (head > this.maxFrameBytes) {
        throw new FrameError(`frame of ${head} bytes exceeds the ${this.maxFrameBytes}-byte limit`);
      }
      if (this.buffered < FRAME_HEADER_BYTES + head) break;
      const frame = this.take(FRAME_HEADER_BYTES + head);
      try {
        bodies.push(packr.unpack(frame.subarray(FRAME_HEADER_BYTES)));
      } catch (err) {
        throw new FrameError(`undecodable frame body: ${(err as Error).message}`);
      }
    }
    return bodies;
  }

  private peekHeader(): number {
    const first = this.chunks[0]!;
    if (first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.readUInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
    } else if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    } else {
      const all = Buffer.concat(this.chunks);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
      this.buffered -= n;
      return all.subarray(0, n);
    }
    this.buffered -= n;
    return first;
  }
}

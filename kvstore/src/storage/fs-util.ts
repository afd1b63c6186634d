/**
 * The few file-system steps that durability rests on. A write is durable only once the
 * file is fsync'd; a new, renamed or deleted file is durable only once its directory is.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

/** Makes the directory's entries (files created, renamed or removed in it) durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `dir` and any missing parents, and makes each new directory's entry durable. */
export async function ensureDirectory(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const topmostCreated = await mkdir(target, { recursive: true });
  if (topmostCreated === undefined) return;
  // Each new directory's name lives in its parent, so every parent from the topmost new one down needs an fsync.
  const parents: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    parents.push(path.dirname(d));
    if (d === path.resolve(topmostCreated) || d === path.dirname(d)) break;
  }
  for (const parent of parents.reverse()) await fsyncDirectory(parent);
}

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write made no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}

/**
 * Replaces `filePath` atomically: after a crash it holds either the old or the new contents,
 * never a mix. Steps: write `<file>.tmp`, fsync it, rename over the file, fsync the directory.
 * Callers must not run two of these on the same path at once (they share the temp name).
 */
export async function writeFileAtomic(filePath: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = `${filePath}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    let position = 0;
    for (const chunk of chunks) {
      await writeFully(handle, chunk, position);
      position += chunk.length;
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, filePath);
  await fsyncDirectory(path.dirname(filePath));
}

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The file's bytes, or null when it does not exist. */
export async function readFileIfExists(filePath: string): Promise<Buffer | null> {
  try {
    return await readFile(filePath);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Little-endian u64 helpers for integers up to 2^53: indexes and terms stay plain numbers. */
export function writeUint64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value % 0x1_0000_0000, offset);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4);
}

/** Reads a u64 written by writeUint64; returns NaN if it exceeds Number.MAX_SAFE_INTEGER. */
export function readUint64(buf: Buffer, offset: number): number {
  const high = buf.readUInt32LE(offset + 4);
  if (high > 0x1f_ffff) return Number.NaN;
  return high * 0x1_0000_0000 + buf.readUInt32LE(offset);
}

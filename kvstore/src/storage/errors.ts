/**
 * Errors of the storage layer. Each message names the file (and byte offset when known)
 * and says what a student can do next, because these surface at server start-up.
 */

/**
 * Durable state on disk does not check out (bad checksum, cut-off data that is not a torn
 * tail, a missing segment). Storage refuses to go on rather than silently dropping data.
 */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';

  constructor(
    readonly file: string,
    /** Byte offset of the damage within `file`, or null when it concerns the whole file. */
    readonly offset: number | null,
    readonly reason: string,
    advice: string,
  ) {
    super(`${file}${offset === null ? '' : ` at byte ${offset}`}: ${reason}. ${advice}`);
  }
}

/**
 * An earlier write, fsync, truncate or unlink failed. After a failed fsync the kernel may
 * already have dropped the dirty pages, so the in-memory state can be ahead of the disk;
 * the only safe way on is to reopen and recover from what is durable.
 */
export class StorageFailedError extends Error {
  override readonly name = 'StorageFailedError';

  constructor(what: string, cause: Error) {
    super(`${what} failed: ${cause.message}. The store is unusable until it is closed and reopened, which recovers from what is on disk`, { cause });
  }
}

/** An operation was started after close(). */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';

  constructor(what: string) {
    super(`${what}: the store was closed; open it again to use it`);
  }
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

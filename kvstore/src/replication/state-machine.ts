/**
 * What a replication group replicates: any deterministic state machine, plus a
 * codec for its commands. The key-value server and (from stage 3) the manager
 * each plug their own in.
 */

export interface StateMachine<C, R> {
  /** Applies one committed command. Must be deterministic: same commands, same order, same state and results. */
  apply(command: C): R;
  /** The whole state as bytes, to bound recovery time and compact the log. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Buffer): void;
}

export interface CommandCodec<C> {
  encode(command: C): Uint8Array;
  /** Throws if the bytes are not a command: a log record that passed its checksum but does not decode is a bug or foreign data. */
  decode(bytes: Buffer): C;
}

/**
 * The interface code serving clients sees, whatever the replication factor:
 * `propose` resolves once the command is durable (and, from stage 3, committed
 * by a majority) and applied; `read` runs against state that includes every
 * command whose proposal has resolved.
 */
export interface ReplicationGroup<C, R, S> {
  propose(command: C): Promise<R>;
  read<T>(query: (state: S) => T): Promise<T>;
  close(): Promise<void>;
}

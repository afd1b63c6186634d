/**
 * The command-line options every stage-3 replica program takes (replicated-manager,
 * replica-server), with their checks: where it listens for peers, who its peers are, its
 * storage, and the Raft timing and read mode.
 */
import type { Argv } from 'yargs';

/** Throws (for yargs' .check) unless `port` is a port number. */
export function portOption(port: number, flag: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} must be a port number (0..65535), got ${port}`);
}

/** Throws (for yargs' .check) unless `n` is an integer of at least `min`. */
export function countOption(n: number, flag: string, min: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} must be ${what}, got ${n}`);
}

export function replicaOptions<T>(y: Argv<T>) {
  return y
    .option('p2p-port', { type: 'number', demandOption: true, describe: 'port to listen on for the other replicas of the group' })
    .option('peers', { type: 'string', demandOption: true, describe: "the other replicas' peer addresses sorted by replica id, comma-separated, or none" })
    .option('backer-path', { type: 'string', demandOption: true, describe: "folder holding this replica's durable state (log, term and vote, snapshots)" })
    .option('listen-host', { type: 'string', default: '0.0.0.0', describe: 'interface to listen on (clients and peers)' })
    .option('stage', { type: 'string', default: 'p3', describe: 'stage whose pid registry this process joins (for `just pN::kill`)' })
    .option('tick-ms', { type: 'number', default: 50, describe: 'Raft tick; elections start after 10 to 20 ticks without a leader' })
    .option('read-mode', { choices: ['index', 'lease'] as const, default: 'index' as const, describe: 'linearizable reads by read index (a heartbeat round) or under a leader lease' })
    .check((a) => {
      portOption(a['p2p-port'], '--p2p-port');
      if (!Number.isInteger(a['tick-ms']) || a['tick-ms'] < 1 || a['tick-ms'] > 10_000) throw new Error(`--tick-ms must be an integer from 1 to 10000, got ${a['tick-ms']}`);
      return true;
    });
}

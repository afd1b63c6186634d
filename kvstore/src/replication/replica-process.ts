/**
 * The life of a stage-3 replica's process once its group is open: serve its client port,
 * join the stage's pid registry, log every role change, print `madkv <what> listening on
 * <host:port>` (which scripts and the local cluster wait for), and on SIGTERM/SIGINT stop
 * serving and stop the replica (which, as leader, first hands leadership on), exiting 0.
 */
import type { LogFn } from '../common/log';
import { registerProcess } from '../common/pid-registry';
import { exitOnSignals, fail } from '../common/process-exit';
import type { AdminTarget } from '../status/admin-service';
import { logRoleChanges } from '../status/role-log';
import { type Address, formatAddress } from '../wire/address';
import { NODE_LISTEN_RETRY_MS, type RequestHandler, RpcServer } from '../wire/rpc-server';

export interface ReplicaProcessOptions {
  /** What the process is, for its `listening on` line: `manager m.0`, `server s1.2`. */
  what: string;
  /** Its role in the pid registry (`pN::kill --role` picks by prefix). */
  role: string;
  stage: string;
  /** The client port. */
  listen: Address;
  handler: RequestHandler;
  group: AdminTarget;
  /** How often role changes are looked for. */
  tickMs: number;
  log: LogFn;
  /** Runs once the client port is up, with the address it is bound to (e.g. start registering with the managers). */
  onServing?: (bound: Address) => void;
  /** Stops the replica: run on a signal after the client port closed, or if the port cannot be had. */
  stop: () => Promise<void>;
}

export async function serveReplica(o: ReplicaProcessOptions): Promise<void> {
  const rpc = new RpcServer(o.handler, { log: o.log });
  let bound: Address;
  try {
    bound = await rpc.listen(o.listen, NODE_LISTEN_RETRY_MS);
  } catch (err) {
    await o.stop();
    fail((err as Error).message);
  }
  registerProcess(o.stage, o.role);
  const stopRoleLog = logRoleChanges(o.group, o.log, o.tickMs);
  o.onServing?.(bound);
  exitOnSignals(async () => {
    stopRoleLog();
    await rpc.close();
    await o.stop();
  });
  process.stdout.write(`madkv ${o.what} listening on ${formatAddress(bound)}\n`);
}

/**
 * A server's side of the manager: register, retrying forever (the manager may
 * start last or restart), then keep re-registering every couple of seconds as a
 * heartbeat, so a restarted manager relearns every server. Knows nothing of the
 * server's internals: the server hears about the map through `onMap`.
 *
 * Stage 3: the manager is a group of replicas; registrations go to its leader (any
 * replica redirects; on failure the next one is tried: client/replica-route.ts), and say
 * which replica of its partition the server is.
 */
import { type BackoffOptions, DEFAULT_BACKOFF } from '../client/backoff';
import { KvRequestError } from '../client/errors';
import { ReplicaRoute, callGroup } from '../client/replica-route';
import type { RetryPolicy } from '../client/retry-policy';
import { ServerChannel } from '../client/server-channel';
import { type LogFn, silentLogger } from '../common/log';
import type { Address } from '../wire/address';
import { isRecord } from '../wire/envelope';
import { ConnectionLostError } from '../wire/rpc-connection';
import type { ManagerRequest } from './manager-messages';
import { type PartitionMap, parsePartitionMap, partitionCount } from './partition-map';

export const DEFAULT_HEARTBEAT_MS = 2000;

export interface ManagerLinkOptions {
  /** Called with the map after the first registration and whenever the manager's map differs from the last one delivered. */
  onMap?: (map: PartitionMap) => void | Promise<void>;
  /** The manager refused the registration (e.g. a partition id it does not have); retried at the heartbeat pace. */
  onRefused?: (message: string) => void;
  log?: LogFn;
  /** Pause between registrations once registered. */
  heartbeatMs?: number;
  /** Pause between attempts while the manager is unreachable. */
  backoff?: BackoffOptions;
  /** A manager silent for this long counts as down. */
  callTimeoutMs?: number;
  /** Stage 3: which replica of its partition this server is (sent with every registration). */
  replica?: number;
}

/** One manager (stage 2), or every replica of the manager group by replica id (stage 3). */
export type ManagerAddresses = Address | readonly Address[];

/** The manager refused a registration; retrying the same one will not help until the manager's configuration changes. */
export class RegistrationRefusedError extends Error {
  override name = 'RegistrationRefusedError';
}

interface RegisterTarget {
  route: ReplicaRoute;
  request: ManagerRequest;
  what: string;
  policy: RetryPolicy;
  isOpen: () => boolean;
}

function registerTarget(managers: ManagerAddresses, partition: number, address: string, options: ManagerLinkOptions, policy: RetryPolicy, isOpen: () => boolean): RegisterTarget {
  const list: readonly Address[] = Array.isArray(managers) ? managers : [managers as Address];
  const request: ManagerRequest = options.replica === undefined ? { type: 'register', partition, address } : { type: 'register', partition, replica: options.replica, address };
  const what = options.replica === undefined ? `partition ${partition}` : `replica ${options.replica} of partition ${partition}`;
  return { route: new ReplicaRoute(list.map((a) => new ServerChannel(a))), request, what, policy, isOpen };
}

function closeTarget(t: RegisterTarget): void {
  for (const c of t.route.replicas) c.close();
}

/** One registration: retried until the manager (group) answers; rejects with RegistrationRefusedError, or ConnectionLostError once closed. */
async function register(t: RegisterTarget): Promise<PartitionMap> {
  let value: unknown;
  try {
    value = await callGroup(() => t.route, t.request, t.policy, { isOpen: t.isOpen });
  } catch (err) {
    if (err instanceof KvRequestError) throw new RegistrationRefusedError(`manager at ${t.route.channel.label} refused ${t.what}: ${err.wire.message}`);
    throw err;
  }
  const map = isRecord(value) ? parsePartitionMap(value.map) : 'not a register reply';
  if (typeof map === 'string') throw new RegistrationRefusedError(`manager at ${t.route.channel.label} sent a bad register reply: ${map}`);
  return map;
}

function retryPolicy(options: ManagerLinkOptions, log: LogFn, onFailure: () => void = () => undefined): RetryPolicy {
  return {
    callTimeoutMs: options.callTimeoutMs ?? 2000,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    // The first failure and then every tenth: a manager that starts last is normal, not an emergency.
    onRetry: (attempt, reason) => {
      onFailure();
      if (attempt === 1 || attempt % 10 === 0) log(`manager not answering yet (attempt ${attempt}): ${reason}`);
    },
  };
}

/**
 * Registers once, retrying forever while the manager is unreachable; resolves
 * with the partition map. Rejects with RegistrationRefusedError if the manager
 * refuses (wrong partition id).
 */
export async function registerOnce(managers: ManagerAddresses, partition: number, address: string, options: ManagerLinkOptions = {}): Promise<PartitionMap> {
  const target = registerTarget(managers, partition, address, options, retryPolicy(options, options.log ?? silentLogger), () => true);
  try {
    return await register(target);
  } finally {
    closeTarget(target);
  }
}

/**
 * Starts registering with the manager in the background and keeps doing so
 * every `heartbeatMs` until the returned function is called. The map reaches
 * the caller through `onMap`.
 */
export function registerWithManager(managers: ManagerAddresses, partition: number, address: string, options: ManagerLinkOptions = {}): () => void {
  const log = options.log ?? silentLogger;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let lostManager = false;
  const policy = retryPolicy(options, log, () => (lostManager = true));
  const target = registerTarget(managers, partition, address, options, policy, () => !stopped);

  const loop = async (): Promise<void> => {
    let delivered: string | undefined;
    let refusedBefore = false;
    let registered = false;
    while (!stopped) {
      try {
        const map = await register(target);
        if (!registered || lostManager) log(`registered with manager ${target.route.channel.label} as ${target.what} of ${partitionCount(map)}`);
        registered = true;
        lostManager = false;
        refusedBefore = false;
        const text = JSON.stringify(map);
        if (text !== delivered && options.onMap) {
          try {
            await options.onMap(map);
            delivered = text;
          } catch (err) {
            // Not delivered: the next heartbeat offers the map again.
            log(`could not take the manager's map: ${(err as Error).message}`);
          }
        } else {
          delivered = text;
        }
      } catch (err) {
        if (stopped && err instanceof ConnectionLostError) break;
        if (!(err instanceof RegistrationRefusedError)) throw err;
        // Logged once per streak: the heartbeat repeats it every couple of seconds.
        if (!refusedBefore) log(err.message);
        refusedBefore = true;
        registered = false;
        options.onRefused?.(err.message);
      }
      if (!stopped) await pause(heartbeatMs);
    }
  };
  loop().catch((err: unknown) => log(`manager link stopped unexpectedly: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));

  return () => {
    stopped = true;
    wake?.();
    closeTarget(target);
  };
}

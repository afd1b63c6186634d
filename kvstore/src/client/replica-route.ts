/**
 * Finding and sticking to the leader of a replicated group (the manager group, or one
 * partition's replicas), on the client's side. The route holds the replica the client
 * believes leads and sends every request there until that stops working:
 *
 *   not_leader with a hint  -> the replica the hint names (a replica id), at once
 *   not_leader, no hint     -> the next replica (the group is electing; with backoff)
 *   no answer, unavailable  -> the next replica (that one is down, cut off or stepping down)
 *
 * A group of one is the same with nowhere else to go: stage 2's manager and servers.
 */
import type { WireError } from '../wire/envelope';
import { callWithRetry } from './call-with-retry';
import { KvRequestError } from './errors';
import type { RetryPolicy } from './retry-policy';
import type { ServerChannel } from './server-channel';

export class ReplicaRoute {
  private current = 0;

  /** `replicas`: a channel to each replica, by replica id. */
  constructor(readonly replicas: readonly ServerChannel[]) {
    if (replicas.length === 0) throw new RangeError('a replica route needs at least one replica');
  }

  /** Where the next request goes: the replica believed to lead. */
  get channel(): ServerChannel {
    return this.replicas[this.current]!;
  }

  /** The replica id believed to lead. */
  get leaderGuess(): number {
    return this.current;
  }

  /**
   * `from` answered `not_leader`. With a hint naming another replica of the group, that one
   * is tried next (true: at once). Without a usable hint, the next replica (false).
   */
  redirected(hint: string | undefined, from: ServerChannel): boolean {
    const id = hint !== undefined && /^(0|[1-9][0-9]{0,3})$/.test(hint) ? Number(hint) : -1;
    if (id >= 0 && id < this.replicas.length && this.replicas[id] !== from) {
      this.current = id;
      return true;
    }
    this.failed(from);
    return false;
  }

  /** `from` did not answer or could not serve: move on to the next replica, unless another request already has. */
  failed(from: ServerChannel): void {
    if (this.replicas[this.current] === from) this.current = (this.current + 1) % this.replicas.length;
  }
}

export interface GroupCallHooks {
  isOpen: () => boolean;
  /** A `wrong_partition` reply (the caller's map is out of date); absent: it is an error. */
  onWrongPartition?: (error: WireError) => void | Promise<void>;
  /** See RetryHooks.resendAfterLoss. */
  resendAfterLoss?: boolean;
}

/**
 * Sends `body` to the leader of the group `route` gives (looked up at every attempt, so a
 * refreshed map takes effect), following hints and moving on from replicas that fail,
 * with the policy's backoff and budget (callWithRetry).
 */
export function callGroup(route: () => ReplicaRoute | Promise<ReplicaRoute>, body: unknown, policy: RetryPolicy, hooks: GroupCallHooks): Promise<unknown> {
  let used: ReplicaRoute | undefined;
  return callWithRetry(
    async () => {
      used = await route();
      return used.channel;
    },
    body,
    policy,
    {
      isOpen: hooks.isOpen,
      onRedirect: async (error, channel) => {
        if (error.code === 'not_leader') return used!.redirected(error.hint, channel);
        if (hooks.onWrongPartition === undefined) throw new KvRequestError(error);
        await hooks.onWrongPartition(error);
        return false;
      },
      onFailure: (channel) => used?.failed(channel),
      ...(hooks.resendAfterLoss === undefined ? {} : { resendAfterLoss: hooks.resendAfterLoss }),
    },
  );
}

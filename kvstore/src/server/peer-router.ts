/**
 * Sending the transaction cores' messages to the current leader of another shard (stage 4),
 * best effort: the cores time out whatever does not arrive, so nothing here waits or retries
 * for long. Per shard the router keeps a sticky guess of its leader (replica-route.ts): a
 * `not_leader` reply naming another replica resends there at once (once per message); no
 * answer, `unavailable` or a hintless `not_leader` moves the guess on, and that message is
 * dropped. Connections are kept and reused.
 */
import { ReplicaRoute } from '../client/replica-route';
import { ServerChannel } from '../client/server-channel';
import type { PeerMessage } from '../txn/messages';
import type { ShardId } from '../txn/types';
import type { Address } from '../wire/address';
import type { PeerEnvelope } from '../wire/shard-messages';

export class PeerRouter {
  private readonly routes: ReplicaRoute[];
  private closed = false;

  /** `shards[s]`: the client addresses of shard s's replicas, by replica id. */
  constructor(
    private readonly self: ShardId,
    shards: readonly (readonly Address[])[],
    private readonly timeoutMs = 1000,
  ) {
    this.routes = shards.map((replicas) => new ReplicaRoute(replicas.map((a) => new ServerChannel(a, timeoutMs))));
  }

  /** Sends `msg` to shard `to`'s leader; resolves when delivered or given up (never rejects). */
  send(to: ShardId, msg: PeerMessage): Promise<'delivered' | 'dropped'> {
    if (to === this.self) return Promise.resolve('dropped');
    const body: PeerEnvelope = { type: 'peer', from: this.self, msg };
    return this.deliver(to, body);
  }

  /** Sends any request body to shard `to`'s leader, by the same rules (the manager's epoch notices use it). */
  async deliver(to: ShardId, body: unknown): Promise<'delivered' | 'dropped'> {
    const route = this.routes[to];
    if (route === undefined) return 'dropped';
    for (let attempt = 0; attempt < 2 && !this.closed; attempt++) {
      const channel = route.channel;
      try {
        const reply = await channel.call(body, this.timeoutMs);
        if (reply.ok) return 'delivered';
        if (reply.error.code === 'not_leader' && route.redirected(reply.error.hint, channel)) continue;
        if (reply.error.code !== 'not_leader') route.failed(channel);
        return 'dropped';
      } catch {
        route.failed(channel);
        return 'dropped';
      }
    }
    return 'dropped';
  }

  /** The replica id believed to lead shard `s` (for status and tests). */
  leaderGuess(s: ShardId): number | undefined {
    return this.routes[s]?.leaderGuess;
  }

  close(): void {
    this.closed = true;
    for (const r of this.routes) for (const c of r.replicas) c.close();
  }
}

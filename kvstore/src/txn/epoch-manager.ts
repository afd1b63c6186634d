/**
 * The configuration manager's part of M6, as a deterministic state machine the manager's
 * replicated group applies (its commands are replicated, so a manager failover keeps the
 * epoch and the collected final watermarks).
 *
 * ## Commands
 *   { t: 'leaderReport', shard, leader, fresh }   a shard leader took over (leader: unique per leadership;
 *                                                 fresh: the shard's log was empty)
 *   { t: 'epochClosed', shard, epoch, watermark } a shard's epochEnd(epoch) committed with this final watermark
 *
 * ## Rules
 * - The first leader of a shard with an empty log does not change the epoch; any other new
 *   leader of a shard (its predecessor may have handed out clocks nobody else knows) bumps it (epoch + 1) and everyone is told (epochChange). The reporter is always told the
 *   current epoch and every finalized vector watermark, so a leader that missed them catches up.
 * - A shard reports a final watermark for every epoch below the current one. When every
 *   shard has reported epoch e, FVW(e) = the vector of their final watermarks, fixed from
 *   then on (a later, duplicate report for e changes nothing), and sent to every shard.
 */
import type { FromManager } from './messages';
import type { Epoch, ShardId, VClock } from './types';

export type EpochManagerCommand =
  | { t: 'leaderReport'; shard: ShardId; leader: string; fresh: boolean }
  | { t: 'epochClosed'; shard: ShardId; epoch: Epoch; watermark: number };

export interface EpochManagerSnapshot {
  epoch: Epoch;
  leaders: Array<[ShardId, string]>;
  reports: Array<[Epoch, Array<[ShardId, number]>]>;
  fvws: Array<[Epoch, VClock]>;
}

/** Where a manager notification goes: one shard's leader, or every shard's. */
export interface ManagerNotice {
  to: ShardId | 'all';
  msg: FromManager;
}

export class EpochManagerState {
  epoch: Epoch = 0;
  private readonly leaders = new Map<ShardId, string>();
  private readonly reports = new Map<Epoch, Map<ShardId, number>>();
  readonly fvws = new Map<Epoch, VClock>();

  constructor(readonly shards: number) {}

  apply(cmd: EpochManagerCommand): ManagerNotice[] {
    if (cmd.t === 'leaderReport') {
      const previous = this.leaders.get(cmd.shard);
      this.leaders.set(cmd.shard, cmd.leader);
      const out: ManagerNotice[] = [];
      if (previous === cmd.leader) {
        out.push({ to: cmd.shard, msg: { type: 'epochChange', epoch: this.epoch } });
      } else if (previous !== undefined || !cmd.fresh) {
        this.epoch += 1;
        out.push({ to: 'all', msg: { type: 'epochChange', epoch: this.epoch } });
      } else {
        out.push({ to: cmd.shard, msg: { type: 'epochChange', epoch: this.epoch } });
      }
      for (const [epoch, fvw] of [...this.fvws].sort((a, b) => a[0] - b[0])) out.push({ to: cmd.shard, msg: { type: 'fvw', epoch, fvw: fvw.slice() } });
      return out;
    }
    if (cmd.epoch >= this.epoch || this.fvws.has(cmd.epoch)) return [];
    let got = this.reports.get(cmd.epoch);
    if (got === undefined) this.reports.set(cmd.epoch, (got = new Map()));
    if (!got.has(cmd.shard)) got.set(cmd.shard, cmd.watermark);
    if (got.size < this.shards) return [];
    const fvw: VClock = [];
    for (let s = 0; s < this.shards; s++) fvw.push(got.get(s) ?? 0);
    this.fvws.set(cmd.epoch, fvw);
    this.reports.delete(cmd.epoch);
    return [{ to: 'all', msg: { type: 'fvw', epoch: cmd.epoch, fvw: fvw.slice() } }];
  }

  /** Plain data for the manager group's snapshot (msgpack- and JSON-safe). */
  snapshot(): EpochManagerSnapshot {
    return { epoch: this.epoch, leaders: [...this.leaders], reports: [...this.reports].map(([e, m]) => [e, [...m]]), fvws: [...this.fvws] };
  }

  static restore(shards: number, snap: EpochManagerSnapshot): EpochManagerState {
    const m = new EpochManagerState(shards);
    m.epoch = snap.epoch;
    for (const [s, l] of snap.leaders) m.leaders.set(s, l);
    for (const [e, r] of snap.reports) m.reports.set(e, new Map(r));
    for (const [e, f] of snap.fvws) m.fvws.set(e, f);
    return m;
  }
}

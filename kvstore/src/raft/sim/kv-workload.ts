/**
 * Key-value clients on the simulated group: each issues PUT, GET and SWAP on a few shared
 * keys, one at a time, and records every operation with its call and return times in the
 * runner's history format (runner/src/check/history.ts), so the linearizability checker can
 * judge the run. Mutations carry a session tag (client id, sequence), so a retry after a
 * lost reply, a crash or a leader change is answered from the dedup table, never applied
 * twice. GETs go through read index or the lease.
 */
import type { KvLogCommand } from '../../state/kv-log-command';
import type { ApplyOutcome } from '../../state/kv-state-machine';
import type { NodeId } from '../types';
import { NONE } from '../types';
import { KvMachine } from './sim-state-machines';
import type { Simulation } from './simulation';

/** One operation, in the runner's history format. */
export type SimHistoryOp =
  | { client: number; op: 'PUT'; key: string; value: string; call: number; ret: number | null; result: 'found' | 'not_found' | null }
  | { client: number; op: 'SWAP'; key: string; value: string; call: number; ret: number | null; result: string | null }
  | { client: number; op: 'GET'; key: string; call: number; ret: number | null; result: string | null };

export interface KvWorkloadOptions {
  clients: number;
  keys: number;
  /** Clients start no new operation after this virtual time (ms). */
  durationMs: number;
  /** An attempt with no answer by then is retried elsewhere (ms). */
  attemptTimeoutMs?: number;
  /** One-way delay between a client and a node (ms). */
  clientDelayMs?: number;
}

interface ClientState {
  id: number;
  seq: number;
  /** Node the client believes leads. */
  target: NodeId;
  busy: boolean;
  attempt: number;
}

export class KvWorkload {
  readonly history: SimHistoryOp[] = [];
  private readonly clients: ClientState[] = [];
  private readonly timeoutMs: number;
  private readonly delayMs: number;
  readonly stats = { attempts: 0, retries: 0 };

  constructor(
    private readonly sim: Simulation,
    private readonly options: KvWorkloadOptions,
  ) {
    this.timeoutMs = options.attemptTimeoutMs ?? 300;
    this.delayMs = options.clientDelayMs ?? 1;
    for (let i = 0; i < options.clients; i++) this.clients.push({ id: i, seq: 0, target: NONE, busy: false, attempt: 0 });
  }

  start(): void {
    for (const c of this.clients) this.sim.at(this.sim.rng.next() * 5, () => this.next(c));
  }

  /** Runs until every client finished its last operation (or maxMs pass). */
  finish(maxMs: number): void {
    this.sim.runUntil(() => this.sim.now > this.options.durationMs && this.clients.every((c) => !c.busy), maxMs);
  }

  private next(c: ClientState): void {
    if (this.sim.now > this.options.durationMs) return;
    const rng = this.sim.rng;
    const key = `k${rng.int(this.options.keys)}`;
    const r = rng.next();
    c.busy = true;
    if (r < 0.4) {
      const op: SimHistoryOp = { client: c.id, op: 'GET', key, call: this.sim.now, ret: null, result: null };
      this.history.push(op);
      this.runRead(c, op);
    } else {
      c.seq++;
      const value = `c${c.id}.${c.seq}`;
      const put = r < 0.75;
      const op: SimHistoryOp = put
        ? { client: c.id, op: 'PUT', key, value, call: this.sim.now, ret: null, result: null }
        : { client: c.id, op: 'SWAP', key, value, call: this.sim.now, ret: null, result: null };
      this.history.push(op);
      const command: KvLogCommand = {
        cmd: put ? { op: 'put', key, value } : { op: 'swap', key, value },
        session: { client: `c${c.id}`, seq: c.seq, ack: c.seq - 1 },
      };
      this.runMutation(c, op, KvMachine.encode(command));
    }
  }

  private pickTarget(c: ClientState): NodeId {
    if (c.target !== NONE && this.sim.rng.chance(0.9)) return c.target;
    return this.sim.rng.pick(this.sim.ids);
  }

  /** Sends one attempt; `perform` runs on the node and answers through `reply`. */
  private attempt(c: ClientState, perform: (node: NodeId, reply: (ok: boolean, leaderHint: NodeId) => void) => void, done: () => void): void {
    const attempt = ++c.attempt;
    this.stats.attempts++;
    const node = this.pickTarget(c);
    let answered = false;
    const retry = (hint: NodeId): void => {
      if (answered || c.attempt !== attempt) return;
      answered = true;
      this.stats.retries++;
      c.target = hint !== NONE ? hint : NONE;
      this.sim.at(this.sim.rng.range(1, 20), () => this.attempt(c, perform, done));
    };
    this.sim.at(this.delayMs, () => {
      perform(node, (ok, hint) => {
        this.sim.at(this.delayMs, () => {
          if (answered || c.attempt !== attempt) return;
          if (ok) {
            answered = true;
            c.target = node;
            done();
          } else {
            retry(hint);
          }
        });
      });
    });
    this.sim.at(this.timeoutMs, () => retry(NONE));
  }

  private runMutation(c: ClientState, op: SimHistoryOp, data: Uint8Array): void {
    let outcome: ApplyOutcome | null = null;
    this.attempt(
      c,
      (node, reply) => {
        const n = this.sim.node(node);
        if (!n.up) return; // no answer: the attempt times out
        this.sim.propose(node, data, (o) => {
          if (o.ok) {
            outcome = o.result as ApplyOutcome;
            reply(true, node);
          } else {
            reply(false, n.knownLeader);
          }
        });
      },
      () => {
        const out = outcome!;
        if (out.kind === 'stale') throw new Error('internal: a session sequence was answered as stale');
        op.ret = this.sim.now;
        if (op.op === 'PUT' && out.result.op === 'put') op.result = out.result.found ? 'found' : 'not_found';
        if (op.op === 'SWAP' && out.result.op === 'swap') op.result = out.result.old;
        c.busy = false;
        this.sim.at(this.sim.rng.range(0, 5), () => this.next(c));
      },
    );
  }

  private runRead(c: ClientState, op: SimHistoryOp): void {
    let value: string | null = null;
    this.attempt(
      c,
      (node, reply) => {
        const n = this.sim.node(node);
        if (!n.up) return;
        this.sim.read(node, (o) => {
          if (o.ok) {
            value = (n.sm as KvMachine).sm.kv.get(op.key);
            reply(true, node);
          } else {
            reply(false, n.knownLeader);
          }
        });
      },
      () => {
        op.ret = this.sim.now;
        op.result = value;
        c.busy = false;
        this.sim.at(this.sim.rng.range(0, 5), () => this.next(c));
      },
    );
  }
}

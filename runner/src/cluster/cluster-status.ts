/**
 * Reading a stage-3 cluster's state from its nodes' answers: who leads each group, and the
 * one-line-per-node table `p3::status` prints. Pure: the answers come in as arguments.
 */
import type { GroupSpec } from './layout';
import type { LinkStatus } from './link-proxy';
import type { NodeStatus } from '../../../kvstore/src/status/node-status';
import type { TxnCoreSummary } from '../../../kvstore/src/txn/core-interface';

/** What became of asking one node. */
export type NodeAnswer =
  | { state: 'up'; status: NodeStatus }
  | { state: 'down' }
  | { state: 'paused' }
  /** Running, but it did not answer (busy, or starting). */
  | { state: 'silent'; why: string };

/**
 * The group's leader: of the replicas that say they lead, the one with the highest term (an
 * old leader cut off from the others may still believe it leads, in an older term).
 */
export function groupLeader(group: GroupSpec, answers: ReadonlyMap<string, NodeAnswer>): string | undefined {
  let best: { node: string; term: number } | undefined;
  for (const node of group.members) {
    const a = answers.get(node);
    if (a?.state !== 'up' || a.status.role !== 'leader') continue;
    if (best === undefined || a.status.term > best.term) best = { node, term: a.status.term };
  }
  return best?.node;
}

export interface StatusRow {
  node: string;
  address: string;
  pid: number | undefined;
  answer: NodeAnswer;
  /** The node's group, to name the leader it follows. */
  group: GroupSpec | undefined;
}

function column(text: string, width: number): string {
  return text.padEnd(width);
}

/** One line per node: id, address, role, term, commit/applied index, the leader it follows, pid. */
export function formatStatusRows(rows: readonly StatusRow[]): string[] {
  const idWidth = Math.max(5, ...rows.map((r) => r.node.length)) + 2;
  const addrWidth = Math.max(9, ...rows.map((r) => r.address.length)) + 2;
  return rows.map((r) => {
    const head = column(r.node, idWidth) + column(r.address, addrWidth);
    const pid = r.pid !== undefined ? `pid ${r.pid}` : '';
    switch (r.answer.state) {
      case 'down':
        return `${head}down`;
      case 'paused':
        return `${head}paused (SIGSTOP)  ${pid}`.trimEnd();
      case 'silent':
        return `${head}not answering (${r.answer.why})  ${pid}`.trimEnd();
      case 'up': {
        const s = r.answer.status;
        const follows = s.leader < 0 ? '-' : (r.group?.members[s.leader] ?? `replica ${s.leader}`);
        const txn = s.txn === undefined ? '' : `  txn: ${formatTxnSummary(s.txn)}`;
        return (
          head +
          `${column(s.role, 13)}term ${column(String(s.term), 5)}commit ${column(String(s.commit), 8)}applied ${column(String(s.applied), 8)}leader ${column(follows, idWidth)}${pid}${txn}`
        ).trimEnd();
      }
    }
  });
}

/** A stage-4 shard leader's transactions in one phrase: what is in flight and what waits. */
export function formatTxnSummary(t: TxnCoreSummary): string {
  const epoch = t.epoch === null ? '' : `epoch ${t.epoch}, `;
  const flight = t.coordinating === 0 ? 'none in flight' : `${t.coordinating} in flight (${t.committing} committing, oldest ${t.oldestTicks} ticks)`;
  return `${epoch}${flight}, ${t.lockHolders} holding locks, ${t.parkedReads} reads parked`;
}

/** The proxy's line: its address and the links that are not passing freely. */
export function formatProxyRow(address: string, pid: number | undefined, links: readonly LinkStatus[] | string): string {
  const head = `proxy  ${address}  `;
  if (typeof links === 'string') return `${head}${links}${pid !== undefined ? `  pid ${pid}` : ''}`;
  const cut = links.filter((l) => l.cut).map((l) => `${l.from}->${l.to}`);
  const delayed = links.filter((l) => !l.cut && l.delayMs > 0).map((l) => `${l.from}->${l.to} ${l.delayMs} ms`);
  const parts = [`${links.length} links`, cut.length ? `cut: ${cut.join(', ')}` : 'none cut', ...(delayed.length ? [`delayed: ${delayed.join(', ')}`] : [])];
  return `${head}${parts.join('; ')}${pid !== undefined ? `  pid ${pid}` : ''}`;
}

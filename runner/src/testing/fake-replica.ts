#!/usr/bin/env node
/**
 * A stand-in for the stage-3 store's replica programs (replicated-manager.js,
 * replica-server.js) in the cluster tools' own tests: it takes their flags, locks its storage
 * folder, listens on its client and peer ports, prints `madkv … listening on`, answers
 * `status` and `transfer_leader` as P3-PLAN.md fixes them, and sends heartbeats to its peers
 * over the addresses `--peers` gives (so through the link proxy), so cut links change what
 * the replicas see. It is no consensus protocol: a replica counts the peers it heard from in
 * the last 300 ms; with a majority of the group (itself included) it follows the replica the
 * latest transfer named if it hears it, else the lowest id it hears; without a majority it is
 * a candidate. Key-value requests are answered `unavailable`.
 */
import { makeLogger } from '../../../kvstore/src/common/log';
import { registerProcess } from '../../../kvstore/src/common/pid-registry';
import { exitOnSignals, fail } from '../../../kvstore/src/common/process-exit';
import { StorageLock } from '../../../kvstore/src/storage/storage-lock';
import { type Address, formatAddress, parseAddressList } from '../../../kvstore/src/wire/address';
import { errorReply, isRecord, okReply } from '../../../kvstore/src/wire/envelope';
import { RpcConnection } from '../../../kvstore/src/wire/rpc-connection';
import { RpcServer } from '../../../kvstore/src/wire/rpc-server';

const HEARTBEAT_MS = 50;
const HEARD_WITHIN_MS = 300;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function need(argv: string[], name: string): string {
  const v = flag(argv, name);
  if (v === undefined) fail(`${name} is required`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const part = flag(argv, '--part-id');
  const rep = Number(need(argv, '--rep-id'));
  const node = part === undefined ? `m.${rep}` : `s${part}.${rep}`;
  const host = flag(argv, '--listen-host') ?? '127.0.0.1';
  const clientPort = Number(part === undefined ? need(argv, '--port') : need(argv, '--api-port'));
  const p2pPort = Number(need(argv, '--p2p-port'));
  const peersArg = need(argv, '--peers');
  const peerAddrs: Address[] = peersArg === 'none' ? [] : parseAddressList(peersArg);
  // Peers are the other replicas in replica-id order.
  const peerIds = Array.from({ length: peerAddrs.length + 1 }, (_, i) => i).filter((i) => i !== rep);
  const size = peerAddrs.length + 1;
  const log = makeLogger(`fake ${node}[${process.pid}]`);

  const lock = await StorageLock.acquire(need(argv, '--backer-path')).catch((err: Error) => fail(err.message));
  let term = 1;
  let preferred: number | undefined;
  let sent = 0;
  const heard = new Map<number, number>();
  let lastRole = '';

  const view = (): { role: 'leader' | 'follower' | 'candidate'; leader: number } => {
    const now = performance.now();
    const known = [rep, ...peerIds.filter((id) => now - (heard.get(id) ?? -Infinity) < HEARD_WITHIN_MS)];
    if (known.length < Math.floor(size / 2) + 1) return { role: 'candidate', leader: -1 };
    const leader = preferred !== undefined && known.includes(preferred) ? preferred : Math.min(...known);
    return { role: leader === rep ? 'leader' : 'follower', leader };
  };

  const links = peerAddrs.map((address) => ({ address, conn: undefined as RpcConnection | undefined, dialing: false }));
  const beat = (): void => {
    sent++;
    for (const l of links) {
      if (l.conn === undefined || !l.conn.isOpen) {
        l.conn = undefined;
        if (!l.dialing) {
          l.dialing = true;
          RpcConnection.connect(l.address, 500).then(
            (c) => {
              l.conn = c;
              l.dialing = false;
            },
            () => setTimeout(() => (l.dialing = false), 100),
          );
        }
        continue;
      }
      const c = l.conn;
      c.call({ hb: { from: rep, term, preferred: preferred ?? -1 } }, 1000).catch(() => {
        c.close();
        if (l.conn === c) l.conn = undefined;
      });
    }
    const v = view();
    const role = `${v.role} ${v.leader}`;
    if (role !== lastRole) log(`now ${v.role}${v.leader >= 0 ? `, leader ${v.leader}` : ''} (term ${term})`);
    lastRole = role;
  };
  setInterval(beat, HEARTBEAT_MS);

  const peerServer = new RpcServer(
    (body) => {
      if (!isRecord(body) || !isRecord(body.hb)) return errorReply('bad_request', 'expected a heartbeat');
      const hb = body.hb;
      if (typeof hb.from !== 'number' || typeof hb.term !== 'number' || typeof hb.preferred !== 'number') return errorReply('bad_request', 'bad heartbeat');
      heard.set(hb.from, performance.now());
      if (hb.term > term) {
        term = hb.term;
        preferred = hb.preferred >= 0 ? hb.preferred : undefined;
      }
      return okReply(null);
    },
    { log },
  );
  await peerServer.listen({ host, port: p2pPort }, 2000);

  const clientServer = new RpcServer(
    (body) => {
      if (!isRecord(body)) return errorReply('bad_request', 'expected a request');
      const v = view();
      if (body.type === 'status') {
        return okReply({ node, role: v.role, term, leader: v.leader, commit: sent, applied: sent, lastIndex: sent, snapshotIndex: 0, logBytes: 0, snapshotBytes: 0 });
      }
      if (body.type === 'transfer_leader') {
        if (v.role !== 'leader') return errorReply('not_leader', `${node} does not lead`, ...(v.leader >= 0 ? [String(v.leader)] : []));
        if (typeof body.to !== 'number' || !(body.to === rep || peerIds.includes(body.to))) return errorReply('bad_request', `no replica ${String(body.to)}`);
        term++;
        preferred = body.to;
        beat();
        return okReply(null);
      }
      return errorReply('unavailable', 'a stand-in replica serves no keys');
    },
    { log },
  );
  const bound = await clientServer.listen({ host, port: clientPort }, 2000);
  registerProcess(need(argv, '--stage'), node);
  exitOnSignals(async () => {
    await clientServer.close();
    await peerServer.close();
    lock.release();
  });
  process.stdout.write(`madkv fake replica ${node} listening on ${formatAddress(bound)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => fail((err as Error).stack ?? String(err)));

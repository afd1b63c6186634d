/**
 * A test and benchmark entry point: one replica of a Raft-replicated key-value store in its
 * own process, so tests can kill it with SIGKILL for real.
 *
 *   node raft-kv-node.js --id 1 --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
 *        --api 127.0.0.1:0 --dir /tmp/x/n1 [--snapshot-every 1000] [--tick-ms 20] [--read-mode index]
 *
 * It prints `listening on <host:port>` (the API address) once it serves. API requests:
 *   { op: 'propose', cmd: <put|swap|delete>, session?: {client, seq, ack} } -> ApplyOutcome
 *   { op: 'get', key }                                                     -> value | null
 *   { op: 'status' }                                                       -> RaftNodeStatus
 *   { op: 'transfer', to }                                                 -> null once moved
 * A replica that is not the leader answers `not_leader` with the leader's id as hint.
 */
import { makeLogger } from '../../common/log';
import { type Address, parseAddress } from '../../wire/address';
import { type Reply, errorReply, isRecord, okReply } from '../../wire/envelope';
import { RpcServer } from '../../wire/rpc-server';
import { parseKvCommand } from '../../wire/kv-messages';
import { type KvLogCommand, KvLogStateMachine, kvLogCodec } from '../../state/kv-log-command';
import type { ApplyOutcome, KvMutation } from '../../state/kv-state-machine';
import { NotLeaderError, ProposalDroppedError, RaftGroup } from '../../replication/raft-group';
import { TcpTransport } from '../tcp-transport';
import type { NodeId } from '../types';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) {
    process.stderr.write(`missing --${name}\n`);
    process.exit(2);
  }
  return v;
}

function parsePeers(text: string): Map<NodeId, Address> {
  const out = new Map<NodeId, Address>();
  for (const part of text.split(',')) {
    const m = /^(\d+)=(.+)$/.exec(part.trim());
    if (!m) throw new Error(`bad peer '${part}': expected id=host:port`);
    out.set(Number(m[1]), parseAddress(m[2]!));
  }
  return out;
}

function errorOf(err: unknown): Reply {
  if (err instanceof NotLeaderError) return errorReply('not_leader', err.message, err.leader >= 0 ? String(err.leader) : undefined);
  if (err instanceof ProposalDroppedError) return errorReply('unavailable', err.message);
  return errorReply('internal', err instanceof Error ? err.message : String(err));
}

async function main(): Promise<void> {
  const id = Number(arg('id'));
  const peers = parsePeers(arg('peers'));
  const log = makeLogger(`raft-node ${id}`);
  const transport = new TcpTransport(id, peers, { log, listenRetryMs: 2000 });
  await transport.listen(peers.get(id)!);
  const group = await RaftGroup.open<KvLogCommand, ApplyOutcome, KvLogStateMachine>(arg('dir'), new KvLogStateMachine(), kvLogCodec, {
    id,
    peers: [...peers.keys()],
    transport,
    tickMs: Number(arg('tick-ms', '20')),
    snapshotEvery: Number(arg('snapshot-every', '1000')),
    snapshotMargin: Number(arg('snapshot-margin', '100')),
    raft: { readMode: arg('read-mode', 'index') === 'lease' ? 'lease' : 'index' },
    log,
    onFatal: (err) => {
      log(`fatal: ${err.message}`);
      process.exit(1);
    },
  });
  const api = new RpcServer((body): Reply | Promise<Reply> => {
    if (!isRecord(body)) return errorReply('bad_request', 'expected an object');
    switch (body.op) {
      case 'propose': {
        const cmd = parseKvCommand(body.cmd);
        if (typeof cmd === 'string' || cmd.op === 'get' || cmd.op === 'scan') return errorReply('bad_request', 'propose needs a put, swap or delete');
        const s = body.session;
        const command: KvLogCommand = isRecord(s) ? { cmd: cmd as KvMutation, session: { client: String(s.client), seq: Number(s.seq), ack: Number(s.ack) } } : { cmd: cmd as KvMutation };
        return group.propose(command).then((o) => okReply(o), errorOf);
      }
      case 'get':
        return group.read((sm) => sm.kv.get(String(body.key))).then((v) => okReply(v), errorOf);
      case 'status':
        return okReply(group.status());
      case 'transfer':
        return group.transferLeadership(Number(body.to)).then(() => okReply(null), errorOf);
      default:
        return errorReply('bad_request', `unknown op ${String(body.op)}`);
    }
  }, { log });
  const bound = await api.listen(parseAddress(arg('api')), 2000);
  process.stdout.write(`node ${id} listening on ${bound.host}:${bound.port}\n`);
  const stop = (): void => {
    void group.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`raft-kv-node: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

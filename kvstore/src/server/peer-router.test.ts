import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerMessage } from '../txn/messages';
import { listenOnPort } from '../testing/listen-on-port';
import { freePort } from '../testing/spawn-node';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import type { RpcServer } from '../wire/rpc-server';
import { parsePeerEnvelope } from '../wire/shard-messages';
import { PeerRouter } from './peer-router';

const HOST = '127.0.0.1';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const msg: PeerMessage = { type: 'watermark', epoch: 0, w: 1 };

/** Shard 1's replicas: `leader` takes peer messages, the others redirect (with a hint unless hintless). */
async function shard(replicas: number, state: { leader: number; hintless?: boolean; got: string[] }): Promise<{ ports: number[]; rpcs: RpcServer[] }> {
  const ports: number[] = [];
  const rpcs: RpcServer[] = [];
  for (let r = 0; r < replicas; r++) {
    const port = await freePort();
    const rpc = await listenOnPort((body): Reply => {
      const env = parsePeerEnvelope(body, 3);
      if (typeof env === 'string') return errorReply('bad_request', env);
      if (r !== state.leader) return errorReply('not_leader', 'follower', state.hintless ? undefined : String(state.leader));
      state.got.push(`${r} from ${env.from} ${env.msg.type}`);
      return okReply(null);
    }, HOST, port);
    cleanups.push(() => rpc.close());
    ports.push(port);
    rpcs.push(rpc);
  }
  return { ports, rpcs };
}

function router(ports: number[]): PeerRouter {
  const r = new PeerRouter(0, [[{ host: HOST, port: 1 }], ports.map((port) => ({ host: HOST, port }))], 500);
  cleanups.push(() => r.close());
  return r;
}

test("a message reaches the shard's leader, following a not_leader hint at once, and the guess sticks", async () => {
  const state = { leader: 2, got: [] as string[] };
  const s = await shard(3, state);
  const r = router(s.ports);
  assert.equal(await r.send(1, msg), 'delivered');
  assert.equal(r.leaderGuess(1), 2);
  assert.equal(await r.send(1, msg), 'delivered');
  assert.deepEqual(state.got, ['2 from 0 watermark', '2 from 0 watermark']);
});

test('without a hint the message is dropped and the next replica is tried next time', async () => {
  const state = { leader: 1, hintless: true, got: [] as string[] };
  const s = await shard(3, state);
  const r = router(s.ports);
  assert.equal(await r.send(1, msg), 'dropped');
  assert.equal(await r.send(1, msg), 'delivered');
  assert.deepEqual(state.got, ['1 from 0 watermark']);
});

test('a replica that is down costs one dropped message, then the others are tried', async () => {
  const state = { leader: 1, got: [] as string[] };
  const s = await shard(3, state);
  await s.rpcs[0]!.close();
  const r = router(s.ports);
  assert.equal(await r.send(1, msg), 'dropped');
  assert.equal(await r.send(1, msg), 'delivered');
});

test('messages to itself or to a shard that does not exist are dropped, not sent', async () => {
  const state = { leader: 0, got: [] as string[] };
  const r = router((await shard(1, state)).ports);
  assert.equal(await r.send(0, msg), 'dropped');
  assert.equal(await r.send(7, msg), 'dropped');
  assert.deepEqual(state.got, []);
});

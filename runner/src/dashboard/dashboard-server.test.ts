/**
 * The dashboard's server: the page and its event stream, actions on a local cluster (stand-in
 * replicas, so it runs in a second), and what it refuses: actions on a cluster it only
 * watches, requests from other sites, malformed actions.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, retryWhilePortTaken } from '../../../kvstore/src/testing/spawn-node';
import { LocalCluster } from '../cluster/local-cluster';
import { startTestCluster } from '../testing/local-p3';
import type { ClusterSource, DashboardAction } from './cluster-source';
import type { Observation } from './dashboard-model';
import { DashboardServer, type Frame } from './dashboard-server';
import { sourceFor } from './dashboard-target';
import { LocalClusterSource } from './local-source';
import { RemoteClusterSource } from './remote-source';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-dashboard-'));
const env = { MADKV_RUN_DIR: path.join(scratch, 'run') };
const closers: Array<() => Promise<void>> = [];

after(async () => {
  for (const c of closers.reverse()) await c();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function serve(source: ClusterSource, everyMs = 50): Promise<DashboardServer> {
  const d = await DashboardServer.start(source, { everyMs });
  closers.push(() => d.close());
  return d;
}

interface Answer {
  status: number;
  body: string;
}

function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function act(d: DashboardServer, action: DashboardAction | Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${d.url}api/action`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(action) });
}

/** The first `n` frames of the event stream. */
function frames(url: string, n: number): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const got: Frame[] = [];
    const req = http.get(`${url}events`, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = event.split('\n').find((l) => l.startsWith('data: '));
          if (data !== undefined) got.push(JSON.parse(data.slice(6)) as Frame);
          if (got.length === n) {
            req.destroy();
            resolve(got);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (got.length >= n ? undefined : reject(err)));
  });
}

/** A source whose observations the test writes; its polls can be made to fail. */
class ScriptedSource implements ClusterSource {
  readonly info = { stage: 'p3', target: 'scripted', actions: [] as [], readOnlyReason: 'scripted: watch only' };
  polls = 0;
  failing = false;

  observe(): Promise<Observation> {
    this.polls++;
    if (this.failing) return Promise.reject(new Error('the cluster is gone'));
    const requests = this.polls * 10;
    return Promise.resolve({
      t: Date.now(),
      groups: [{ id: '0', members: ['s0.0', 's0.1'] }],
      faults: [],
      nodes: [
        { node: 's0.0', group: '0', address: 'a:1', answer: { state: 'up', status: { node: 's0.0', role: 'leader', term: 2, leader: 0, commit: 1, applied: 1, lastIndex: 1, snapshotIndex: 0, logBytes: 1, snapshotBytes: 0, requests, requestMicros: requests * 100 } } },
        { node: 's0.1', group: '0', address: 'a:2', answer: { state: 'down' } },
      ],
    });
  }

  perform(): Promise<string> {
    return Promise.reject(new Error('never called'));
  }
}

async function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, waitMs = 10_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(v)} after ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the page is one self-contained file, and the event stream sends the latest view at once, then each poll', async () => {
  const source = new ScriptedSource();
  const d = await serve(source);
  const page = await request(d.url);
  assert.equal(page.status, 200);
  assert.match(page.body, /<script>[\s\S]*EventSource\("events"\)/);
  assert.doesNotMatch(page.body, /(src|href)=["']?(https?:)?\/\//, 'nothing loaded from elsewhere');
  const got = await frames(d.url, 3);
  assert.deepEqual(got[0]!.info, source.info);
  assert.deepEqual(got.map((f) => f.view.nodes.map((n) => n.state)), [['up', 'down'], ['up', 'down'], ['up', 'down']], 'a down node stays on the page');
  assert.ok(got[2]!.view.t > got[0]!.view.t, 'every frame is a new poll');
  const last = got[2]!.view.groups[0]!;
  assert.equal(last.leader, 's0.0');
  assert.ok(last.series.length >= 2 && last.series.every((p) => p.rate > 0 && p.latencyMs === 0.1), JSON.stringify(last.series));
  const state = JSON.parse((await request(`${d.url}api/state`)).body) as Frame;
  assert.equal(state.view.nodes.length, 2);
});

test('a failed poll is shown on the page and polling goes on', async () => {
  const source = new ScriptedSource();
  const d = await serve(source);
  source.failing = true;
  const failed = await until('the failure', () => d.latest, (f) => f.error !== undefined);
  assert.match(failed.error!, /polling the cluster failed: the cluster is gone/);
  assert.equal(failed.view.nodes.length, 2, 'the last view stays');
  source.failing = false;
  await until('recovery', () => d.latest, (f) => f.error === undefined);
});

test('a cluster watched through its managers is not acted on; requests from elsewhere and malformed actions are refused', async () => {
  // Nothing listens there: every node shows down, and the page keeps updating.
  const port = await freePort();
  const d = await serve(sourceFor('p3', `127.0.0.1:${port}`));
  assert.ok(d.latest.view.nodes.every((n) => n.state === 'down') && d.latest.view.nodes.map((n) => n.node).join() === 'm.0');
  const refused = await act(d, { kind: 'kill', node: 'm.0' });
  assert.equal(refused.status, 403);
  assert.match(refused.body, /faults can be injected only into a local cluster/);
  assert.deepEqual(d.latest.info.actions, []);

  const other = await act(d, { kind: 'kill', node: 'm.0' }, { origin: 'http://example.com' });
  assert.deepEqual([other.status, (JSON.parse(other.body) as { error: string }).error], [403, 'a request from another site (http://example.com) is refused']);
  const rebound = await request(d.url, { headers: { host: 'attacker.example:80' } });
  assert.equal(rebound.status, 403, 'a name pointed at loopback is not this machine');
  const form = await request(`${d.url}api/action`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'kind=kill&node=m.0' });
  assert.equal(form.status, 400);
  const error = async (a: Record<string, unknown>): Promise<[number, string]> => {
    const r = await act(d, a);
    return [r.status, (JSON.parse(r.body) as { error: string }).error];
  };
  assert.deepEqual(await error({ kind: 'explode', node: 'm.0' }), [400, 'unknown action "explode": one of kill, pause, resume, restart, transfer, cut, heal']);
  assert.deepEqual(await error({ kind: 'cut', node: 's0.0' }), [400, "cut needs the peer at the link's other end"]);
  assert.equal((await request(`${d.url}api/action`)).status, 405);
  assert.equal((await request(`${d.url}nothing`)).status, 404);
  assert.throws(() => sourceFor('p2', `127.0.0.1:${port}`), /a p2 cluster is watched through its folder/);
  assert.throws(() => sourceFor('p3', path.join(scratch, 'none')), /no cluster at .*none: give the folder/);
  assert.ok(new RemoteClusterSource(['127.0.0.1:1']).info.readOnlyReason);
});

test('on a local cluster every button acts through the cluster tool, says what it did, and the view follows', async () => {
  let cluster: LocalCluster | undefined;
  cluster = await startTestCluster({ dir: path.join(scratch, 'local'), stage: 'test-dashboard', shape: { managers: 1, partitions: 1, rf: 3 }, env, standIn: true });
  closers.push(() => cluster!.stopAll('SIGKILL'));
  const d = await serve(new LocalClusterSource(cluster, { statusTimeoutMs: 1000, transferWaitMs: 10_000 }));
  assert.deepEqual(d.latest.info.actions, ['kill', 'pause', 'resume', 'restart', 'transfer', 'cut', 'heal']);
  // The stand-ins settle on the lowest replica id.
  await until('s0.0 leads', () => d.latest.view.groups.find((g) => g.id === '0')?.leader, (l) => l === 's0.0');
  const ok = async (a: DashboardAction): Promise<string> => {
    const r = await act(d, a);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { message: string }).message;
  };
  const node = (id: string) => () => d.latest.view.nodes.find((n) => n.node === id)!;

  assert.equal(await ok({ kind: 'kill', node: 's0.0' }), 's0.0 killed (kill -9)');
  await until('s0.0 down', node('s0.0'), (n) => n.state === 'down' && n.pid === undefined);
  await until('s0.1 leads', () => d.latest.view.groups[1]!.leader, (l) => l === 's0.1');
  await until('the kill on the timeline', () => d.latest.view.timeline.map((e) => e.text), (t) => t.includes('s0.0 killed (SIGKILL)') && t.includes('partition 0: s0.1 leads (term 1)'));
  const restart = await act(d, { kind: 'restart', node: 's0.0' });
  assert.equal(JSON.parse(restart.body).message, 's0.0 restarted on its storage');
  await until('s0.0 up', node('s0.0'), (n) => n.state === 'up');

  assert.equal(await ok({ kind: 'pause', node: 's0.2' }), 's0.2 paused (SIGSTOP)');
  await until('s0.2 paused', node('s0.2'), (n) => n.state === 'paused');
  const again = await act(d, { kind: 'pause', node: 's0.2' });
  assert.deepEqual([again.status, JSON.parse(again.body).error], [409, 's0.2 is already paused']);
  assert.equal(await ok({ kind: 'resume', node: 's0.2' }), 's0.2 resumed (SIGCONT)');

  assert.equal(await ok({ kind: 'cut', node: 's0.1', peer: 's0.2' }), 'cut: s0.1->s0.2, s0.2->s0.1');
  await until('the cut links', () => d.latest.view.links, (l) => l !== undefined && 'cut' in l && l.cut.join() === 's0.1->s0.2,s0.2->s0.1');
  assert.equal(await ok({ kind: 'heal', node: 's0.1', peer: 's0.2' }), 'healed: s0.1->s0.2, s0.2->s0.1');

  assert.match(await ok({ kind: 'transfer', node: 's0.2' }), /^s0\.2 now leads partition 0 \(was s0\.[01]\)$/);
  await until('s0.2 leads', () => d.latest.view.groups[1]!.leader, (l) => l === 's0.2');
  const unknown = await act(d, { kind: 'kill', node: 's9.9' });
  assert.deepEqual([unknown.status, JSON.parse(unknown.body).error], [409, "unknown node 's9.9': this cluster has proxy, m.0, s0.0, s0.1, s0.2"]);
});

test('on a stage-2 cluster each server reports itself as a group of one; the manager shows as running; kill and restart act', async () => {
  const cluster = await retryWhilePortTaken(async () => {
    const p = await Promise.all([freePort(), freePort(), freePort()]);
    const c = await LocalCluster.start({ stage: 'test-dashboard-p2', dir: path.join(scratch, 'p2'), host: '127.0.0.1', managerPort: p[0]!, serverPorts: p.slice(1) }, { detached: false, env });
    closers.push(() => c.stopAll('SIGKILL'));
    return c;
  });
  const d = await serve(sourceFor('p2', cluster.dir));
  assert.deepEqual(d.latest.info.actions, ['kill', 'pause', 'resume', 'restart']);
  const states = (): string => d.latest.view.nodes.map((n) => `${n.node}:${n.state}${n.status ? `:${n.status.role}:${n.status.node}` : ''}`).join(' ');
  await until('every node seen', states, (s) => s === 'm:running s0:up:leader:s0 s1:up:leader:s1');
  assert.deepEqual(d.latest.view.groups.map((g) => [g.name, g.leader]), [['managers', null], ['partition 0', 's0'], ['partition 1', 's1']]);
  assert.equal((await act(d, { kind: 'kill', node: 's1' })).status, 200);
  await until('s1 down', states, (s) => s === 'm:running s0:up:leader:s0 s1:down');
  assert.equal((await act(d, { kind: 'transfer', node: 's0' })).status, 409, 'no leadership to move in stage 2');
  assert.equal((await act(d, { kind: 'restart', node: 's1' })).status, 200);
  await until('s1 back', states, (s) => s.endsWith('s1:up:leader:s1'));
  // The journal is read on the next poll, which may come after the one that saw s1 answer again.
  const timeline = await until('the restart journaled', () => d.latest.view.timeline.map((e) => e.text), (t) => t.length >= 2);
  assert.deepEqual(timeline, ['s1 killed (SIGKILL)', 's1 restarted'], 'groups of one have no leader changes to show');
});

/**
 * The nemesis driver: runs a NemesisSchedule against a running stage-3 local cluster for a
 * given time, carrying out each injection and recovery through the local cluster tool (so
 * each is journaled in the cluster's faults.jsonl and listed by a fuzz run meanwhile), and
 * printing each with its time. At the end (or when asked to stop) it undoes every fault
 * still active, heals every link, and waits until every group has a leader again.
 *
 * Restarts run in the background (a node takes a while to start, and other faults meanwhile
 * keep their times); the restarted replica counts as faulty until it listens again. Everything
 * else is carried out in order, at once. Link faults can overlap (in a group of five, two
 * replicas' links may be cut or delayed at once, and a link between them belongs to both): a
 * recovery heals only the links no other active fault holds; those are healed when the last
 * fault holding them ends.
 */
import { groupLeader } from '../cluster/cluster-status';
import { type IsolationMode, LocalCluster, describeLinks } from '../cluster/local-cluster';
import { type LinkRef, linkName } from '../cluster/link-proxy';
import { type Fault, type NemesisAction, type NemesisConfig, type NemesisFaultKind, NemesisSchedule, checkNemesisConfig } from './nemesis-schedule';

export interface NemesisOptions {
  durationMs: number;
  seed: number;
  faults: NemesisFaultKind[];
  intervalMs: [number, number];
  faultMs: [number, number];
  delayMs: [number, number];
  leaderBias: number;
  /** How long to wait, after healing, for every group to have a leader. */
  leaderWaitMs: number;
  print: (line: string) => void;
  /** Stops the run early (it still heals everything). */
  signal?: AbortSignal;
}

export interface NemesisReport {
  injected: number;
  byKind: Record<NemesisFaultKind, number>;
  onLeaders: number;
  /** Recoveries that failed for good (a node that would not restart): the cluster is not whole. */
  unrecovered: string[];
  /** Groups without a leader after healing. */
  leaderless: string[];
  leaders: Map<string, string>;
}

const RECOVERY_RETRY_MS = 1000;
const FINAL_RECOVERY_MS = 30_000;

function groupName(id: string): string {
  return id === 'm' ? 'the manager group' : `partition ${id}`;
}

/** What the options say is wrong, or undefined (for the command line, before anything runs). */
export function checkNemesisOptions(o: Omit<NemesisOptions, 'print'>): string | undefined {
  if (!(o.durationMs > 0)) return '--duration must be a positive number of seconds';
  return checkNemesisConfig({ groups: [], faults: o.faults, seed: o.seed, intervalMs: o.intervalMs, faultMs: o.faultMs, delayMs: o.delayMs, leaderBias: o.leaderBias });
}

export async function runNemesis(cluster: LocalCluster, o: NemesisOptions): Promise<NemesisReport> {
  if (cluster.kind !== 'p3') throw new Error(`the nemesis needs a stage-3 cluster (replicated groups); ${cluster.dir} holds a stage-2 one`);
  if (!cluster.hasProxy && o.faults.some((f) => f === 'cut' || f === 'delay')) {
    throw new Error(`the cluster in ${cluster.dir} runs without link proxies, so links cannot be cut or delayed: leave cut and delay out of --faults`);
  }
  const replicas = cluster.groups.flatMap((g) => g.members);
  const notWhole = replicas.filter((n) => !cluster.isRunning(n) || cluster.isPaused(n));
  if (notWhole.length > 0) throw new Error(`the nemesis starts on a whole cluster, but ${notWhole.join(', ')} ${notWhole.length === 1 ? 'is' : 'are'} down or paused: restart or resume first`);
  if (cluster.hasProxy && !cluster.isRunning('proxy')) throw new Error('the link proxy is not running: restart it first (restart proxy)');

  const config: NemesisConfig = { groups: cluster.groups, faults: o.faults, seed: o.seed, intervalMs: o.intervalMs, faultMs: o.faultMs, delayMs: o.delayMs, leaderBias: o.leaderBias };
  const schedule = new NemesisSchedule(config);
  const start = Date.now();
  const elapsed = (): number => Date.now() - start;
  const stamp = (): string => `+${(elapsed() / 1000).toFixed(1).padStart(5)} s`;
  const report: NemesisReport = { injected: 0, byKind: { kill: 0, pause: 0, cut: 0, delay: 0 }, onLeaders: 0, unrecovered: [], leaderless: [], leaders: new Map() };
  /** The links each active link fault holds. */
  const held = new Map<number, LinkRef[]>();

  o.print(
    `nemesis: ${(o.durationMs / 1000).toFixed(0)} s on ${cluster.dir}, seed ${o.seed}; faults ${o.faults.join(', ')} every ${o.intervalMs.join('-')} ms, lasting ${o.faultMs.join('-')} ms` +
      `; at most ${cluster.groups.map((g) => `${Math.floor((g.members.length - 1) / 2)} of ${g.id === 'm' ? 'm' : `s${g.id}`}`).join(', ')} at once`,
  );

  const linksFor = (f: Fault): LinkRef[] => cluster.linksOf(f.node, f.links as IsolationMode);
  const stillHeld = (links: LinkRef[], except: number): LinkRef[] => {
    const others = new Set([...held].filter(([id]) => id !== except).flatMap(([, ls]) => ls.map(linkName)));
    return links.filter((l) => !others.has(linkName(l)));
  };

  const inject = async (f: Fault): Promise<void> => {
    const who = `${f.node}${f.wasLeader ? ` (leader of ${groupName(f.group)})` : ''}`;
    const back = `for ${((f.until - f.at) / 1000).toFixed(1)} s`;
    report.injected++;
    report.byKind[f.kind]++;
    if (f.wasLeader) report.onLeaders++;
    switch (f.kind) {
      case 'kill':
        await cluster.kill(f.node, 'SIGKILL');
        o.print(`${stamp()}  kill -9 ${who}; restart in ${((f.until - f.at) / 1000).toFixed(1)} s`);
        return;
      case 'pause':
        cluster.pause(f.node);
        o.print(`${stamp()}  pause (SIGSTOP) ${who} ${back}`);
        return;
      case 'cut': {
        const links = linksFor(f);
        held.set(f.id, links);
        const changed = await cluster.cut(links);
        const how = f.links === 'out' ? 'its messages out' : f.links === 'in' ? 'messages to it' : 'both ways';
        o.print(`${stamp()}  cut ${who}: ${how} (${describeLinks(changed)}) ${back}`);
        return;
      }
      case 'delay': {
        const links = linksFor(f);
        held.set(f.id, links);
        const changed = await cluster.delay(links, f.delayMs!);
        o.print(`${stamp()}  delay the links of ${who} by ${f.delayMs} ms (${describeLinks(changed)}) ${back}`);
        return;
      }
    }
  };

  const recover = async (f: Fault): Promise<void> => {
    switch (f.kind) {
      case 'kill':
        await cluster.restart(f.node);
        o.print(`${stamp()}  restarted ${f.node}`);
        return;
      case 'pause':
        cluster.resume(f.node);
        o.print(`${stamp()}  resume (SIGCONT) ${f.node}`);
        return;
      case 'cut':
      case 'delay': {
        const links = stillHeld(held.get(f.id) ?? [], f.id);
        const changed = links.length > 0 ? await cluster.heal(links) : [];
        held.delete(f.id);
        o.print(`${stamp()}  heal the links of ${f.node} (${describeLinks(changed)})`);
        return;
      }
    }
  };

  let wake: (() => void) | undefined;
  const restarts = new Set<Promise<void>>();

  /** Carries an action out; a failed one stays active (a failed injection may have half happened) and is undone later. */
  const carryOut = async (a: NemesisAction): Promise<void> => {
    try {
      if (a.kind === 'inject') await inject(a.fault);
      else {
        await recover(a.fault);
        schedule.recovered(a.fault);
      }
    } catch (err) {
      const what = a.kind === 'inject' ? `injecting ${a.fault.kind} into ${a.fault.node}` : `undoing ${a.fault.kind} of ${a.fault.node}`;
      o.print(`${stamp()}  failed ${what}: ${(err as Error).message.split('\n')[0]}`);
      schedule.retry(a.fault, a.kind === 'recover' ? elapsed() + RECOVERY_RETRY_MS : elapsed());
    }
  };
  const launchAction = (a: NemesisAction): Promise<void> => {
    if (a.kind === 'inject' || a.fault.kind !== 'kill') return carryOut(a);
    const p = carryOut(a).finally(() => {
      restarts.delete(p);
      wake?.();
    });
    restarts.add(p);
    return Promise.resolve();
  };
  const pause = (ms: number): Promise<void> =>
    new Promise<void>((r) => {
      const t = setTimeout(r, Math.max(0, ms));
      wake = () => {
        clearTimeout(t);
        r();
      };
    });

  const onAbort = (): void => wake?.();
  o.signal?.addEventListener('abort', onAbort);
  try {
    while (elapsed() < o.durationMs && !o.signal?.aborted) {
      const now = elapsed();
      let leaders = new Map<string, string | undefined>();
      if (schedule.injectionDue(now)) {
        const answers = await cluster.answers(undefined, 500);
        leaders = new Map(cluster.groups.map((g) => [g.id, groupLeader(g, answers)]));
      }
      // Faults that would outlast the run are undone when it ends.
      for (const a of schedule.step(elapsed(), leaders)) await launchAction(a);
      await pause(Math.min(schedule.nextAt(), o.durationMs) - elapsed());
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }

  // Undo everything still active, retrying what fails for a while.
  o.print(`${stamp()}  ${o.signal?.aborted ? 'stopping early' : 'time is up'}: undoing ${schedule.active.length + schedule.inRecovery.length} fault(s)`);
  const finalDeadline = Date.now() + FINAL_RECOVERY_MS;
  for (;;) {
    for (const a of schedule.finish()) await launchAction(a);
    await Promise.all([...restarts]);
    if (schedule.active.length === 0 || Date.now() > finalDeadline) break;
    await new Promise((r) => setTimeout(r, RECOVERY_RETRY_MS));
  }
  report.unrecovered = schedule.active.map((f) => `${f.node} (${f.kind})`);
  if (cluster.hasProxy) {
    const extra = await cluster.heal().catch((err: Error) => {
      o.print(`${stamp()}  could not heal every link: ${err.message}`);
      return [];
    });
    if (extra.length > 0) o.print(`${stamp()}  healed what was left: ${describeLinks(extra)}`);
  }
  const { leaders, missing } = await cluster.waitForLeaders(o.leaderWaitMs);
  report.leaders = leaders;
  report.leaderless = missing;
  const kinds = o.faults.map((k) => `${k} ${report.byKind[k]}`).join(', ');
  o.print(`${stamp()}  nemesis done: ${report.injected} faults (${kinds}; ${report.onLeaders} on leaders)`);
  if (report.unrecovered.length > 0) o.print(`  NOT recovered: ${report.unrecovered.join(', ')}`);
  o.print(`  leaders: ${cluster.groups.map((g) => `${g.id === 'm' ? 'managers' : `partition ${g.id}`} ${leaders.get(g.id) ?? 'NONE'}`).join(', ')}`);
  if (missing.length > 0) o.print(`  no leader after ${(o.leaderWaitMs / 1000).toFixed(0)} s in ${missing.map(groupName).join(', ')}`);
  return report;
}

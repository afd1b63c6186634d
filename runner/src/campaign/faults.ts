/**
 * Carries out a crashing fuzz run's fault schedule (plan.ts: crashSchedule) on its cluster,
 * timed from the moment the fuzz run starts calling. Every kill and restart goes through the
 * cluster, so it is journaled and the fuzz log lists it.
 */
import type { LocalCluster } from '../cluster/local-cluster';
import type { FaultStep } from './plan';

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Runs the steps at their times within a run of `durationMs` that started at `startedAt`
 * (epoch ms). Stops early when `signal` aborts (the run ended). Returns what it did, one line a step.
 */
export async function injectFaults(cluster: LocalCluster, steps: readonly FaultStep[], startedAt: number, durationMs: number, signal: AbortSignal): Promise<string[]> {
  const done: string[] = [];
  const killed: Array<string | undefined> = [];
  const stamp = (): string => `+${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
  for (const step of steps) {
    await sleep(startedAt + step.at * durationMs - Date.now(), signal);
    if (signal.aborted) {
      done.push(`run ended before the step at ${Math.round(step.at * 100)}% of it`);
      break;
    }
    if (step.do === 'kill-server') {
      await cluster.kill(step.node, 'SIGKILL');
      killed.push(step.node);
      done.push(`${stamp()}  killed ${step.node}`);
    } else if (step.do === 'kill-leader' || step.do === 'kill-follower') {
      const leader = await cluster.waitForLeader(step.group, 10_000);
      const victim =
        step.do === 'kill-leader'
          ? leader
          : cluster.group(step.group).members.find((m) => m !== leader && !killed.includes(m));
      killed.push(victim);
      if (victim === undefined) {
        done.push(`${stamp()}  no ${step.do === 'kill-leader' ? 'leader' : 'follower'} of partition ${step.group} to kill`);
        continue;
      }
      await cluster.kill(victim, 'SIGKILL');
      done.push(`${stamp()}  killed ${victim} (${step.do === 'kill-leader' ? 'leader' : 'follower'} of partition ${step.group})`);
    } else if (step.do === 'restart') {
      const node = killed[step.step];
      if (node === undefined) continue;
      await cluster.restart(node);
      done.push(`${stamp()}  restarted ${node}`);
    }
  }
  return done;
}

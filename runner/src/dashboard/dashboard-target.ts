/** What `dashboard [target]` watches: a local cluster's folder, or (stage 3) the managers' addresses. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSource } from './cluster-source';
import { LocalClusterSource } from './local-source';
import { RemoteClusterSource } from './remote-source';

/** The source a target names: a folder with a saved cluster layout, or a list of managers. */
export function sourceFor(stage: string, target: string): ClusterSource {
  if (fs.existsSync(path.join(target, 'cluster.json'))) {
    const source = LocalClusterSource.load(target);
    if (source.info.stage !== stage) throw new Error(`${target} holds a ${source.info.stage} cluster, not a ${stage} one: use just ${source.info.stage}::dashboard`);
    return source;
  }
  if (/^[^/,\s]+:\d+(,[^/,\s]+:\d+)*$/.test(target)) {
    if (stage !== 'p3') throw new Error(`a ${stage} cluster is watched through its folder (its nodes have no status RPC to ask): give the folder of a cluster started with just ${stage}::cluster`);
    return new RemoteClusterSource(target.split(','));
  }
  throw new Error(`no cluster at ${target}: give the folder of a local cluster (just ${stage}::cluster starts one)${stage === 'p3' ? ' or the managers as host:port,host:port,…' : ''}`);
}


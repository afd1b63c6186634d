/**
 * The dashboard's source over a stage-3 cluster known by its managers' addresses (on this
 * machine or not): the manager replicas are the managers given, the server replicas those of
 * the manager group's map (asked again until it answers). Each node is asked its status; one
 * refusing connections shows as down, one not answering in time as not answering. It
 * performs no action: its nodes are processes the dashboard has no hold on.
 */
import { queryStatus } from '../../../kvstore/src/status/query-status';
import { replicaAddresses, partitionCount, type PartitionMap } from '../../../kvstore/src/cluster/partition-map';
import { CallTimeoutError } from '../../../kvstore/src/wire/rpc-connection';
import type { NodeAnswer } from '../cluster/cluster-status';
import type { GroupSpec } from '../cluster/layout';
import { fetchMap } from '../record/topology';
import type { ClusterSource, DashboardAction, SourceInfo } from './cluster-source';
import type { Observation, ObservedNode } from './dashboard-model';

export class RemoteClusterSource implements ClusterSource {
  readonly info: SourceInfo;
  private map: PartitionMap | undefined;
  private mapProblem: string | undefined;

  constructor(
    private readonly managers: readonly string[],
    private readonly statusTimeoutMs = 1000,
  ) {
    this.info = {
      stage: 'p3',
      target: managers.join(','),
      actions: [],
      readOnlyReason: 'watching a cluster by its managers: faults can be injected only into a local cluster the dashboard is given by its folder',
    };
  }

  /** Why the servers are not shown, while the map is unknown. */
  get problem(): string | undefined {
    return this.map === undefined ? this.mapProblem : undefined;
  }

  private async addresses(): Promise<Array<{ group: GroupSpec; addresses: string[] }>> {
    if (this.map === undefined) {
      const map = await fetchMap(this.managers, 1000);
      if (typeof map === 'string') this.mapProblem = map;
      else this.map = map;
    }
    const out = [{ group: { id: 'm', members: this.managers.map((_, i) => `m.${i}`) }, addresses: [...this.managers] }];
    if (this.map !== undefined) {
      for (let p = 0; p < partitionCount(this.map); p++) {
        const addresses = replicaAddresses(this.map, p);
        out.push({ group: { id: String(p), members: addresses.map((_, r) => `s${p}.${r}`) }, addresses });
      }
    }
    return out;
  }

  async observe(): Promise<Observation> {
    const t = Date.now();
    const groups = await this.addresses();
    const nodes = await Promise.all(
      groups.flatMap(({ group, addresses }) =>
        group.members.map(async (node, i): Promise<ObservedNode> => {
          const address = addresses[i]!;
          let answer: NodeAnswer;
          try {
            answer = { state: 'up', status: await queryStatus(address, this.statusTimeoutMs) };
          } catch (err) {
            answer = err instanceof CallTimeoutError ? { state: 'silent', why: `no answer within ${this.statusTimeoutMs} ms` } : { state: 'down' };
          }
          return { node, group: group.id, address, answer };
        }),
      ),
    );
    return { t, nodes, groups: groups.map((g) => g.group), faults: [] };
  }

  perform(_action: DashboardAction): Promise<string> {
    return Promise.reject(new Error(this.info.readOnlyReason));
  }
}

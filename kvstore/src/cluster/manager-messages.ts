/**
 * Messages to the manager. Servers register (and keep re-registering, as a
 * heartbeat, so a restarted manager relearns them); clients ask for the map
 * once, and again only when a server says a key is not theirs.
 *
 * Stage 3's replicated manager takes the same messages; a server replica says
 * which replica of its partition it is, and the map carries `rf`. A manager
 * replica that is not the leader answers `not_leader` with the leader's replica
 * id as hint.
 */
import { isRecord } from '../wire/envelope';
import type { PartitionMap } from './partition-map';

export type ManagerRequest =
  /** A server announcing that it serves `partition` (as replica `replica`, stage 3) at `address`. Reply: RegisterReply. */
  | { type: 'register'; partition: number; replica?: number; address: string }
  /** A client asking for the map. Reply: MapReply, or an `unavailable` error until every server has registered. */
  | { type: 'get_map' };

export interface RegisterReply {
  map: PartitionMap;
}

export interface MapReply {
  map: PartitionMap;
}

export function parseManagerRequest(body: unknown): ManagerRequest | string {
  if (!isRecord(body)) return 'not a manager request';
  if (body.type === 'get_map') return { type: 'get_map' };
  if (body.type === 'register') {
    if (!Number.isSafeInteger(body.partition) || (body.partition as number) < 0) return 'register needs a partition id';
    if (typeof body.address !== 'string') return 'register needs an address';
    if (body.replica === undefined || body.replica === null) return { type: 'register', partition: body.partition as number, address: body.address };
    if (!Number.isSafeInteger(body.replica) || (body.replica as number) < 0) return 'register: replica must be a replica id';
    return { type: 'register', partition: body.partition as number, replica: body.replica as number, address: body.address };
  }
  return `unknown manager request ${JSON.stringify(body.type)}`;
}

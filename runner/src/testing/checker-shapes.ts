/**
 * The history shapes the checker is measured on (`npm run bench:checker`), and the figures a
 * Porcupine-based checker reached on histories of these shapes on this 2-core machine (the
 * yardstick printed when no external checker is given to compare with in the same run).
 *
 * The crash shapes are 5 clients, 16,000 operations, single-key operations unless noted:
 * writes that never returned (a client killed, requests in flight at the end of a run) and
 * intervals widened on both sides (a paused leader, an election), as stage 3's nemesis makes.
 */
import type { HistoryOp } from '../check/history';
import { type GenOptions, generateHistory } from './history-gen';

export interface CheckerShape {
  name: string;
  description: string;
  generate: () => HistoryOp[];
  /** Seconds the checkers get (both end UNKNOWN past it). */
  timeoutSeconds: number;
  /** Porcupine's figures on a history of this shape, measured earlier on this machine. */
  yardstick: string;
}

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `key${String(i).padStart(5, '0')}`);

/** 5 clients x 3,200 operations, the usual mix, no slow outliers (as a fuzz run against a healthy server). */
function crash(opts: Partial<GenOptions> & { keys: string[] }): () => HistoryOp[] {
  return () => generateHistory({ clients: 5, opsPerClient: 3200, seed: 1, scans: false, slowOpRate: 0, ...opts });
}

export const CHECKER_SHAPES: CheckerShape[] = [
  {
    name: 'pending-10',
    description: '1 key, 10 writes that never returned',
    generate: crash({ keys: keys(1), pendingWrites: 10 }),
    timeoutSeconds: 120,
    yardstick: '0.1 s, 124 MB',
  },
  {
    name: 'pending-50',
    description: '1 key, 50 writes that never returned',
    generate: crash({ keys: keys(1), pendingWrites: 50 }),
    timeoutSeconds: 120,
    yardstick: '0.4 s',
  },
  {
    name: 'pending-60-2keys',
    description: '2 keys, 60 writes that never returned',
    generate: crash({ keys: keys(2), pendingWrites: 60 }),
    timeoutSeconds: 120,
    yardstick: '0.1 s',
  },
  {
    name: 'widened',
    description: '1 key, every interval widened (about 12 operations overlap)',
    generate: crash({ keys: keys(1), widen: 4 }),
    timeoutSeconds: 120,
    yardstick: '1.3-1.6 s',
  },
  {
    name: 'five-keys',
    description: '5 keys, nothing pending',
    generate: crash({ keys: keys(5) }),
    timeoutSeconds: 120,
    yardstick: '0.05 s',
  },
  {
    name: 'widened-scans',
    description: '5 keys, widened further (about 100 overlap), with SCANs',
    generate: crash({ keys: keys(5), widen: 100, scans: true }),
    timeoutSeconds: 20,
    yardstick: 'Unknown at its timeout',
  },
  {
    name: 'hopeless',
    description: '5 keys with SCANs, widened until about 600 operations overlap',
    generate: crash({ keys: keys(5), widen: 300, scans: true }),
    timeoutSeconds: 20,
    yardstick: 'Unknown at its timeout',
  },
];

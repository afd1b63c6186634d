/**
 * The key-value store as a model for the search: one register per key (P-compositionality:
 * a history is linearizable iff each key's sub-history is). A key's state is an interned
 * value id, 0 meaning "absent". A SCAN becomes one read per key it covers (the stage specs
 * only ask each returned pair to be a real-time-valid read of its own key).
 */
import type { HistoryOp } from './history';
import type { Model, TimedOp } from './search';

export const ABSENT = 0;
/** `out` of an operation that never returned: any result is acceptable. */
export const UNKNOWN = -1;

export type KeyOpKind = 'PUT' | 'SWAP' | 'GET' | 'DELETE' | 'READ';

export interface KeyOp {
  kind: KeyOpKind;
  /** Value id written by PUT/SWAP. */
  arg: number;
  /** PUT/DELETE: 1 found, 0 not found; GET/SWAP/READ: value id seen (ABSENT for null); UNKNOWN if never returned. */
  out: number;
  /** Index of the operation in the history (a READ points at its SCAN). */
  source: number;
  /**
   * For an operation carried across a cut of the history (still in flight there): its bit in
   * the state's mask of carried operations already applied (so it takes effect at most once).
   * 0 otherwise.
   */
  bit: number;
}

/**
 * A state is a value id plus, above VALUE_SPACE, the mask of carried operations that have
 * taken effect: value + mask * VALUE_SPACE (exact in a double for masks < 2^24).
 */
export const VALUE_SPACE = 2 ** 28;
export const MAX_CARRIED = 24;

export function valueOfState(state: number): number {
  return state < VALUE_SPACE ? state : state % VALUE_SPACE;
}

function stepValue(value: number, op: KeyOp): number | undefined {
  switch (op.kind) {
    case 'PUT':
      if (op.out !== UNKNOWN && (op.out === 1) !== (value !== ABSENT)) return undefined;
      return op.arg;
    case 'SWAP':
      if (op.out !== UNKNOWN && op.out !== value) return undefined;
      return op.arg;
    case 'GET':
    case 'READ':
      return op.out === value ? value : undefined;
    case 'DELETE':
      if (op.out !== UNKNOWN && (op.out === 1) !== (value !== ABSENT)) return undefined;
      return ABSENT;
  }
}

export const kvModel: Model<KeyOp> = {
  step(state: number, op: KeyOp): number | undefined {
    if (state < VALUE_SPACE && op.bit === 0) return stepValue(state, op);
    const value = state % VALUE_SPACE;
    const mask = Math.floor(state / VALUE_SPACE);
    if ((mask & op.bit) !== 0) return undefined;
    const after = stepValue(value, op);
    return after === undefined ? undefined : after + (mask | op.bit) * VALUE_SPACE;
  },
  isApplied(state: number, op: KeyOp): boolean {
    return op.bit !== 0 && state >= VALUE_SPACE && (Math.floor(state / VALUE_SPACE) & op.bit) !== 0;
  },
};

/** The state with `bit` removed from its mask of applied carried operations. */
export function clearBit(state: number, bit: number): number {
  const mask = Math.floor(state / VALUE_SPACE);
  return (mask & bit) === 0 ? state : state - bit * VALUE_SPACE;
}

/** Value strings of one key, interned to small integers. */
export class ValueTable {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = ['(absent)'];

  id(value: string | null): number {
    if (value === null) return ABSENT;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(value, id);
      this.names.push(value);
    }
    return id;
  }

  value(id: number): string | null {
    return id === ABSENT ? null : (this.names[id] ?? null);
  }
}

/** Why `op` cannot take effect when the key holds `state`, in words (for failure reports). */
export function explainIllegal(op: KeyOp, fullState: number, values: ValueTable, show: (v: string | null) => string): string {
  if (op.bit !== 0 && (Math.floor(fullState / VALUE_SPACE) & op.bit) !== 0) return 'already took effect earlier';
  const state = valueOfState(fullState);
  const now = state === ABSENT ? 'the key is absent' : `the value is ${show(values.value(state))}`;
  switch (op.kind) {
    case 'PUT':
    case 'DELETE':
      return `answered ${op.out === 1 ? 'found' : 'not_found'}, but ${now}`;
    case 'SWAP':
      return `returned old value ${show(values.value(op.out))}, but ${now}`;
    case 'GET':
    case 'READ':
      return `read ${show(values.value(op.out))}, but ${now}`;
  }
}

export interface KeyHistory {
  key: string;
  values: ValueTable;
  ops: Array<TimedOp<KeyOp>>;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in sorted `keys` that is >= `k`. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The keys the history "knows": those of single-key operations and the bounds of SCANs.
 * A SCAN may return other keys (left in the store by earlier runs); those are not checked.
 */
export function knownKeys(history: readonly HistoryOp[]): string[] {
  const keys = new Set<string>();
  for (const op of history) {
    if (op.op === 'SCAN') {
      keys.add(op.start);
      keys.add(op.end);
    } else {
      keys.add(op.key);
    }
  }
  return [...keys].sort(compareKeys);
}

/**
 * Split a history into one sub-history per known key. Reads that never returned are
 * dropped (they constrain nothing); writes that never returned stay, with an unknown
 * result and a return time of Infinity.
 */
export function splitByKey(history: readonly HistoryOp[]): KeyHistory[] {
  const keys = knownKeys(history);
  const perKey = new Map<string, KeyHistory>();
  for (const key of keys) perKey.set(key, { key, values: new ValueTable(), ops: [] });
  const add = (key: string, call: number, ret: number | null, make: (values: ValueTable) => KeyOp): void => {
    const kh = perKey.get(key)!;
    kh.ops.push({ call, ret: ret ?? Infinity, op: make(kh.values) });
  };
  history.forEach((op, source) => {
    const pending = op.ret === null;
    switch (op.op) {
      case 'PUT':
      case 'DELETE':
        add(op.key, op.call, op.ret, (v) => ({
          kind: op.op,
          arg: op.op === 'PUT' ? v.id(op.value) : ABSENT,
          out: pending ? UNKNOWN : op.result === 'found' ? 1 : 0,
          source,
          bit: 0,
        }));
        break;
      case 'SWAP':
        add(op.key, op.call, op.ret, (v) => ({ kind: 'SWAP', arg: v.id(op.value), out: pending ? UNKNOWN : v.id(op.result), source, bit: 0 }));
        break;
      case 'GET':
        if (!pending) add(op.key, op.call, op.ret, (v) => ({ kind: 'GET', arg: ABSENT, out: v.id(op.result), source, bit: 0 }));
        break;
      case 'SCAN': {
        if (pending || op.result === null || op.start > op.end) break;
        const returned = new Map(op.result);
        for (let i = lowerBound(keys, op.start); i < keys.length && keys[i]! <= op.end; i++) {
          const key = keys[i]!;
          add(key, op.call, op.ret, (v) => ({ kind: 'READ', arg: ABSENT, out: v.id(returned.get(key) ?? null), source, bit: 0 }));
        }
        break;
      }
    }
  });
  return [...perKey.values()];
}

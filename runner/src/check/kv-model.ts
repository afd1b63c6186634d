/**
 * The key-value store as the checker sees it: one register per key (P-compositionality: a
 * history is linearizable iff each key's sub-history is). A key's state is an interned value
 * id, 0 meaning "absent". A SCAN becomes one read per key it covers (the stage specs only ask
 * each returned pair to be a real-time-valid read of its own key).
 */
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
}

export interface TimedOp {
  call: number;
  /** Infinity for an operation that never returned. */
  ret: number;
  op: KeyOp;
  /**
   * A legal order need not place this operation and its return binds nothing, though if it
   * is placed it must match its result. Operations that never returned are always optional.
   */
  optional?: boolean;
}

/** Operation kinds as small integers, for the columns. */
export const KIND_CODES: readonly KeyOpKind[] = ['PUT', 'SWAP', 'GET', 'READ', 'DELETE'];
export const CODE_PUT = 0;
export const CODE_SWAP = 1;
export const CODE_GET = 2;
export const CODE_READ = 3;
export const CODE_DELETE = 4;

function codeOf(kind: KeyOpKind): number {
  return kind === 'PUT' ? CODE_PUT : kind === 'SWAP' ? CODE_SWAP : kind === 'GET' ? CODE_GET : kind === 'READ' ? CODE_READ : CODE_DELETE;
}

/**
 * A key's operations as columns of typed arrays (one entry per operation): what the search
 * reads, with no object per operation to allocate or collect. `op(i)` gives the object view.
 */
export class KeyOps {
  length = 0;
  call: Float64Array;
  /** Infinity for an operation that never returned. */
  ret: Float64Array;
  code: Uint8Array;
  arg: Int32Array;
  out: Int32Array;
  source: Int32Array;
  /** 1: a legal order need not place it, and its return binds nothing (see TimedOp.optional). */
  optional: Uint8Array;

  constructor(capacity = 16) {
    const c = Math.max(1, capacity);
    this.call = new Float64Array(c);
    this.ret = new Float64Array(c);
    this.code = new Uint8Array(c);
    this.arg = new Int32Array(c);
    this.out = new Int32Array(c);
    this.source = new Int32Array(c);
    this.optional = new Uint8Array(c);
  }

  push(call: number, ret: number, code: number, arg: number, out: number, source: number, optional: number): void {
    if (this.length === this.call.length) this.grow();
    const i = this.length++;
    this.call[i] = call;
    this.ret[i] = ret;
    this.code[i] = code;
    this.arg[i] = arg;
    this.out[i] = out;
    this.source[i] = source;
    this.optional[i] = optional;
  }

  op(i: number): TimedOp {
    const op: KeyOp = { kind: KIND_CODES[this.code[i]!]!, arg: this.arg[i]!, out: this.out[i]!, source: this.source[i]! };
    return this.optional[i] === 1 ? { call: this.call[i]!, ret: this.ret[i]!, op, optional: true } : { call: this.call[i]!, ret: this.ret[i]!, op };
  }

  toArray(): TimedOp[] {
    const out = new Array<TimedOp>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.op(i);
    return out;
  }

  /** A copy with room for `spare` more operations. */
  copy(spare = 0): KeyOps {
    const k = new KeyOps(this.length + spare);
    k.call.set(this.call.subarray(0, this.length));
    k.ret.set(this.ret.subarray(0, this.length));
    k.code.set(this.code.subarray(0, this.length));
    k.arg.set(this.arg.subarray(0, this.length));
    k.out.set(this.out.subarray(0, this.length));
    k.source.set(this.source.subarray(0, this.length));
    k.optional.set(this.optional.subarray(0, this.length));
    k.length = this.length;
    return k;
  }

  static of(ops: ReadonlyArray<TimedOp>): KeyOps {
    const k = new KeyOps(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const t = ops[i]!;
      k.push(t.call, t.ret, codeOf(t.op.kind), t.op.arg, t.op.out, t.op.source, t.optional === true ? 1 : 0);
    }
    return k;
  }

  private grow(): void {
    const c = this.call.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.call = grown(this.call, (n) => new Float64Array(n));
    this.ret = grown(this.ret, (n) => new Float64Array(n));
    this.code = grown(this.code, (n) => new Uint8Array(n));
    this.arg = grown(this.arg, (n) => new Int32Array(n));
    this.out = grown(this.out, (n) => new Int32Array(n));
    this.source = grown(this.source, (n) => new Int32Array(n));
    this.optional = grown(this.optional, (n) => new Uint8Array(n));
  }
}

/** The value after `op` (with its recorded result) when the key holds `value`, or undefined if illegal. */
export function stepValue(value: number, op: KeyOp): number | undefined {
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

export function isRead(op: KeyOp): boolean {
  return op.kind === 'GET' || op.kind === 'READ';
}

/** Which value ids of a key some operation writes (PUT, SWAP) and which some operation reads (GET, READ, SWAP's old value). */
export interface ValueUse {
  written: Uint8Array;
  read: Uint8Array;
}

/** Both flags in one pass over the key's operations. */
export function valueUse(ops: KeyOps, maxId: number): ValueUse {
  return valueUses([{ ops, maxId }])[0]!;
}

/**
 * valueUse of several keys in one call: V8 compiles the loop once for all of them (called
 * once per key, it was compiled again on entry for the next key).
 */
export function valueUses(keys: ReadonlyArray<{ ops: KeyOps; maxId: number }>): ValueUse[] {
  const uses: ValueUse[] = [];
  for (let k = 0; k < keys.length; k++) {
    const { ops, maxId } = keys[k]!;
    const written = new Uint8Array(maxId + 1);
    const read = new Uint8Array(maxId + 1);
    const codes = ops.code;
    const outs = ops.out;
    const args = ops.arg;
    for (let i = 0; i < ops.length; i++) {
      const c = codes[i]!;
      const out = outs[i]!;
      if (c === CODE_PUT || c === CODE_SWAP) written[args[i]!] = 1;
      if ((c === CODE_GET || c === CODE_READ || c === CODE_SWAP) && out !== UNKNOWN) read[out] = 1;
    }
    uses.push({ written, read });
  }
  return uses;
}

/**
 * Values of a key that no operation ever reads (no GET, READ or SWAP returns them) can be told
 * apart from "absent" but never from each other: merging them into one value changes no
 * step's legality, and the search then meets fewer distinct states. Returns, for each value id
 * 0..maxId, its representative (itself for ABSENT and for values something reads).
 */
export function mergeUnreadValues(ops: KeyOps, maxId: number): Int32Array {
  return representatives(valueUse(ops, maxId).read);
}

/** mergeUnreadValues, given which values are read (`read[v]` is 1). */
export function representatives(read: Uint8Array): Int32Array {
  const maxId = read.length - 1;
  const merged = maxId + 1;
  const map = new Int32Array(maxId + 1);
  for (let v = 0; v <= maxId; v++) map[v] = v === ABSENT || read[v] === 1 ? v : merged;
  return map;
}

/** Flags of ValueTable.uses. */
export const USE_WRITTEN = 1;
export const USE_READ = 2;

/**
 * Value strings of one key, interned to small integers; and, for a table filled while a
 * history is read (history-columns.ts), which values some operation writes and which some
 * operation reads, so no later pass over the operations is needed to find out.
 */
export class ValueTable {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = ['(absent)'];
  /** uses[id]: USE_WRITTEN and USE_READ as marked by written() and read(). */
  readonly uses: number[] = [0];

  id(value: string | null): number {
    if (value === null) return ABSENT;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(value, id);
      this.names.push(value);
      this.uses.push(0);
    }
    return id;
  }

  /** The id of a value some operation writes, marked so. */
  written(value: string): number {
    const id = this.id(value);
    this.uses[id]! |= USE_WRITTEN;
    return id;
  }

  /** The id of a value some operation reads (null: absent), marked so. */
  read(value: string | null): number {
    const id = this.id(value);
    this.uses[id]! |= USE_READ;
    return id;
  }

  /**
   * Each value's representative for the search, from the marks, in one pass: as
   * mergeUnreadValues gives it (values no operation reads are merged into one). Undefined if
   * some value is read but never written: no order explains that read (see use()).
   */
  representatives(): Int32Array | undefined {
    const n = this.names.length;
    const map = new Int32Array(n);
    const uses = this.uses;
    for (let v = 0; v < n; v++) {
      const read = (uses[v]! & USE_READ) !== 0;
      if (read && v !== ABSENT && (uses[v]! & USE_WRITTEN) === 0) return undefined;
      map[v] = v === ABSENT || read ? v : n;
    }
    return map;
  }

  /** The values written and read, as marked (ValueUse). */
  use(): ValueUse {
    const n = this.names.length;
    const written = new Uint8Array(n);
    const read = new Uint8Array(n);
    const uses = this.uses;
    for (let v = 0; v < n; v++) {
      const u = uses[v]!;
      written[v] = u & USE_WRITTEN;
      read[v] = (u & USE_READ) >>> 1;
    }
    return { written, read };
  }

  value(id: number): string | null {
    return id === ABSENT ? null : (this.names[id] ?? null);
  }

  /** The largest id handed out so far. */
  get maxId(): number {
    return this.names.length - 1;
  }
}

/** Why `op` cannot take effect when the key holds `state`, in words (for failure reports). */
export function explainIllegal(op: KeyOp, state: number, values: ValueTable, show: (v: string | null) => string): string {
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
  ops: KeyOps;
}

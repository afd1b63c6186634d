/**
 * YCSB's core workloads A–F (workloads/workload[a-f] of YCSB 0.17) and a CoreWorkload that
 * produces their operations the way site.ycsb.workloads.CoreWorkload does: hashed insert
 * order, the request distribution of the workload, 10 fields of 100 random bytes, uniform
 * scan lengths, read-modify-write as a read then an update.
 */
import {
  AcknowledgedCounterGenerator,
  CounterGenerator,
  DiscreteGenerator,
  type NumberGenerator,
  type RandomSource,
  ScrambledZipfianGenerator,
  SkewedLatestGenerator,
  UniformLongGenerator,
} from './generators';
import { buildKeyName } from './fnv';

export type WorkloadName = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
export const WORKLOAD_NAMES: readonly WorkloadName[] = ['a', 'b', 'c', 'd', 'e', 'f'];

export interface WorkloadSpec {
  recordcount: number;
  readproportion: number;
  updateproportion: number;
  insertproportion: number;
  scanproportion: number;
  readmodifywriteproportion: number;
  requestdistribution: 'zipfian' | 'latest' | 'uniform';
  maxscanlength: number;
  fieldcount: number;
  fieldlength: number;
}

const BASE: WorkloadSpec = {
  recordcount: 1000,
  readproportion: 0,
  updateproportion: 0,
  insertproportion: 0,
  scanproportion: 0,
  readmodifywriteproportion: 0,
  requestdistribution: 'zipfian',
  maxscanlength: 1000,
  fieldcount: 10,
  fieldlength: 100,
};

/** The six workload files, property by property. */
export const WORKLOADS: Record<WorkloadName, WorkloadSpec> = {
  a: { ...BASE, readproportion: 0.5, updateproportion: 0.5 },
  b: { ...BASE, readproportion: 0.95, updateproportion: 0.05 },
  c: { ...BASE, readproportion: 1 },
  d: { ...BASE, readproportion: 0.95, insertproportion: 0.05, requestdistribution: 'latest' },
  e: { ...BASE, scanproportion: 0.95, insertproportion: 0.05, maxscanlength: 100 },
  f: { ...BASE, readproportion: 0.5, readmodifywriteproportion: 0.5 },
};

export const TABLE = 'usertable';

/** One operation as YCSB's `basic` binding would print it. */
export type YcsbOp =
  | { op: 'INSERT'; key: string; fields: Array<[string, string]> }
  | { op: 'UPDATE'; key: string; fields: Array<[string, string]> }
  | { op: 'READ'; key: string }
  | { op: 'SCAN'; key: string; count: number }
  | { op: 'READ-MODIFY-WRITE'; key: string; fields: Array<[string, string]> };

/** Java's String.hashCode, for the iteration order of YCSB's HashMap of fields. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The order a java.util.HashMap (16 buckets) iterates these keys in, inserted in this order. */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const bucket = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & 15;
  };
  return keys.map((k, i) => ({ k, i, b: bucket(k) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.k);
}

/**
 * RandomByteIterator's bytes: each 32-bit draw gives 6 characters from ' ' upwards with
 * masks 31, 63, 95, 31, 63, 95 (so spaces occur, which the adapter splits on, and DEL 0x7f, which it sends unchanged).
 */
export function randomFieldValue(random: { nextUint32(): number }, length: number): string {
  const bytes = length <= SCRATCH.length ? SCRATCH : Buffer.allocUnsafe(length + 6);
  for (let base = 0; base < length; base += 6) {
    const b = random.nextUint32() | 0;
    bytes[base] = (b & 31) + 32;
    bytes[base + 1] = ((b >> 5) & 63) + 32;
    bytes[base + 2] = ((b >> 10) & 95) + 32;
    bytes[base + 3] = ((b >> 15) & 31) + 32;
    bytes[base + 4] = ((b >> 20) & 63) + 32;
    bytes[base + 5] = ((b >> 25) & 95) + 32;
  }
  // Bytes past `length` of the last draw are written and left out, as YCSB leaves them unused.
  return bytes.toString('latin1', 0, length);
}

/** Room for a field of the workloads' 100 bytes and more; one value is built at a time. */
const SCRATCH = Buffer.alloc(4096 + 6);

export interface WorkloadRandom extends RandomSource {
  nextUint32(): number;
}

/** One client's CoreWorkload (one YCSB process of the template: its own counters and generators). */
export class CoreWorkload {
  private readonly fieldnames: string[];
  private readonly fieldOrder: string[];
  private readonly keysequence: CounterGenerator;
  private readonly transactioninsertkeysequence: AcknowledgedCounterGenerator;
  private readonly operationchooser: DiscreteGenerator<YcsbOp['op']>;
  private readonly keychooser: NumberGenerator;
  private readonly fieldchooser: UniformLongGenerator;
  private readonly scanlength: UniformLongGenerator;

  constructor(
    readonly spec: WorkloadSpec,
    private readonly random: WorkloadRandom,
    operationcount: number,
  ) {
    this.fieldnames = Array.from({ length: spec.fieldcount }, (_, i) => `field${i}`);
    this.fieldOrder = javaHashMapOrder(this.fieldnames);
    const insertstart = 0;
    const insertcount = spec.recordcount - insertstart;
    this.keysequence = new CounterGenerator(insertstart);
    this.operationchooser = new DiscreteGenerator(random);
    if (spec.readproportion > 0) this.operationchooser.addValue(spec.readproportion, 'READ');
    if (spec.updateproportion > 0) this.operationchooser.addValue(spec.updateproportion, 'UPDATE');
    if (spec.insertproportion > 0) this.operationchooser.addValue(spec.insertproportion, 'INSERT');
    if (spec.scanproportion > 0) this.operationchooser.addValue(spec.scanproportion, 'SCAN');
    if (spec.readmodifywriteproportion > 0) this.operationchooser.addValue(spec.readmodifywriteproportion, 'READ-MODIFY-WRITE');
    this.transactioninsertkeysequence = new AcknowledgedCounterGenerator(spec.recordcount);
    switch (spec.requestdistribution) {
      case 'uniform':
        this.keychooser = new UniformLongGenerator(random, insertstart, insertstart + insertcount - 1);
        break;
      case 'zipfian': {
        // Room for the keys this run will insert, so their popularity does not shift (2 = YCSB's fudge factor).
        const expectednewkeys = Math.trunc(operationcount * spec.insertproportion * 2.0);
        this.keychooser = new ScrambledZipfianGenerator(random, insertstart, insertstart + insertcount + expectednewkeys);
        break;
      }
      case 'latest':
        this.keychooser = new SkewedLatestGenerator(random, this.transactioninsertkeysequence);
        break;
    }
    this.fieldchooser = new UniformLongGenerator(random, 0, spec.fieldcount - 1);
    this.scanlength = new UniformLongGenerator(random, 1, spec.maxscanlength);
  }

  /** The load phase's next insert (records 0, 1, … in hashed key order). */
  nextInsert(): YcsbOp {
    const keynum = this.keysequence.nextValue();
    const key = buildKeyName(keynum);
    return { op: 'INSERT', key, fields: this.buildValues() };
  }

  /** The run phase's next transaction. */
  nextTransaction(): YcsbOp {
    const operation = this.operationchooser.nextValue();
    switch (operation) {
      case 'READ':
        return { op: 'READ', key: buildKeyName(this.nextKeynum()) };
      case 'UPDATE':
        return { op: 'UPDATE', key: buildKeyName(this.nextKeynum()), fields: this.buildSingleValue() };
      case 'INSERT': {
        const keynum = this.transactioninsertkeysequence.nextValue();
        const op: YcsbOp = { op: 'INSERT', key: buildKeyName(keynum), fields: this.buildValues() };
        // One client thread: the insert is acknowledged before the next transaction is chosen.
        this.transactioninsertkeysequence.acknowledge(keynum);
        return op;
      }
      case 'SCAN': {
        const key = buildKeyName(this.nextKeynum());
        return { op: 'SCAN', key, count: this.scanlength.nextValue() };
      }
      case 'READ-MODIFY-WRITE':
        return { op: 'READ-MODIFY-WRITE', key: buildKeyName(this.nextKeynum()), fields: this.buildSingleValue() };
    }
  }

  private nextKeynum(): number {
    let keynum: number;
    do {
      keynum = this.keychooser.nextValue();
    } while (keynum > this.transactioninsertkeysequence.lastValue());
    return keynum;
  }

  private buildValues(): Array<[string, string]> {
    return this.fieldOrder.map((f) => [f, randomFieldValue(this.random, this.spec.fieldlength)]);
  }

  private buildSingleValue(): Array<[string, string]> {
    const f = this.fieldnames[this.fieldchooser.nextValue()]!;
    return [[f, randomFieldValue(this.random, this.spec.fieldlength)]];
  }
}

/**
 * The fuzz workload, as the template defines it: each client works on its own key list
 * (shared `key00000`… with --conflict, else random 8-character keys), values are random
 * 16 characters, and the mix is PUT 20 %, SWAP 20 %, GET 30 %, SCAN 20 % (between two of the
 * client's keys), DELETE 10 %.
 */
import type { KvCall } from '../clients/protocol';
import { SeededRandom } from '../random';

export const KEY_LEN = 8;
export const VALUE_LEN = 16;

export function fuzzKeys(numClis: number, numKeys: number, conflict: boolean, rnd: SeededRandom): string[][] {
  if (conflict) {
    const shared = Array.from({ length: numKeys }, (_, i) => `key${String(i).padStart(KEY_LEN - 3, '0')}`);
    return Array.from({ length: numClis }, () => [...shared]);
  }
  const used = new Set<string>();
  return Array.from({ length: numClis }, () =>
    Array.from({ length: numKeys }, () => {
      let k = rnd.alphanumeric(KEY_LEN);
      while (used.has(k)) k = rnd.alphanumeric(KEY_LEN);
      used.add(k);
      return k;
    }),
  );
}

export class OpCounts {
  put = 0;
  swap = 0;
  get = 0;
  scan = 0;
  delete = 0;

  count(call: KvCall): void {
    switch (call.op) {
      case 'PUT':
        this.put++;
        break;
      case 'SWAP':
        this.swap++;
        break;
      case 'GET':
        this.get++;
        break;
      case 'SCAN':
        this.scan++;
        break;
      case 'DELETE':
        this.delete++;
        break;
    }
  }

  /** The template's line; the report scripts sum its numbers as the operations checked. */
  line(): string {
    return `  Ops stats:  Put ${this.put}  Swap ${this.swap}  Get ${this.get}  Scan ${this.scan}  Delete ${this.delete}`;
  }
}

/** One client's stream of random operations over its keys. */
export class FuzzOpSource {
  readonly keyFreq: number[];

  constructor(
    private readonly keys: readonly string[],
    private readonly rnd: SeededRandom,
  ) {
    this.keyFreq = keys.map(() => 0);
  }

  next(): KvCall {
    const r = this.rnd.nextInt(10);
    const pick = (): string => {
      const i = this.rnd.nextInt(this.keys.length);
      this.keyFreq[i]!++;
      return this.keys[i]!;
    };
    if (r <= 1) return { op: 'PUT', key: pick(), value: this.rnd.alphanumeric(VALUE_LEN) };
    if (r <= 3) return { op: 'SWAP', key: pick(), value: this.rnd.alphanumeric(VALUE_LEN) };
    if (r <= 6) return { op: 'GET', key: pick() };
    if (r <= 8) {
      const a = pick();
      const b = pick();
      return a <= b ? { op: 'SCAN', start: a, end: b } : { op: 'SCAN', start: b, end: a };
    }
    return { op: 'DELETE', key: pick() };
  }
}

/**
 * A directed multigraph of typed edges and what the cycle search needs from it: strongly
 * connected components (Tarjan, iterative so a long chain does not exhaust the stack) and
 * shortest paths (BFS), each over the edges whose type is in a mask.
 */

export const WW = 0;
export const WR = 1;
export const RW = 2;
export const RT = 3;
export type EdgeType = typeof WW | typeof WR | typeof RW | typeof RT;

export const mask = (...types: EdgeType[]): number => types.reduce<number>((m, t) => m | (1 << t), 0);

export class Graph {
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly type: EdgeType[] = [];
  private adjStart: Int32Array | undefined;
  private adjEdges: Int32Array | undefined;

  constructor(readonly nodes: number) {}

  /** Adds an edge and returns its index (self-loops are the caller's to avoid). */
  add(from: number, to: number, type: EdgeType): number {
    this.adjStart = undefined;
    this.from.push(from);
    this.to.push(to);
    this.type.push(type);
    return this.from.length - 1;
  }

  get edgeCount(): number {
    return this.from.length;
  }

  private adjacency(): { start: Int32Array; edges: Int32Array } {
    if (this.adjStart === undefined || this.adjEdges === undefined) {
      const start = new Int32Array(this.nodes + 1);
      for (const f of this.from) start[f + 1]!++;
      for (let v = 0; v < this.nodes; v++) start[v + 1]! += start[v]!;
      const fill = start.slice(0, this.nodes);
      const edges = new Int32Array(this.from.length);
      for (let e = 0; e < this.from.length; e++) edges[fill[this.from[e]!]!++] = e;
      this.adjStart = start;
      this.adjEdges = edges;
    }
    return { start: this.adjStart, edges: this.adjEdges! };
  }

  /** Component number of every node over the edges in `m`; nodes share a number iff they are in one SCC. */
  components(m: number): Int32Array {
    const { start, edges } = this.adjacency();
    const n = this.nodes;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const comp = new Int32Array(n).fill(-1);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    const callNode: number[] = [];
    const callPos: number[] = [];
    let next = 0;
    let comps = 0;
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1) continue;
      callNode.push(root);
      callPos.push(start[root]!);
      index[root] = low[root] = next++;
      stack.push(root);
      onStack[root] = 1;
      while (callNode.length > 0) {
        const v = callNode[callNode.length - 1]!;
        let pos = callPos[callPos.length - 1]!;
        let descended = false;
        while (pos < start[v + 1]!) {
          const e = edges[pos++]!;
          if (((m >> this.type[e]!) & 1) === 0) continue;
          const w = this.to[e]!;
          if (index[w] === -1) {
            callPos[callPos.length - 1] = pos;
            index[w] = low[w] = next++;
            stack.push(w);
            onStack[w] = 1;
            callNode.push(w);
            callPos.push(start[w]!);
            descended = true;
            break;
          }
          if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
        }
        if (descended) continue;
        callNode.pop();
        callPos.pop();
        if (low[v] === index[v]) {
          for (;;) {
            const w = stack.pop()!;
            onStack[w] = 0;
            comp[w] = comps;
            if (w === v) break;
          }
          comps++;
        }
        const parent = callNode[callNode.length - 1];
        if (parent !== undefined && low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
    return comp;
  }

  /**
   * The edges of a shortest path from `src` to `dst` over edges in `m` that stay inside
   * `src`'s component of `comp` (undefined when there is none).
   */
  shortestPath(src: number, dst: number, m: number, comp: Int32Array): number[] | undefined {
    const { start, edges } = this.adjacency();
    const via = new Map<number, number>([[src, -1]]);
    const c = comp[src];
    let frontier = [src];
    while (frontier.length > 0 && !via.has(dst)) {
      const nextFrontier: number[] = [];
      for (const v of frontier) {
        for (let p = start[v]!; p < start[v + 1]!; p++) {
          const e = edges[p]!;
          if (((m >> this.type[e]!) & 1) === 0) continue;
          const w = this.to[e]!;
          if (comp[w] !== c || via.has(w)) continue;
          via.set(w, e);
          nextFrontier.push(w);
        }
      }
      frontier = nextFrontier;
    }
    if (!via.has(dst)) return undefined;
    const path: number[] = [];
    for (let v = dst; v !== src; ) {
      const e = via.get(v)!;
      path.push(e);
      v = this.from[e]!;
    }
    return path.reverse();
  }
}

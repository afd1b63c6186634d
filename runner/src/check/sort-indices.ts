/**
 * Stable sort of indices by a numeric key. The checker sorts each key's operations by call
 * and by return time; a history is written in return order, so the call times are nearly
 * sorted already (an operation is out of place by about the number of operations overlapping
 * it), except for the operations that never returned: they are written last, whenever they
 * were called. So: an insertion sort that moves an element at most REACH places; one that
 * would go farther (such a straggler) is set aside, the stragglers are merge-sorted, and the
 * two sorted lists merged. A nearly sorted history costs about n * overlap moves, its
 * stragglers about REACH each; if many are set aside, the whole input is merge-sorted, so no
 * input costs more than O(n log n). Plain loops over typed arrays: no comparator call per
 * comparison, fast even before the code is optimised.
 */
const REACH = 32;

export function sortIndicesBy(keys: Float64Array): Int32Array {
  const n = keys.length;
  const order = new Int32Array(n);
  const aside = new Int32Array(n);
  let sorted = 0;
  let stragglers = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    // Insert after every element with a key <= k (stable), unless that is more than REACH back.
    let j = sorted - 1;
    const stop = Math.max(-1, sorted - 1 - REACH);
    while (j > stop && keys[order[j]!]! > k) j--;
    if (j >= 0 && j === stop && keys[order[j]!]! > k) {
      aside[stragglers++] = i;
      if (4 * stragglers > n + 64) return mergeSortIndices(keys, identity(n));
      continue;
    }
    for (let x = sorted; x > j + 1; x--) order[x] = order[x - 1]!;
    order[j + 1] = i;
    sorted++;
  }
  if (stragglers === 0) return order;
  const late = mergeSortIndices(keys, aside.slice(0, stragglers));
  // Merge; on equal keys the smaller index first (both lists hold indices in sorted order of key, then index).
  const out = new Int32Array(n);
  let a = sorted - 1;
  let b = stragglers - 1;
  for (let o = n - 1; o >= 0; o--) {
    if (b < 0 || (a >= 0 && (keys[order[a]!]! > keys[late[b]!]! || (keys[order[a]!]! === keys[late[b]!]! && order[a]! > late[b]!)))) out[o] = order[a--]!;
    else out[o] = late[b--]!;
  }
  return out;
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Merge sort of `indices` (which must be in increasing order, for stability) by key. */
function mergeSortIndices(keys: Float64Array, indices: Int32Array): Int32Array {
  const n = indices.length;
  let a: Int32Array = indices;
  let b: Int32Array = new Int32Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) b[k++] = keys[a[j]!]! < keys[a[i]!]! ? a[j++]! : a[i++]!;
      while (i < mid) b[k++] = a[i++]!;
      while (j < hi) b[k++] = a[j++]!;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

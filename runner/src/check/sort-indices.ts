/**
 * Stable sort of indices by a numeric key. The checker sorts each key's operations by call
 * and by return time; a history is written in return order, so the call times are nearly
 * sorted already (an operation is out of place by about the number of operations overlapping
 * it). Insertion sort handles that in about n * overlap moves; if the input turns out far from
 * sorted, a merge sort takes over, so no input costs more than O(n log n). Plain loops over
 * typed arrays: no comparator call per comparison, fast even before the code is optimised.
 */
export function sortIndicesBy(keys: Float64Array): Int32Array {
  const n = keys.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let movesLeft = 16 * n + 1024;
  for (let i = 1; i < n; i++) {
    const x = order[i]!;
    const k = keys[x]!;
    let j = i - 1;
    while (j >= 0 && keys[order[j]!]! > k) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = x;
    movesLeft -= i - 1 - j;
    if (movesLeft < 0) return mergeSortIndices(keys);
  }
  return order;
}

function mergeSortIndices(keys: Float64Array): Int32Array {
  const n = keys.length;
  let a = new Int32Array(n);
  let b = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
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

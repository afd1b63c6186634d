/**
 * YCSB's key names, bit-exact: `Utils.fnvhash64` is a 64-bit FNV-1 over the 8 low-order
 * bytes of a Java `long`, with Java's wrapping signed arithmetic, then `Math.abs` (which
 * leaves Long.MIN_VALUE negative). BigInt gives the exact 64-bit behaviour.
 */

const FNV_OFFSET_BASIS_64 = BigInt.asIntN(64, 0xcbf29ce484222325n);
const FNV_PRIME_64 = 1099511628211n;

/** Utils.fnvhash64(val), as a signed 64-bit value. */
export function fnvhash64(value: bigint | number): bigint {
  let val = BigInt.asIntN(64, BigInt(value));
  let hashval = FNV_OFFSET_BASIS_64;
  for (let i = 0; i < 8; i++) {
    const octet = val & 0xffn;
    val = val >> 8n; // arithmetic shift, as Java's >> on a long
    hashval = BigInt.asIntN(64, hashval ^ octet);
    hashval = BigInt.asIntN(64, hashval * FNV_PRIME_64);
  }
  // Math.abs(Long.MIN_VALUE) overflows back to Long.MIN_VALUE.
  return hashval < 0n ? BigInt.asIntN(64, -hashval) : hashval;
}

/** CoreWorkload.buildKeyName: `user` + the (hashed, unless ordered) record number, zero-padded. */
export function buildKeyName(keynum: number, zeropadding = 1, orderedInserts = false): string {
  const value = orderedInserts ? String(keynum) : fnvhash64(keynum).toString();
  const fill = zeropadding - value.length;
  return `user${fill > 0 ? '0'.repeat(fill) : ''}${value}`;
}

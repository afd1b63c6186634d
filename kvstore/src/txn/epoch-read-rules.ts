/**
 * M7, the epoch read rules, as one decision a participant makes for each version a read
 * would return:
 * - the version belongs to a newer epoch than the reading transaction → the reader aborts;
 * - it belongs to an older epoch and its fate is still open (not covered by that epoch's
 *   vector watermark, and the epoch's finalized vector watermark is not known) → the reader
 *   waits for the FVW;
 * - otherwise it may be read.
 */
import type { Epoch, VersionTag } from './types';

export type ReadRule = 'read' | 'abort' | 'wait';

export function epochReadRule(version: { tag: VersionTag | null; decided: boolean }, readerEpoch: Epoch, fvwKnown: (epoch: Epoch) => boolean): ReadRule {
  if (version.tag === null) return 'read';
  if (version.tag.epoch > readerEpoch) return 'abort';
  if (version.tag.epoch < readerEpoch && !version.decided && !fvwKnown(version.tag.epoch)) return 'wait';
  return 'read';
}

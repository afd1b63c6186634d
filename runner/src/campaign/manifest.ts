/**
 * `<results>/campaign.json`: which logs a campaign recorded, and with what settings, so a full
 * campaign redoes the runs a quick look shortened. One JSON object, by log path:
 *
 *   {"bench/bench-10-a.log": {"shortened": true, "settings": {"benchOps": 300, "fuzzOps": 200,
 *    "crashSecs": 12}, "at": "2026-12-02T11:40:00.000Z"}, …}
 *
 * A log recorded by hand is not in it, and counts as a full run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Manifest, ManifestEntry } from './plan';

export const MANIFEST_FILE = 'campaign.json';

/** The manifest under `results` (empty when there is none or it cannot be read: it is advice, not data). */
export function readManifest(results: string): Manifest {
  try {
    const data = JSON.parse(fs.readFileSync(path.join(results, MANIFEST_FILE), 'utf8')) as unknown;
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Manifest) : {};
  } catch {
    return {};
  }
}

/** Records one log, rewriting the manifest whole (write then rename: never half written). */
export function recordInManifest(results: string, relpath: string, entry: ManifestEntry): void {
  const manifest = readManifest(results);
  manifest[relpath] = entry;
  const file = path.join(results, MANIFEST_FILE);
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(`${file}.tmp-${process.pid}`, `${JSON.stringify(manifest, null, 1)}\n`);
  fs.renameSync(`${file}.tmp-${process.pid}`, file);
}

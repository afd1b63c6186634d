/**
 * Where the kit lives on disk and which `just` to run. Programs are started from
 * anywhere (recipes, npm scripts, tests, sources under tsx), so paths are derived
 * from this file's own location.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest folder above this file that holds package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository: no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** `$JUST` if set, else the npm-installed `just` of this repository, else `just` on PATH. */
export function justExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['JUST'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const local = path.join(repoRoot(), 'node_modules', '.bin', 'just');
  return fs.existsSync(local) ? local : 'just';
}

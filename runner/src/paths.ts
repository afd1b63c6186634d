/**
 * Where the kit lives on disk, and which `just` to run. The runner is started from
 * anywhere (a recipe, `npm run runner`, a test), so paths are derived from this file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root: this file compiles to `<root>/dist/runner/src/paths.js`, and under
 * tsx it runs as `<root>/runner/src/paths.ts`; walk up until a folder holds package.json.
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'runner'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Fall back to the layout we know: dist/runner/src -> three levels up from dist.
  return path.resolve(__dirname, '..', '..', '..');
}

/** `$JUST` if set, else the npm-installed `just` of this repository, else `just` on PATH. */
export function justExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['JUST'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const local = path.join(repoRoot(), 'node_modules', '.bin', 'just');
  if (fs.existsSync(local)) return local;
  return 'just';
}

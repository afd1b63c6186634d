/** The runner finds the kit and `just` the same way every program of the kit does. */
export { justExecutable, repoRoot } from '../../kvstore/src/common/repo-paths';

/** A replica's role changes as log lines, for its process's stderr. */
import { type AdminTarget, ROLE_NAMES } from './admin-service';

/**
 * Logs one line whenever the replica's role, term or leader changes (checked every
 * `everyMs`), e.g. `role: leader in term 4`. Returns the function that stops it.
 */
export function logRoleChanges(group: AdminTarget, log: (line: string) => void, everyMs: number): () => void {
  let last = '';
  const check = (): void => {
    const s = group.status();
    const now = `${ROLE_NAMES[s.role]} in term ${s.term}${s.role === 'leader' ? '' : s.leader >= 0 ? `, leader ${s.leader}` : ', no leader known'}`;
    if (now !== last) log(`role: ${now}`);
    last = now;
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The ledger of a transfer workload and what its end state must show (pure).
 *
 * Each transfer transaction `id` moves `amount` from account `from` to account `to` and
 * appends `id` to one ledger list beside each account:
 *
 *   TXN 4
 *   INCR <from> -<amount>
 *   INCR <to> <amount>
 *   APPEND <ledger of from> <id>
 *   APPEND <ledger of to> <id>
 *
 * Accounts start missing (0), so every committed state sums to 0. The ids are unique, so a
 * ledger names exactly the transfers whose effects it holds, and with the client's outcome of
 * each transfer the final state is checked for:
 *   - all or nothing: a transfer's id is in both its ledgers or in neither;
 *   - durability: every transfer acknowledged as committed is there;
 *   - no effect of an aborted transfer, and no id that no transfer wrote;
 *   - no transfer applied twice (an id at most once per ledger);
 *   - each balance equal to the sum of the moves of the transfers present;
 *   - conservation: the balances sum to 0, in the final state and in every committed audit
 *     (a transaction reading every account).
 * A transfer whose outcome is unknown (the reply was lost) may be in or out, but whole.
 */

export interface Transfer {
  id: string;
  from: string;
  to: string;
  amount: number;
  fromLedger: string;
  toLedger: string;
  outcome: 'committed' | 'aborted' | 'unknown';
}

export interface Audit {
  /** Balances read, by account (missing = 0). */
  balances: Map<string, number>;
  client: number;
}

export interface FinalState {
  balances: Map<string, number>;
  /** The elements of each ledger list, in order. */
  ledgers: Map<string, string[]>;
}

export interface LedgerVerdict {
  problems: string[];
  /** Transfers present in the final state (committed, and unknown ones that took effect). */
  applied: number;
  unknownApplied: number;
  unknownLost: number;
}

/** The ops of one transfer, in the order the header shows. */
export function transferOps(t: Omit<Transfer, 'outcome'>): Array<{ op: 'incr'; key: string; delta: number } | { op: 'append'; key: string; elem: string }> {
  return [
    { op: 'incr', key: t.from, delta: -t.amount },
    { op: 'incr', key: t.to, delta: t.amount },
    { op: 'append', key: t.fromLedger, elem: t.id },
    { op: 'append', key: t.toLedger, elem: t.id },
  ];
}

/** Parses a ledger value (a comma-separated list; missing = empty). */
export function ledgerElements(value: string | null): string[] {
  return value === null || value === '' ? [] : value.split(',');
}

const MAX_LISTED = 5;

export function checkLedger(transfers: readonly Transfer[], audits: readonly Audit[], final: FinalState): LedgerVerdict {
  const problems: string[] = [];
  const note = (kind: string, list: string[]): void => {
    if (list.length === 0) return;
    problems.push(`${kind} (${list.length}): ${list.slice(0, MAX_LISTED).join('; ')}${list.length > MAX_LISTED ? '; …' : ''}`);
  };

  const byId = new Map(transfers.map((t) => [t.id, t]));
  // Where each id was found, ledger by ledger.
  const seen = new Map<string, string[]>();
  const twice: string[] = [];
  const stranger: string[] = [];
  for (const [ledger, elems] of final.ledgers) {
    const here = new Set<string>();
    for (const id of elems) {
      if (here.has(id)) twice.push(`${id} twice in ${ledger}`);
      here.add(id);
      const t = byId.get(id);
      if (t === undefined || (t.fromLedger !== ledger && t.toLedger !== ledger)) stranger.push(`${id} in ${ledger}`);
      const list = seen.get(id) ?? [];
      list.push(ledger);
      seen.set(id, list);
    }
  }

  const partial: string[] = [];
  const lost: string[] = [];
  const abortedSeen: string[] = [];
  const expected = new Map<string, number>();
  let applied = 0;
  let unknownApplied = 0;
  let unknownLost = 0;
  for (const t of transfers) {
    const where = new Set(seen.get(t.id) ?? []);
    const inFrom = where.has(t.fromLedger);
    const inTo = where.has(t.toLedger);
    if (inFrom !== inTo) partial.push(`${t.id} (${t.outcome}) is in ${inFrom ? t.fromLedger : t.toLedger} but not in ${inFrom ? t.toLedger : t.fromLedger}`);
    const present = inFrom && inTo;
    if (t.outcome === 'committed' && !present) lost.push(`${t.id} (${t.from} -> ${t.to}, ${t.amount}) was acknowledged but is missing`);
    if (t.outcome === 'aborted' && (inFrom || inTo)) abortedSeen.push(`${t.id} aborted but left its id`);
    if (t.outcome === 'unknown') {
      if (present) unknownApplied++;
      else unknownLost++;
    }
    if (present) {
      applied++;
      expected.set(t.from, (expected.get(t.from) ?? 0) - t.amount);
      expected.set(t.to, (expected.get(t.to) ?? 0) + t.amount);
    }
  }
  note('applied in part (not all or nothing)', partial);
  note('acknowledged but lost', lost);
  note('aborted but visible', abortedSeen);
  note('applied twice', twice);
  note('ids no transfer wrote there', stranger);

  const wrongBalance: string[] = [];
  for (const account of new Set([...final.balances.keys(), ...expected.keys()])) {
    const got = final.balances.get(account) ?? 0;
    const want = expected.get(account) ?? 0;
    if (got !== want) wrongBalance.push(`${account} is ${got}, the transfers present make it ${want}`);
  }
  note('balances that do not match the ledgers', wrongBalance);

  const total = (b: Map<string, number>): number => [...b.values()].reduce((s, v) => s + v, 0);
  if (total(final.balances) !== 0) problems.push(`the final balances sum to ${total(final.balances)}, not 0`);
  note(
    'audits whose balances do not sum to 0',
    audits.filter((a) => total(a.balances) !== 0).map((a) => `client ${a.client} read a total of ${total(a.balances)}`),
  );
  return { problems, applied, unknownApplied, unknownLost };
}

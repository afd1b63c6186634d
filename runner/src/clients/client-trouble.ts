/**
 * Watching the clients' stderr while the runner waits on them: connection trouble (a client
 * that cannot reach its manager or server, retrying) is shown as it happens, rate-limited,
 * so a run against a wrong address is not 120 silent seconds; and retried operations are
 * counted for the fuzz log's fault section.
 *
 * The kit's client reports a retry as `<time> client: retrying (attempt N): <reason>` on
 * stderr, attempt 1 once for every operation that needed a retry (then every tenth attempt).
 * Lines from other clients count as trouble when they speak of retrying, connecting,
 * refusal or timeouts.
 */

const TROUBLE = /retry|retrying|cannot connect|connect(ion)? refused|econnrefused|econnreset|ehostunreach|enetunreach|unreachable|timed out|timeout/i;
const FIRST_RETRY = /retrying \(attempt 1\)/;
/** `2025-01-02T03:04:05.678Z client: ` and similar prefixes the line does not need twice. */
const PREFIX = /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+(client:\s*)?/;
const MAX_LINE = 200;

export interface TroubleOptions {
  /** At most one line per client per this many ms. */
  perClientMs?: number;
  /** At most this many lines over all clients per perClientMs (many clients failing alike). */
  maxLinesPerWindow?: number;
  /** Whether to show lines at all (not when the clients' stderr is passed through whole). */
  show?: boolean;
  now?: () => number;
}

export class ClientTroubleMonitor {
  private retried = 0;
  private readonly lastShown = new Map<number, number>();
  private windowStart = -Infinity;
  private shownInWindow = 0;
  private suppressedClients = new Set<number>();
  private readonly perClientMs: number;
  private readonly maxLines: number;
  private readonly show: boolean;
  private readonly now: () => number;

  constructor(private readonly print: (line: string) => void, options: TroubleOptions = {}) {
    this.perClientMs = options.perClientMs ?? 5000;
    this.maxLines = options.maxLinesPerWindow ?? 10;
    this.show = options.show ?? true;
    this.now = options.now ?? Date.now;
  }

  /** Operations the clients reported retrying (lines with `retrying (attempt 1)`). */
  get retriedOps(): number {
    return this.retried;
  }

  /** One line client `client` wrote to its stderr. */
  onLine(client: number, line: string): void {
    if (FIRST_RETRY.test(line)) this.retried++;
    if (!this.show || !TROUBLE.test(line)) return;
    const now = this.now();
    if (now - (this.lastShown.get(client) ?? -Infinity) < this.perClientMs) return;
    if (now - this.windowStart >= this.perClientMs) {
      this.flushSuppressed();
      this.windowStart = now;
      this.shownInWindow = 0;
    }
    if (this.shownInWindow >= this.maxLines) {
      this.suppressedClients.add(client);
      return;
    }
    this.shownInWindow++;
    this.lastShown.set(client, now);
    const text = line.replace(PREFIX, '').trim();
    this.print(`  client ${client}: ${text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 3)}...` : text}`);
  }

  private flushSuppressed(): void {
    if (this.suppressedClients.size === 0) return;
    this.print(`  (connection trouble on ${this.suppressedClients.size} more client${this.suppressedClients.size === 1 ? '' : 's'})`);
    this.suppressedClients = new Set();
  }
}

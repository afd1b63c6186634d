/** Exponential backoff with jitter, for retrying a node that is down or restarting. */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 20, maxMs: 1000 };

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Delay before the next attempt: doubles each time up to the cap, with ±50% jitter so clients do not retry in lockstep. */
  nextDelayMs(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(base * (0.5 + Math.random()));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

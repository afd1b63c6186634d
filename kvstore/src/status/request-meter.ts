/**
 * Counts the client requests a node answers and the time it took to answer them, for the
 * status RPC (`requests`, `requestMicros`). Two running totals, nothing else: a reader (the
 * dashboard) takes the difference between two status answers to get a rate and a mean
 * latency over that interval, so the node keeps no histogram and no clock of its own.
 */
export class RequestMeter {
  private count = 0;
  private micros = 0;

  /** Requests answered since the process started. */
  get requests(): number {
    return this.count;
  }

  /** Their summed time from arrival to answer, in whole microseconds. */
  get requestMicros(): number {
    return Math.round(this.micros);
  }

  /** Records one answered request that took `ms` milliseconds. */
  record(ms: number): void {
    this.count++;
    this.micros += Math.max(0, ms) * 1000;
  }

  /**
   * Counts `answer` once it is ready: at once if it is a value, when it settles if it is a
   * promise (a rejected one is counted too, then passed on). `startedMs` is performance.now()
   * when the request arrived.
   */
  track<T>(answer: T | Promise<T>, startedMs: number, now: () => number = () => performance.now()): T | Promise<T> {
    if (!(answer instanceof Promise)) {
      this.record(now() - startedMs);
      return answer;
    }
    return answer.finally(() => this.record(now() - startedMs));
  }
}

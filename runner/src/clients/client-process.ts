/**
 * One client program, spawned either as `just <args>` (the recipes) or as a shell command
 * (`--client-cmd`), driven over its stdin/stdout with one operation in flight at a time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { justExecutable, repoRoot } from '../paths';
import { type KvAnswer, type KvCall, clip, formatCall, parseAnswerLine, parseScanLine } from './protocol';
import { type TxnAnswer, type TxnCallOp, formatTxnBlock, txnAnswerReader } from './txn-protocol';

export type ClientLaunch = { kind: 'just'; args: string[] } | { kind: 'shell'; command: string };

export function describeLaunch(launch: ClientLaunch): string {
  return launch.kind === 'just' ? `just ${launch.args.join(' ')}` : launch.command;
}

export type FailureKind = 'timeout' | 'exited' | 'protocol' | 'spawn';

export interface ClientFailure {
  kind: FailureKind;
  message: string;
}

export type Outcome<A> = { ok: true; answer: A } | { ok: false; failure: ClientFailure };
export type CallOutcome = Outcome<KvAnswer>;

/** What one output line does to the answer awaited: goes on, completes it, or is wrong. */
type ReadStep<A> = { kind: 'more' } | { kind: 'answer'; answer: A } | { kind: 'error'; message: string };

interface Pending {
  /** The command as written (without its last newline, in messages). */
  line: string;
  /** Reads one output line; settles the call when the answer is complete. */
  onLine: (line: string) => void;
  reject: (failure: ClientFailure) => void;
  /** performance.now() past which the call has failed (Infinity: no limit). */
  deadline: number;
  timeoutMs: number;
}

const STDERR_TAIL_LINES = 20;
/**
 * A client's exit can be reported while its last answer is still in the pipe, so an exit is
 * acted on only once stdout has ended too; but a leftover process holding stdout open (say, a
 * job the client left behind) must not keep a caller waiting for ever, hence this bound.
 */
const STDOUT_AFTER_EXIT_GRACE_MS = 2000;
const live = new Set<ClientProcess>();
let exitHookInstalled = false;

/** Kill every client still running when the runner exits, however it exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const c of live) c.kill();
      process.exit(130);
    });
  }
}

export class ClientProcess {
  private readonly child: ChildProcess;
  private pending: Pending | undefined;
  private buffer = '';
  private readonly stderrLines: string[] = [];
  private stderrPartial = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stdoutEnded = false;
  /** Exited, and everything it printed has been read (or the grace period ran out). */
  private finished = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private spawnError: string | undefined;
  private failure: ClientFailure | undefined;
  private readonly exitWaiters: Array<() => void> = [];
  /**
   * One timer watches the deadline of whichever call is in flight: armed when a call finds none,
   * it re-arms itself for the call then in flight when it fires early. Calls answered within
   * their timeout (all of them, normally) never touch a timer.
   */
  private deadlineTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly name: string,
    launch: ClientLaunch,
    private readonly forwardStderr: boolean,
    private readonly onStderrLine: ((line: string) => void) | undefined,
  ) {
    installExitHook();
    const options = { cwd: repoRoot(), stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], detached: true };
    this.child =
      launch.kind === 'just'
        ? spawn(justExecutable(), launch.args, options)
        : spawn('/bin/sh', ['-c', launch.command], options);
    live.add(this);
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stdout!.on('end', () => {
      this.stdoutEnded = true;
      if (this.exited !== undefined) this.finishExit();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => this.onStderr(chunk));
    // A client that exits early makes our writes fail with EPIPE; the exit is what we report.
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (err) => {
      this.spawnError = err.message;
      this.fail({ kind: 'spawn', message: `${this.name}: cannot start '${describeLaunch(launch)}': ${err.message}` });
      this.markExited(null, null);
    });
    this.child.on('exit', (code, signal) => this.markExited(code, signal));
  }

  /** onStderrLine sees every complete line the client writes to stderr, as it comes. */
  static start(name: string, launch: ClientLaunch, options: { forwardStderr?: boolean; onStderrLine?: (line: string) => void } = {}): ClientProcess {
    return new ClientProcess(name, launch, options.forwardStderr === true, options.onStderrLine);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the client wrote to stderr (shown when it fails). */
  stderrTail(): string[] {
    const tail = [...this.stderrLines];
    if (this.stderrPartial !== '') tail.push(this.stderrPartial);
    return tail.slice(-STDERR_TAIL_LINES);
  }

  /** Send one command and wait for its answer, at most `timeoutMs`. */
  call(call: KvCall, timeoutMs: number): Promise<CallOutcome> {
    return this.send(formatCall(call), timeoutMs, kvAnswerReader(call));
  }

  /** Send one `TXN n` block and wait for its whole answer, at most `timeoutMs`. */
  txn(ops: readonly TxnCallOp[], timeoutMs: number): Promise<Outcome<TxnAnswer>> {
    return this.send(formatTxnBlock(ops), timeoutMs, txnAnswerReader(ops));
  }

  /** Send STOP, expect `STOP` back and the process to exit; kill it if it does not. */
  async stop(timeoutMs: number): Promise<{ ok: true } | { ok: false; failure: ClientFailure }> {
    const outcome = await this.send('STOP\n', timeoutMs, stopReader);
    if (!outcome.ok) {
      this.kill();
      return outcome;
    }
    if (!(await this.waitExit(timeoutMs))) {
      this.kill();
      return { ok: false, failure: { kind: 'timeout', message: `${this.name}: answered STOP but did not exit within ${formatSeconds(timeoutMs)}` } };
    }
    return { ok: true };
  }

  kill(): void {
    if (this.exited !== undefined || this.child.pid === undefined) return;
    try {
      // The client runs in its own process group (just -> shell -> program): end all of it.
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    if (this.finished) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private send<A>(line: string, timeoutMs: number, read: (line: string) => ReadStep<A>): Promise<Outcome<A>> {
    if (this.pending !== undefined) throw new Error(`${this.name}: a call is already in flight`);
    if (this.failure !== undefined) return Promise.resolve({ ok: false, failure: this.failure });
    if (this.exited !== undefined) return Promise.resolve({ ok: false, failure: this.exitFailure() });
    return new Promise((resolve) => {
      const deadline = Number.isFinite(timeoutMs) ? performance.now() + timeoutMs : Infinity;
      const onLine = (l: string): void => {
        const r = read(l);
        if (r.kind === 'answer') {
          this.pending = undefined;
          resolve({ ok: true, answer: r.answer });
        } else if (r.kind === 'error') {
          this.fail({ kind: 'protocol', message: `${this.name}: ${r.message}` });
        }
      };
      this.pending = { line: line.split('\n')[0]!, onLine, reject: (failure) => resolve({ ok: false, failure }), deadline, timeoutMs };
      if (deadline !== Infinity && this.deadlineTimer === undefined) this.armDeadline(timeoutMs);
      this.child.stdin!.write(line);
    });
  }

  private armDeadline(ms: number): void {
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      const p = this.pending;
      if (p === undefined || p.deadline === Infinity) return;
      const left = p.deadline - performance.now();
      if (left > 0) {
        this.armDeadline(left);
        return;
      }
      this.fail({ kind: 'timeout', message: `${this.name}: no answer to '${clip(p.line)}' within ${formatSeconds(p.timeoutMs)}` });
    }, Math.ceil(ms)).unref();
  }


  private clearDeadline(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  private fail(failure: ClientFailure): void {
    if (this.failure === undefined) this.failure = failure;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(failure);
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl < 0) break;
      this.onLine(this.buffer.slice(start, nl));
      start = nl + 1;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
  }

  private onLine(line: string): void {
    if (this.failure !== undefined) return;
    const p = this.pending;
    if (p === undefined) {
      if (line.trim() === '') return;
      this.fail({ kind: 'protocol', message: `${this.name}: printed '${clip(line)}' while no command was in flight` });
      return;
    }
    p.onLine(line);
  }

  private onStderr(chunk: string): void {
    if (this.forwardStderr) process.stderr.write(chunk);
    const parts = (this.stderrPartial + chunk).split('\n');
    this.stderrPartial = parts.pop() ?? '';
    for (const l of parts) {
      this.onStderrLine?.(l);
      this.stderrLines.push(l);
      if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
    }
  }

  private markExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited !== undefined) return;
    this.exited = { code, signal };
    live.delete(this);
    if (this.stdoutEnded || this.spawnError !== undefined) this.finishExit();
    else this.graceTimer = setTimeout(() => this.finishExit(), STDOUT_AFTER_EXIT_GRACE_MS);
  }

  private finishExit(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    // Every line received is processed before we call it an exit.
    if (this.buffer !== '') {
      const rest = this.buffer;
      this.buffer = '';
      this.onLine(rest);
    }
    if (this.pending !== undefined) this.fail(this.exitFailure());
    this.clearDeadline();
    for (const w of this.exitWaiters.splice(0)) w();
  }

  private exitFailure(): ClientFailure {
    if (this.spawnError !== undefined) return { kind: 'spawn', message: `${this.name}: ${this.spawnError}` };
    const how = this.exited?.signal != null ? `was killed by ${this.exited.signal}` : `exited with code ${String(this.exited?.code)}`;
    const tail = this.stderrTail();
    const detail = tail.length > 0 ? `; its last stderr lines:\n${tail.map((l) => `      | ${l}`).join('\n')}` : '';
    return { kind: 'exited', message: `${this.name} ${how} before answering${detail}` };
  }
}

/** The answer to one single-key command (a SCAN's runs over lines up to `SCAN END`). */
function kvAnswerReader(call: KvCall): (line: string) => ReadStep<KvAnswer> {
  let scanPairs: Array<[string, string]> | undefined;
  return (line) => {
    if (scanPairs !== undefined) {
      const r = parseScanLine(line);
      if (r.kind === 'pair') scanPairs.push(r.pair);
      if (r.kind === 'end') return { kind: 'answer', answer: { op: 'SCAN', pairs: scanPairs } };
      return r.kind === 'error' ? r : { kind: 'more' };
    }
    const r = parseAnswerLine(call, line);
    if (r.kind === 'scan-begun') scanPairs = [];
    if (r.kind === 'answer' || r.kind === 'error') return r;
    return { kind: 'more' };
  };
}

function stopReader(rawLine: string): ReadStep<null> {
  const t = rawLine.trim();
  if (t === '') return { kind: 'more' };
  if (t === 'STOP') return { kind: 'answer', answer: null };
  return { kind: 'error', message: `answered '${clip(rawLine)}' to STOP (expected 'STOP')` };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

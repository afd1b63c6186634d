/**
 * Lines from a readable stream, split as node:readline splits them (with `crlfDelay: Infinity`):
 * a line ends at `\n`, `\r\n` or a lone `\r`, and a last line without an ending counts at end of
 * input. A line already read is handed over at once (no promise, no event), so a client serving
 * one command after another spends nothing per line on the iterator; the stream is paused while
 * many lines wait, so input faster than the client costs bounded memory.
 */
import type { Readable } from 'node:stream';

/** Lines held before the stream is paused. */
const MAX_WAITING_LINES = 1024;

/** The splitting itself, chunk by chunk (pure). */
export class LineSplitter {
  private partial = '';
  /** The last chunk ended with `\r`: a `\n` opening the next one belongs to it. */
  private skipLf = false;

  /** Complete lines in `chunk` (with what came before it). */
  push(chunk: string, into: string[]): void {
    let text = chunk;
    if (this.skipLf && text.length > 0) {
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      this.skipLf = false;
    }
    if (this.partial !== '') text = this.partial + text;
    let start = 0;
    if (text.indexOf('\r') < 0) {
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        into.push(text.slice(start, nl));
        start = nl + 1;
      }
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        into.push(text.slice(start, i));
        if (c === 13) {
          if (i + 1 === text.length) this.skipLf = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
    }
    this.partial = start === 0 ? text : text.slice(start);
  }

  /** At end of input: the unterminated last line, if any. */
  end(into: string[]): void {
    if (this.partial.length > 0) into.push(this.partial);
    this.partial = '';
  }
}

export class LineReader {
  private readonly splitter = new LineSplitter();
  private lines: string[] = [];
  private head = 0;
  private ended = false;
  private paused = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly input: Readable) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.splitter.push(chunk, this.lines);
      if (this.lines.length - this.head >= MAX_WAITING_LINES && !this.paused) {
        this.paused = true;
        input.pause();
      }
      this.wake();
    });
    input.on('end', () => {
      this.splitter.end(this.lines);
      this.ended = true;
      this.wake();
    });
  }

  /** The next line; null at end of input; a promise when none has arrived yet. */
  next(): string | null | Promise<string | null> {
    if (this.head < this.lines.length) return this.take();
    if (this.ended) return null;
    return new Promise((resolve) => {
      this.waiter = () => resolve(this.head < this.lines.length ? this.take() : null);
    });
  }

  close(): void {
    this.input.pause();
  }

  private take(): string {
    const line = this.lines[this.head++]!;
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
    }
    if (this.paused && this.lines.length - this.head < MAX_WAITING_LINES / 2) {
      this.paused = false;
      this.input.resume();
    }
    return line;
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined || (this.head === this.lines.length && !this.ended)) return;
    this.waiter = undefined;
    w();
  }
}

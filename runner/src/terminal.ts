/**
 * Output helpers shared by the sub-commands: colours only on a terminal (log files stay
 * plain for the report scripts), and progress as a bar on a terminal or as plain lines.
 */
import { SingleBar } from 'cli-progress';

const useColour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;

function paint(code: string): (text: string) => string {
  return (text) => (useColour ? `\x1b[${code}m${text}\x1b[0m` : text);
}

export const colour = {
  bold: paint('1'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  magenta: paint('35'),
  cyan: paint('36'),
  heading: paint('1;33'),
};

/** A section heading as the template prints it (bold yellow on a terminal). */
export function heading(text: string): string {
  return colour.heading(text);
}

/**
 * Progress of a long phase. On a terminal a redrawn bar; otherwise one plain line every
 * tenth of the work (and at the end), formatted by the caller so logs keep their format.
 */
export class Progress {
  private readonly bar: SingleBar | undefined;
  private nextTenth = 1;
  private barShown = 0;

  constructor(
    private readonly total: number,
    private readonly plainLine: () => string,
    barFormat: string,
  ) {
    if (process.stdout.isTTY === true && total > 0) {
      this.bar = new SingleBar({ format: barFormat, hideCursor: true, clearOnComplete: false, barsize: 30 });
      this.bar.start(total, 0, { line: '' });
    }
  }

  update(done: number): void {
    if (this.bar !== undefined) {
      // The bar is redrawn at most 10 times a second anyway: its line is made once per 1/500 of the work.
      if (done < this.total && done - this.barShown < this.total / 500) return;
      this.barShown = done;
      this.bar.update(done, { line: this.plainLine() });
      return;
    }
    if (this.total === 0) return;
    while (done * 10 >= this.nextTenth * this.total && this.nextTenth <= 10) {
      this.nextTenth++;
      console.log(this.plainLine());
    }
  }

  finish(): void {
    if (this.bar !== undefined) {
      this.bar.stop();
      console.log(this.plainLine());
    }
  }
}

/** Rust's `{:#?}` debug layout of a struct, as the template prints its configuration. */
export function debugStruct(name: string, fields: Array<[string, string | number | boolean | string[] | null]>): string {
  const lines = [`${name} {`];
  for (const [key, value] of fields) {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`    ${key}: [],`);
      } else {
        lines.push(`    ${key}: [`);
        for (const v of value) lines.push(`        ${JSON.stringify(v)},`);
        lines.push('    ],');
      }
    } else if (typeof value === 'string') {
      lines.push(`    ${key}: ${JSON.stringify(value)},`);
    } else if (value === null) {
      lines.push(`    ${key}: None,`);
    } else {
      lines.push(`    ${key}: ${String(value)},`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

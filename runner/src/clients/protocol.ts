/**
 * The client program's stdin/stdout protocol, from the runner's side: the command lines it
 * writes and the answers it expects back (madkv-course.md, "The client's stdin/stdout interface").
 */

export type KvCall =
  | { op: 'PUT'; key: string; value: string }
  | { op: 'SWAP'; key: string; value: string }
  | { op: 'GET'; key: string }
  | { op: 'DELETE'; key: string }
  | { op: 'SCAN'; start: string; end: string };

export type KvAnswer =
  | { op: 'PUT'; found: boolean }
  | { op: 'SWAP'; old: string | null }
  | { op: 'GET'; value: string | null }
  | { op: 'DELETE'; found: boolean }
  | { op: 'SCAN'; pairs: Array<[string, string]> };

export function formatCall(call: KvCall): string {
  switch (call.op) {
    case 'PUT':
    case 'SWAP':
      return `${call.op} ${call.key} ${call.value}\n`;
    case 'GET':
    case 'DELETE':
      return `${call.op} ${call.key}\n`;
    case 'SCAN':
      return `SCAN ${call.start} ${call.end}\n`;
  }
}

/** What one line of client output means for the call awaiting its answer. */
export type LineOutcome =
  | { kind: 'answer'; answer: KvAnswer }
  | { kind: 'scan-begun' }
  | { kind: 'skip' }
  | { kind: 'error'; message: string };

function tokens(line: string): string[] {
  return line.split(' ').filter((t) => t.length > 0);
}

/**
 * Interpret a line as the answer to `call` (the first line of it, for a SCAN). An `ERROR`
 * line or anything else that does not answer the call is an error with a message that
 * quotes both, so a student sees what their client printed.
 */
export function parseAnswerLine(call: KvCall, rawLine: string): LineOutcome {
  return quickAnswer(call, rawLine) ?? parseAnswerTokens(call, rawLine);
}

/**
 * The answer every well-behaved client prints, `<OP> <key> <one token>`, read without
 * splitting the line; undefined for anything else (CR, extra spaces, SCAN, errors), which
 * the full parser below then reads. Both give the same outcome for any line.
 */
function quickAnswer(call: KvCall, line: string): LineOutcome | undefined {
  if (call.op === 'SCAN') return undefined;
  const op = call.op;
  const keyAt = op.length + 1;
  const valueAt = keyAt + call.key.length + 1;
  if (line.length <= valueAt || line.charCodeAt(keyAt - 1) !== 0x20 || line.charCodeAt(valueAt - 1) !== 0x20) return undefined;
  if (!line.startsWith(op) || !line.startsWith(call.key, keyAt)) return undefined;
  if (line.indexOf(' ', valueAt) >= 0 || line.charCodeAt(line.length - 1) === 0x0d) return undefined;
  const token = line.slice(valueAt);
  switch (op) {
    case 'PUT':
    case 'DELETE':
      if (token === 'found') return { kind: 'answer', answer: { op, found: true } };
      if (token === 'not_found') return { kind: 'answer', answer: { op, found: false } };
      return undefined;
    case 'SWAP':
      return { kind: 'answer', answer: { op: 'SWAP', old: token === 'null' ? null : token } };
    case 'GET':
      return { kind: 'answer', answer: { op: 'GET', value: token === 'null' ? null : token } };
  }
}

/** parseAnswerLine the long way, token by token, for any line. */
export function parseAnswerTokens(call: KvCall, rawLine: string): LineOutcome {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  const t = tokens(line);
  if (t.length === 0) return { kind: 'skip' };
  const wrong = (why: string): LineOutcome => ({
    kind: 'error',
    message: `client answered '${clip(line)}' to '${clip(formatCall(call).trimEnd())}': ${why}`,
  });
  if (t[0] === 'ERROR') return wrong('the client reported an error');
  if (t[0] !== call.op) return wrong(`expected a ${call.op} answer`);
  switch (call.op) {
    case 'PUT':
    case 'DELETE': {
      if (t.length !== 3 || t[1] !== call.key || (t[2] !== 'found' && t[2] !== 'not_found')) {
        return wrong(`expected '${call.op} ${call.key} found|not_found'`);
      }
      return { kind: 'answer', answer: { op: call.op, found: t[2] === 'found' } };
    }
    case 'SWAP': {
      if (t.length !== 3 || t[1] !== call.key) return wrong(`expected 'SWAP ${call.key} <old_value>|null'`);
      return { kind: 'answer', answer: { op: 'SWAP', old: t[2] === 'null' ? null : t[2]! } };
    }
    case 'GET': {
      if (t.length !== 3 || t[1] !== call.key) return wrong(`expected 'GET ${call.key} <value>|null'`);
      return { kind: 'answer', answer: { op: 'GET', value: t[2] === 'null' ? null : t[2]! } };
    }
    case 'SCAN': {
      if (t.length !== 4 || t[1] !== call.start || t[2] !== call.end || t[3] !== 'BEGIN') {
        return wrong(`expected 'SCAN ${call.start} ${call.end} BEGIN'`);
      }
      return { kind: 'scan-begun' };
    }
  }
}

/** A line inside a SCAN answer: a pair, or the closing `SCAN END`. */
export function parseScanLine(rawLine: string): { kind: 'pair'; pair: [string, string] } | { kind: 'end' } | { kind: 'skip' } | { kind: 'error'; message: string } {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  const t = tokens(line);
  if (t.length === 0) return { kind: 'skip' };
  if (t.length === 2 && t[0] === 'SCAN' && t[1] === 'END') return { kind: 'end' };
  if (t.length === 2) return { kind: 'pair', pair: [t[0]!, t[1]!] };
  return { kind: 'error', message: `inside a SCAN answer the client printed '${clip(line)}' (expected '<key> <value>' or 'SCAN END')` };
}

export function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * The checker's HTML page: one self-contained file (inline CSS, the timeline as inline SVG, a
 * few lines of script that only link hovered items), so it opens offline from a file.
 *
 * Every string from the history (keys, values) goes through `escapeHtml`, in text and in
 * attributes alike; the script reads nothing but `data-op` numbers the page itself wrote.
 * Elements carry `data-op` (history index) and `data-role` so tests and readers can find them.
 */
import type { BarRole, BarView, CheckPage, KeyView } from './check-page';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const e = escapeHtml;

const ROLE_NAMES: Record<BarRole, string> = {
  blocked: 'cannot be placed',
  placed: 'in the longest legal order',
  open: 'in the witness, not reached',
  earlier: 'earlier write',
  context: 'other operation on the key',
};

/** The page's look, shared with the transactional checker's page (txn/txn-page-html.ts). */
export const PAGE_STYLE = `
:root { --blocked:#d62f2f; --placed:#2f6fd6; --open:#e59a1a; --earlier:#7a5cc7; --context:#c9ced6; --ink:#1d2330; --muted:#5d6675; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f5f6f8; }
header { background: #fff; border-bottom: 1px solid #dde1e7; padding: 14px 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 6px; }
h2 code { font-size: 16px; background: #eef1f5; padding: 1px 6px; border-radius: 4px; }
h3 { font-size: 14px; margin: 0 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
main { padding: 16px 24px 40px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { padding: 1px 8px; border-radius: 4px; color: #fff; }
.verdict.FAILED { background: var(--blocked); } .verdict.PASSED { background: #23914a; } .verdict.UNKNOWN { background: #b7791f; }
.meta { color: var(--muted); margin: 0; }
.note { background: #fff4e0; border: 1px solid #f0d29b; border-radius: 6px; padding: 8px 12px; margin: 0 0 12px; }
section.key { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 16px 18px; margin: 0 0 20px; }
.summary { margin: 0 0 4px; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 10px 0 6px; color: var(--muted); font-size: 12.5px; }
.legend span::before { content: ""; display: inline-block; width: 18px; height: 10px; border-radius: 3px; margin-right: 5px; vertical-align: -1px; background: var(--c); }
.timeline { overflow-x: auto; border: 1px solid #e6e9ee; border-radius: 6px; background: #fcfcfd; }
.timeline svg { display: block; }
.bar rect.body { stroke-width: 1; }
.bar text { font: 11px ui-monospace, Menlo, Consolas, monospace; pointer-events: none; }
.bar.hl rect.body { stroke: #111; stroke-width: 2.6px; }
ol.order li.hl, ul.blocked li.hl, tr.hl td { background: #fff3b0; }
.cols { display: grid; grid-template-columns: minmax(280px, 1fr) minmax(280px, 1fr); gap: 22px; margin-top: 14px; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
ol.order { margin: 0; padding-left: 30px; }
ol.order li { padding: 2px 4px; border-radius: 4px; }
ol.order .after { color: var(--muted); }
ul.blocked { list-style: none; margin: 0; padding: 0; }
ul.blocked li { border-left: 4px solid var(--blocked); background: #fdf1f1; padding: 6px 10px; margin: 0 0 8px; border-radius: 0 6px 6px 0; }
ul.blocked .reason { display: block; color: #8f1d1d; font-weight: 600; }
ul.blocked .then { display: block; color: var(--muted); }
details { margin-top: 12px; }
summary { cursor: pointer; color: var(--muted); }
pre { background: #f3f4f7; padding: 10px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin-top: 6px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #edf0f3; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.role { white-space: nowrap; }
td.role::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; background: var(--c); }
`;

// Hovering an operation anywhere marks it everywhere in its section (bar, list item, table row).
export const HOVER_SCRIPT = `
document.addEventListener('mouseover', function (ev) {
  var t = ev.target.closest ? ev.target.closest('[data-op]') : null;
  document.querySelectorAll('.hl').forEach(function (x) { x.classList.remove('hl'); });
  if (!t) return;
  var s = t.closest('section');
  if (!s) return;
  s.querySelectorAll('[data-op="' + t.getAttribute('data-op') + '"]').forEach(function (x) { x.classList.add('hl'); });
});
`;

const ROLE_COLOUR: Record<BarRole, string> = { blocked: 'var(--blocked)', placed: 'var(--placed)', open: 'var(--open)', earlier: 'var(--earlier)', context: 'var(--context)' };
const ROLE_FILL: Record<BarRole, string> = { blocked: '#f9d4d4', placed: '#d6e4fa', open: '#fbe8c6', earlier: '#e6defa', context: '#eef0f3' };

export function renderCheckPage(page: CheckPage): string {
  const title = `Linearizability check: ${page.verdict}`;
  const parts: string[] = [];
  parts.push(`<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>${e(title)}</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>`);
  parts.push(`<header><h1>Linearizability check: <span class="verdict ${page.verdict}" id="verdict">${page.verdict}</span></h1>`);
  const source = page.source === undefined ? '' : `; history <code>${e(page.source)}</code>`;
  const count = (x: number, what: string): string => `${x.toLocaleString('en-US')} ${what}${x === 1 ? '' : 's'}`;
  parts.push(`<p class="meta">${count(page.opsChecked, 'operation')} on ${count(page.keysChecked, 'key')}${source}</p></header>\n<main>`);
  for (const n of page.notes) parts.push(`<p class="note">${e(n)}</p>`);
  parts.push(verdictText(page));
  if (page.keys.length > 1) {
    parts.push(`<p>Keys: ${page.keys.map((k, i) => `<a href="#key-${i + 1}"><code>${e(k.key)}</code></a>`).join(', ')}</p>`);
  }
  page.keys.forEach((k, i) => parts.push(renderKey(k, i + 1, page.timeUnit)));
  if (page.moreKeys.length > 0) {
    parts.push(`<p class="note">Not drawn: violations on ${page.moreKeys.length} more key(s): ${page.moreKeys.map((k) => `<code>${e(k)}</code>`).join(', ')} (the log describes them).</p>`);
  }
  parts.push(`</main>\n<script>${HOVER_SCRIPT}</script>\n</body>\n</html>\n`);
  return parts.join('\n');
}

function verdictText(page: CheckPage): string {
  const undecided = page.undecided.length === 0 ? '' : `<p id="undecided">Undecided: ${page.undecided.map((u) => `<code>${e(u.key)}</code> (${u.reason === 'time' ? 'time limit' : 'memo cap'})`).join(', ')}. A longer <code>--timeout</code> or a larger <code>--memo-mb</code> may decide them.</p>`;
  switch (page.verdict) {
    case 'PASSED':
      return `<p id="outcome">Every key's history is linearizable: there is nothing to show.</p>`;
    case 'UNKNOWN':
      return `<p id="outcome">No violation was found, but the check did not decide every key.</p>${undecided}`;
    case 'FAILED': {
      const failed = page.keys.length + page.moreKeys.length;
      return `<p id="outcome">Not linearizable on ${failed} key${failed === 1 ? '' : 's'}. Each is shown below: its operations as bars from call to return, one lane per client (hover one to find it in the lists); the longest legal order the search found, numbered; and in red the operations that cannot come next, with why.</p>${undecided}`;
    }
  }
}

function renderKey(k: KeyView, n: number, unit: string): string {
  const out: string[] = [];
  out.push(`<section class="key" id="key-${n}" data-key="${e(k.key)}">`);
  out.push(`<h2>Key <code>${e(k.key)}</code></h2>`);
  out.push(`<p class="summary">${e(k.summary)}</p>`);
  if (k.priorValues.length > 0) out.push(`<p class="meta">Before these operations the key could hold: ${e(k.priorValues.join(' or '))}</p>`);
  const legend = (['blocked', 'placed', 'open', 'earlier', 'context'] as BarRole[]).filter((r) => k.bars.some((b) => b.role === r));
  out.push(`<div class="legend">${legend.map((r) => `<span style="--c:${ROLE_COLOUR[r]}">${ROLE_NAMES[r]}</span>`).join('')}<span style="--c:repeating-linear-gradient(90deg,#888 0 4px,transparent 4px 7px)">never returned</span></div>`);
  out.push(`<div class="timeline">${renderTimeline(k, unit)}</div>`);
  const hidden: string[] = [];
  if (k.hiddenBefore > 0) hidden.push(`${k.hiddenBefore.toLocaleString('en-US')} earlier`);
  if (k.hiddenNear > 0) hidden.push(`${k.hiddenNear.toLocaleString('en-US')} concurrent`);
  if (k.hiddenAfter > 0) hidden.push(`${k.hiddenAfter.toLocaleString('en-US')} later`);
  const notes: string[] = [];
  if (hidden.length > 0) notes.push(`${hidden.join(', ').replace(/, ([^,]*)$/, ' and $1')} operation(s) on this key are not shown.`);
  if (k.hiddenWitness > 0) notes.push(`${k.hiddenWitness.toLocaleString('en-US')} operation(s) of the witness are not drawn (the log lists them).`);
  notes.push('The axis orders calls and returns in time, evenly spaced (not to scale); hover a bar for its times.');
  out.push(`<p class="meta">${notes.join(' ')}</p>`);

  out.push(`<div class="cols"><div>`);
  out.push(`<h3>Longest legal order found</h3>`);
  if (k.startValue === undefined) {
    out.push(`<p class="meta">The search for it was not run (the summary above says why the operations fail).</p>`);
  } else {
    const writer = k.startWriter === undefined ? '' : ` (left by the earlier write <span class="mono">${e(k.startWriter)}</span>)`;
    out.push(`<p class="meta" id="start-${n}">Starting from ${e(k.startValue)}${writer}${k.steps.length === 0 ? ', not one operation can take effect first.' : ':'}</p>`);
    if (k.steps.length > 0) {
      out.push(`<ol class="order">`);
      for (const s of k.steps) {
        const pending = s.pending ? ' (never returned; placed because it explains what follows)' : '';
        out.push(`<li data-op="${s.op}" data-role="step"><span class="mono">#${s.op + 1} ${e(s.text)}</span>${e(pending)} <span class="after">→ value ${e(s.valueAfter)}</span></li>`);
      }
      out.push(`</ol>`);
    }
  }
  out.push(`</div><div>`);
  out.push(`<h3>Cannot be placed next</h3>`);
  out.push(`<ul class="blocked">`);
  for (const b of k.blocked) {
    const then = b.valueThen === '' ? '' : `<span class="then">${e(b.valueThen)}</span>`;
    out.push(`<li data-op="${b.op}" data-role="blocked"><span class="mono">#${b.op + 1} ${e(b.text)}</span><span class="reason">${e(b.reason)}</span>${then}</li>`);
  }
  out.push(`</ul></div></div>`);

  if (k.explanation.length > 0) out.push(`<details><summary>The checker's explanation, as in the log</summary><pre>${e(k.explanation.join('\n'))}</pre></details>`);
  out.push(`<details><summary>The ${k.bars.length} operations drawn (#N = line N of the history)</summary><table><thead><tr><th>#</th><th>client</th><th>call</th><th>return</th><th>operation</th><th>role</th></tr></thead><tbody>`);
  for (const b of k.bars) {
    const role = `${ROLE_NAMES[b.role]}${b.step !== undefined ? ` (step ${b.step})` : ''}${b.reason !== undefined ? `: ${b.reason}` : ''}`;
    out.push(`<tr data-op="${b.op}" data-role="${b.role}"><td>${b.op + 1}</td><td>${b.client}</td><td>${e(time(b.call, unit))}</td><td>${e(b.ret === null ? 'never' : time(b.ret, unit))}</td><td class="mono">${e(b.text)}</td><td class="role" style="--c:${ROLE_COLOUR[b.role]}">${e(role)}</td></tr>`);
  }
  out.push(`</tbody></table></details>`);
  out.push(`</section>`);
  return out.join('\n');
}

function time(t: number, unit: string): string {
  const s = Number.isInteger(t) ? String(t) : t.toFixed(3);
  return unit === '' ? s : `${s} ${unit}`;
}

const LABEL_W = 86;
const ROW_H = 30;
const BAR_H = 20;
const AXIS_H = 34;
const CHAR_W = 6.7;

function renderTimeline(k: KeyView, unit: string): string {
  const n = k.events.length;
  const step = Math.max(18, Math.min(70, 1040 / Math.max(1, n)));
  const width = LABEL_W + (n + 1) * step + 24;
  const height = AXIS_H + k.rows * ROW_H + 10;
  const x = (rank: number): number => LABEL_W + 12 + rank * step;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline of the operations on the key">`);
  out.push(`<defs><pattern id="pend-${step.toFixed(0)}" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="7" fill="#000" opacity=".08"/></pattern></defs>`);
  // Lanes.
  k.lanes.forEach((l, i) => {
    const y = AXIS_H + l.firstRow * ROW_H;
    out.push(`<rect x="0" y="${y}" width="${width}" height="${l.rows * ROW_H}" fill="${i % 2 === 0 ? '#f4f6f9' : '#fcfcfd'}"/>`);
    out.push(`<text x="10" y="${y + ROW_H / 2 + 4}" font-size="12" fill="#5d6675">client ${l.client}</text>`);
  });
  // Axis: a tick per event, a time label every few, relative to the first.
  const every = Math.max(1, Math.ceil(70 / step));
  const t0 = k.events[0] ?? 0;
  out.push(`<line x1="${LABEL_W}" y1="${AXIS_H - 6}" x2="${width - 8}" y2="${AXIS_H - 6}" stroke="#aab1bc"/>`);
  k.events.forEach((t, i) => {
    out.push(`<line x1="${x(i)}" y1="${AXIS_H - 10}" x2="${x(i)}" y2="${height - 6}" stroke="#e3e6eb" stroke-width="1"/>`);
    if (i % every === 0) out.push(`<text x="${x(i)}" y="${AXIS_H - 14}" font-size="10" fill="#7a8290" text-anchor="middle">${e(i === 0 ? time(t, unit) : `+${time(+(t - t0).toPrecision(6), unit)}`)}</text>`);
  });
  for (const b of k.bars) out.push(renderBar(b, x, step, unit, n));
  out.push(`</svg>`);
  return out.join('\n');
}

function renderBar(b: BarView, x: (rank: number) => number, step: number, unit: string, n: number): string {
  const y = AXIS_H + b.row * ROW_H + (ROW_H - BAR_H) / 2;
  const x0 = x(b.x0);
  const pending = b.ret === null;
  const x1 = pending ? x(n) + step * 0.6 : Math.max(x(b.x1), x0 + step * 0.45);
  const w = x1 - x0;
  const title = `#${b.op + 1} client ${b.client} [${time(b.call, unit)} .. ${b.ret === null ? 'never returned' : time(b.ret, unit)}] ${b.text} — ${ROLE_NAMES[b.role]}${b.step !== undefined ? ` (step ${b.step})` : ''}${b.reason !== undefined ? `: ${b.reason}` : ''}`;
  const out: string[] = [];
  out.push(`<g class="bar" data-op="${b.op}" data-role="${b.role}"${b.step !== undefined ? ` data-step="${b.step}"` : ''}><title>${e(title)}</title>`);
  const strokeW = b.role === 'blocked' ? 2.2 : 1.2;
  out.push(`<rect class="body" x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" rx="4" fill="${ROLE_FILL[b.role]}" stroke="${ROLE_COLOUR[b.role]}" stroke-width="${strokeW}"${pending ? ' stroke-dasharray="5 3"' : ''}/>`);
  if (pending) out.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" rx="4" fill="url(#pend-${step.toFixed(0)})"/>`);
  let textX = x0 + 6;
  if (b.step !== undefined || b.role === 'blocked') {
    const badge = b.step !== undefined ? String(b.step) : '!';
    const r = badge.length > 2 ? 10 : 8;
    out.push(`<circle cx="${(x0 + r + 2).toFixed(1)}" cy="${y + BAR_H / 2}" r="${r}" fill="${ROLE_COLOUR[b.role]}"/>`);
    out.push(`<text x="${(x0 + r + 2).toFixed(1)}" y="${y + BAR_H / 2 + 4}" text-anchor="middle" fill="#fff" font-weight="700" style="font-size:${badge.length > 2 ? 9 : 11}px">${badge}</text>`);
    textX = x0 + 2 * r + 6;
  }
  const room = Math.floor((x1 - textX - 4) / CHAR_W);
  if (room >= 3) {
    const label = b.short.length <= room ? b.short : `${b.short.slice(0, room - 1)}…`;
    out.push(`<text x="${textX.toFixed(1)}" y="${y + BAR_H / 2 + 4}" fill="#1d2330">${e(label)}</text>`);
  }
  out.push(`</g>`);
  return out.join('');
}

/**
 * The transactional checker's HTML page: one self-contained file (the single-key page's style
 * and hover script, the timelines as inline SVG). Per anomaly: the report's text, a timeline of
 * its transactions (a bar from call to answer, one row each; still open at the end: a dashed
 * bar to the right edge) with a cycle's edges as coloured arrows from one bar to the next, and
 * a table of the transactions with every operation.
 *
 * Every string from the history goes through `escapeHtml`. Elements carry `data-op` (the
 * transaction's index in the history) and `data-role` so tests and readers can find them.
 */
import { HOVER_SCRIPT, PAGE_STYLE, escapeHtml as e } from '../check-page-html';
import type { EdgeType, SectionView, TxnPage } from './txn-page';

const EDGE_COLOUR: Record<EdgeType, string> = { ww: '#2f6fd6', wr: '#23914a', rw: '#d62f2f', rt: '#7a5cc7' };
const EDGE_MEANING: Record<EdgeType, string> = {
  ww: 'ww: wrote the next version',
  wr: 'wr: read what it wrote',
  rw: 'rw: read a version it then overwrote',
  rt: 'rt: answered before the other was called',
};

const STYLE = `
.edge text { font: 11px ui-monospace, Menlo, Consolas, monospace; font-weight: 700; }
.txnbar rect { fill: #d6e4fa; stroke: #2f6fd6; }
.txnbar.open rect { stroke-dasharray: 4 3; fill: #fbe8c6; stroke: #e59a1a; }
.txnbar text { font: 11px ui-monospace, Menlo, Consolas, monospace; }
.txnbar.hl rect { stroke: #111; stroke-width: 2.6px; }
ul.edges { margin: 6px 0 0; padding-left: 18px; }
section.key h3 { margin-top: 14px; }
td.ops { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
`;

const ROW = 30;
const LABEL = 150;
const WIDTH = 900;

export function renderTxnPage(page: TxnPage): string {
  const title = `Strict serializability check: ${page.verdict}`;
  const parts: string[] = [];
  parts.push(`<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>${e(title)}</title>\n<style>${PAGE_STYLE}${STYLE}</style>\n</head>\n<body>`);
  parts.push(`<header><h1>Strict serializability check: <span class="verdict ${page.verdict}" id="verdict">${page.verdict}</span></h1>`);
  const source = page.source === undefined ? '' : `; history <code>${e(page.source)}</code>`;
  parts.push(`<p class="meta">${e(page.summary)}${source}</p></header>\n<main>`);
  for (const n of page.notes) parts.push(`<p class="note">${e(n)}</p>`);
  if (page.sections.length === 0) {
    parts.push(page.verdict === 'PASSED' ? `<p id="outcome">The history is strictly serializable: there is nothing to show.</p>` : `<p id="outcome">No anomaly to draw.</p>`);
  }
  if (page.undecided !== undefined) parts.push(`<p class="note" id="undecided">Undecided: ${e(page.undecided)}</p>`);
  page.sections.forEach((s, i) => parts.push(renderSection(s, i + 1, page.timeUnit)));
  if (page.more.length > 0) parts.push(`<p class="note" id="more">Not drawn (the log counts them): ${page.more.map(e).join('; ')}.</p>`);
  parts.push(`</main>\n<script>${HOVER_SCRIPT}</script>\n</body>\n</html>\n`);
  return parts.join('\n');
}

function renderSection(s: SectionView, n: number, unit: string): string {
  const out: string[] = [];
  out.push(`<section class="key" id="anomaly-${n}" data-role="anomaly">`);
  out.push(`<h2>${n}. ${e(s.title)}</h2>`);
  out.push(`<pre>${e(s.lines.join('\n'))}</pre>`);
  if (s.edges.length > 0) {
    const types = [...new Set(s.edges.map((x) => x.type))];
    out.push(`<div class="legend">${types.map((t) => `<span style="--c:${EDGE_COLOUR[t]}">${e(EDGE_MEANING[t])}</span>`).join('')}</div>`);
  }
  out.push(renderTimeline(s, unit));
  if (s.edges.length > 0) out.push(`<h3>Edges of the cycle</h3>\n<ul class="edges">${s.edges.map((x) => `<li data-role="edge" data-type="${x.type}">${e(x.text)}</li>`).join('')}</ul>`);
  out.push(`<h3>Transactions</h3>\n<table><tr><th>txn</th><th>client</th><th>called … answered</th><th>outcome</th><th>operations</th></tr>`);
  for (const t of s.txns) {
    out.push(
      `<tr data-op="${t.txn}" data-role="txn"><td>${e(t.name)}</td><td>${t.client}</td><td class="mono">${time(t.call, unit)} … ${t.ret === null ? 'never' : time(t.ret, unit)}</td>` +
        `<td>${e(t.outcome)}</td><td class="ops">${t.ops.map(e).join('<br>')}</td></tr>`,
    );
  }
  out.push(`</table>\n</section>`);
  return out.join('\n');
}

function time(t: number, unit: string): string {
  return `${Number.isInteger(t) ? String(t) : t.toFixed(3)}${e(unit)}`;
}

/**
 * One row per transaction; an edge leaves the right end of its bar and enters the left end of the
 * next. Time is drawn by order, not to scale: every call and answer gets its own step, so a
 * transaction of a millisecond in a run of a minute stays visible and which came first stays plain.
 */
function renderTimeline(s: SectionView, unit: string): string {
  const times = [...new Set(s.txns.flatMap((t) => (t.ret === null ? [t.call] : [t.call, t.ret])))].sort((a, b) => a - b);
  const rank = new Map(times.map((t, i) => [t, i]));
  // Open transactions run one step past the last answer, to the right edge.
  const steps = times.length + (s.txns.some((t) => t.ret === null) ? 1 : 0);
  const stepWidth = (WIDTH - LABEL - 20) / Math.max(1, steps - 1);
  const x = (t: number | null): number => LABEL + (t === null ? steps - 1 : rank.get(t)!) * stepWidth;
  const start = times[0]!;
  const last = times[times.length - 1]!;
  const row = new Map<number, number>(s.txns.map((t, i) => [t.txn, i]));
  const height = s.txns.length * ROW + 24;
  const out: string[] = [];
  out.push(`<div class="timeline"><svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="timeline of the anomaly's transactions">`);
  out.push(
    `<defs>${(Object.keys(EDGE_COLOUR) as EdgeType[]).map((t) => `<marker id="arrow-${t}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_COLOUR[t]}"/></marker>`).join('')}</defs>`,
  );
  s.txns.forEach((t, i) => {
    const y = i * ROW + 8;
    const x0 = x(t.call);
    const x1 = Math.max(x(t.ret), x0 + 3);
    out.push(
      `<g class="txnbar${t.ret === null ? ' open' : ''}" data-op="${t.txn}" data-role="bar"><title>${e(`${t.name} client ${t.client}: ${t.outcome}; ${t.ops.join('; ')}`)}</title>` +
        `<text x="4" y="${y + 13}">${e(t.name)} c${t.client}</text><rect x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${ROW - 12}" rx="3"/></g>`,
    );
  });
  for (const edge of s.edges) {
    const a = s.txns[row.get(edge.from)!]!;
    const b = s.txns[row.get(edge.to)!]!;
    const ya = row.get(edge.from)! * ROW + 8 + (ROW - 12) / 2;
    const yb = row.get(edge.to)! * ROW + 8 + (ROW - 12) / 2;
    const xa = x(a.ret);
    const xb = x(b.call);
    // A curve bows out to the right of both ends, so an edge going back in time stays readable.
    const bow = Math.max(30, Math.abs(yb - ya) / 2);
    const path = `M${xa.toFixed(1)},${ya} C${(xa + bow).toFixed(1)},${ya} ${(xb - bow).toFixed(1)},${yb} ${xb.toFixed(1)},${yb}`;
    const mx = (xa + xb) / 2;
    const my = (ya + yb) / 2 - 3;
    out.push(
      `<g class="edge" data-role="edge-arrow" data-type="${edge.type}"><title>${e(edge.text)}</title><path d="${path}" fill="none" stroke="${EDGE_COLOUR[edge.type]}" stroke-width="1.8" marker-end="url(#arrow-${edge.type})"/>` +
        `<text x="${mx.toFixed(1)}" y="${my.toFixed(1)}" fill="${EDGE_COLOUR[edge.type]}">${edge.type}</text></g>`,
    );
  }
  out.push(
    `<text x="${LABEL}" y="${height - 4}" font-size="11" fill="#5d6675">${time(start, unit)} (in order, not to scale)</text>` +
      `<text x="${WIDTH - 20}" y="${height - 4}" font-size="11" fill="#5d6675" text-anchor="end">${time(last, unit)}</text>`,
  );
  out.push(`</svg></div>`);
  return out.join('\n');
}

/**
 * The dashboard's one page: HTML, CSS and script in one string, nothing fetched from
 * elsewhere (it works offline). The script follows /events (server-sent events; the browser
 * reconnects on its own) and updates the page in place: one card per group with its leader,
 * term, sparklines of throughput and mean latency, and a row per node (role, term,
 * commit/applied/last index, log and snapshot size, the leader it follows, pid, buttons);
 * the links the proxy holds cut or delayed; a timeline of leader changes and faults. Rows and
 * buttons are made once and then only updated, so a click is never lost to a redraw. Each
 * button asks for confirmation, POSTs /api/action and lists what was done.
 *
 * Hooks for tests: tr[data-node=ID] with data-state and data-role, [data-group=ID] .leader,
 * button[data-action=KIND][data-node=ID], #actions li.
 */
export function dashboardPage(): string {
  return PAGE;
}

const STYLE = `
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --mute:#6b7385; --line:#e2e5ea; --lead:#1b8a4b; --fol:#2f6fd6; --cand:#d98a00; --down:#c0392b; --pause:#7d4cc2; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; align-items:baseline; gap:16px; padding:12px 20px; background:#1d2330; color:#fff; }
header h1 { font-size:18px; margin:0; }
header .target { color:#b9c0cf; font-family:ui-monospace, monospace; font-size:13px; }
header .live { margin-left:auto; font-size:13px; }
.live.ok::before { content:"\\25CF "; color:#3ddc84; } .live.lost::before { content:"\\25CF "; color:#ff6b5a; }
main { padding:16px 20px; display:grid; grid-template-columns: minmax(0,1fr) 330px; gap:16px; }
.groups { display:flex; flex-direction:column; gap:14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card h2 { font-size:15px; margin:0 0 8px; display:flex; gap:14px; align-items:baseline; flex-wrap:wrap; }
.card h2 .leader { font-weight:600; color:var(--lead); } .card h2 .leader.none { color:var(--down); }
.card h2 .term { color:var(--mute); font-weight:400; font-size:13px; }
.sparks { display:flex; gap:18px; margin:4px 0 8px; flex-wrap:wrap; }
.spark { display:flex; align-items:center; gap:8px; font-size:12px; color:var(--mute); }
.spark b { color:var(--ink); font-weight:600; min-width:78px; display:inline-block; }
.spark svg { background:#fafbfc; border:1px solid var(--line); border-radius:4px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th { text-align:left; color:var(--mute); font-weight:500; border-bottom:1px solid var(--line); padding:4px 6px; }
td { padding:4px 5px; border-bottom:1px solid #f0f2f5; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
.role { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:var(--mute); }
.role.leader { background:var(--lead); } .role.follower { background:var(--fol); } .role.candidate, .role.precandidate { background:var(--cand); }
.role.down { background:var(--down); } .role.paused { background:var(--pause); } .role.silent { background:#8a6d3b; } .role.running { background:var(--fol); }
tr[data-state="down"] td:not(.keep) { color:#aab0bd; }
button { font:inherit; font-size:12px; padding:2px 6px; margin-right:2px; border:1px solid #c9ced8; border-radius:4px; background:#fff; cursor:pointer; }
button:hover { background:#eef1f6; } button.danger { color:var(--down); border-color:#e5b3ad; }
button:disabled { opacity:.4; cursor:default; }
.linkbar { margin-top:8px; display:flex; gap:6px; align-items:center; font-size:12px; color:var(--mute); flex-wrap:wrap; }
select { font:inherit; font-size:12px; }
aside { display:flex; flex-direction:column; gap:14px; }
aside h3 { font-size:14px; margin:0 0 6px; }
ol, ul { margin:0; padding-left:18px; font-size:12.5px; }
#timeline li { margin:2px 0; } #timeline .t, #actions .t { color:var(--mute); font-family:ui-monospace, monospace; font-size:11.5px; margin-right:6px; }
.k-leader { color:var(--lead); } .k-fault { color:var(--down); } .k-node { color:var(--pause); }
#actions li.failed { color:var(--down); }
.strip { width:100%; height:34px; display:block; }
.note { color:var(--mute); font-size:12px; }
.error { color:var(--down); font-size:12.5px; }
`;

const SCRIPT = `
"use strict";
var $ = function (sel, root) { return (root || document).querySelector(sel); };
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function bytes(n) {
  if (n === undefined || n === null) return "-";
  var u = ["B", "KiB", "MiB", "GiB"], i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + u[i];
}
function clock(t) { var d = new Date(t); return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0").slice(0, 1); }
var info = null, cards = {}, rows = {};

function act(kind, node, peer, question) {
  if (!window.confirm(question)) return;
  var body = { kind: kind, node: node };
  if (peer) body.peer = peer;
  var li = el("li", {}, "");
  li.appendChild(el("span", { class: "t" }, clock(Date.now())));
  var text = document.createTextNode(kind + " " + node + (peer ? " " + peer : "") + ": ...");
  li.appendChild(text);
  $("#actions").prepend(li);
  fetch("api/action", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    .then(function (r) { return r.json(); })
    .then(function (r) {
      text.textContent = r.ok ? r.message : "failed: " + r.error;
      if (!r.ok) li.className = "failed";
    })
    .catch(function (e) { text.textContent = "failed: " + e.message; li.className = "failed"; });
}

function button(kind, node, label, question, danger) {
  var b = el("button", { "data-action": kind, "data-node": node, type: "button" }, label);
  if (danger) b.className = "danger";
  b.addEventListener("click", function () { act(kind, node, undefined, question); });
  return b;
}

function card(g) {
  if (cards[g.id]) return cards[g.id];
  var c = el("section", { class: "card", "data-group": g.id });
  var h = el("h2");
  h.appendChild(el("span", {}, g.name));
  h.appendChild(el("span", { class: "leader" }, ""));
  h.appendChild(el("span", { class: "term" }, ""));
  c.appendChild(h);
  var sparks = el("div", { class: "sparks" });
  sparks.innerHTML = '<span class="spark">throughput <svg class="rate" width="220" height="36"></svg><b class="rate-v">-</b></span>' +
    '<span class="spark">mean latency <svg class="lat" width="220" height="36"></svg><b class="lat-v">-</b></span>';
  c.appendChild(sparks);
  var t = el("table");
  t.innerHTML = "<thead><tr><th>node</th><th>address</th><th>role</th><th>term</th><th>commit</th><th>applied</th><th>last</th><th>log</th><th>snapshot</th><th>follows</th><th>pid</th><th></th></tr></thead><tbody></tbody>";
  c.appendChild(t);
  if (info.actions.indexOf("cut") >= 0 && g.members.length > 1) {
    var bar = el("div", { class: "linkbar" });
    bar.appendChild(document.createTextNode("link"));
    var a = el("select", { class: "link-a" }), b = el("select", { class: "link-b" });
    g.members.forEach(function (m, i) { a.appendChild(el("option", {}, m)); var o = el("option", {}, m); if (i === 1) o.selected = true; b.appendChild(o); });
    bar.appendChild(a); bar.appendChild(document.createTextNode("\\u2194")); bar.appendChild(b);
    var cut = el("button", { type: "button", "data-action": "cut" }, "cut"), heal = el("button", { type: "button", "data-action": "heal" }, "heal");
    cut.className = "danger";
    cut.addEventListener("click", function () { act("cut", a.value, b.value, "Cut the link between " + a.value + " and " + b.value + " both ways?"); });
    heal.addEventListener("click", function () { act("heal", a.value, b.value, "Heal the link between " + a.value + " and " + b.value + "?"); });
    bar.appendChild(cut); bar.appendChild(heal);
    c.appendChild(bar);
  }
  $(".groups").appendChild(c);
  cards[g.id] = c;
  return c;
}

function row(n, c) {
  if (rows[n.node]) return rows[n.node];
  var tr = el("tr", { "data-node": n.node });
  ["node", "address", "role", "term", "commit", "applied", "last", "log", "snapshot", "follows", "pid", "buttons"].forEach(function (k) {
    var td = el("td", { class: "c-" + k });
    if (["term", "commit", "applied", "last", "log", "snapshot", "pid"].indexOf(k) >= 0) td.className += " num";
    if (k === "node" || k === "role" || k === "buttons") td.className += " keep";
    tr.appendChild(td);
  });
  $(".c-node", tr).textContent = n.node;
  var cell = $(".c-buttons", tr), has = function (k) { return info.actions.indexOf(k) >= 0; };
  if (has("kill")) cell.appendChild(button("kill", n.node, "kill -9", "kill -9 " + n.node + "?", true));
  if (has("pause")) cell.appendChild(button("pause", n.node, "pause", "Pause " + n.node + " (SIGSTOP)?"));
  if (has("resume")) cell.appendChild(button("resume", n.node, "resume", "Resume " + n.node + " (SIGCONT)?"));
  if (has("restart")) cell.appendChild(button("restart", n.node, "restart", "Restart " + n.node + " on its storage?"));
  if (has("transfer")) cell.appendChild(button("transfer", n.node, "lead", "Make " + n.node + " the leader of its group?"));
  $("tbody", c).appendChild(tr);
  rows[n.node] = tr;
  return tr;
}

function spark(svg, values, fmt, label) {
  var w = 220, h = 36, pts = values.filter(function (v) { return v !== null; });
  var max = Math.max.apply(null, pts.concat([1e-9]));
  var path = "", step = values.length > 1 ? w / (values.length - 1) : w;
  values.forEach(function (v, i) {
    if (v === null) return;
    path += (path === "" ? "M" : "L") + (i * step).toFixed(1) + "," + (h - 3 - (v / max) * (h - 8)).toFixed(1);
  });
  svg.innerHTML = '<path d="' + path + '" fill="none" stroke="#2f6fd6" stroke-width="1.6"/>';
  var last = values.length ? values[values.length - 1] : null;
  label.textContent = last === null ? "-" : fmt(last);
  label.title = "max " + fmt(max) + " over " + values.length + " points";
}

function render(f) {
  info = f.info;
  var v = f.view;
  $("#stage").textContent = info.stage;
  $("#target").textContent = info.target;
  $("#readonly").textContent = info.actions.length === 0 ? (info.readOnlyReason || "watch only") : "";
  $("#error").textContent = f.error || "";
  $("#updated").textContent = v.t ? "updated " + clock(v.t) : "";
  var byGroup = {};
  v.groups.forEach(function (g) {
    var c = card(g);
    var l = $("h2 .leader", c);
    // A group of one has no election to show: its row says whether it is up.
    l.textContent = g.leader ? "leader " + g.leader : g.members.length > 1 ? "no leader" : "";
    l.className = "leader" + (g.leader ? "" : " none");
    $("h2 .term", c).textContent = g.term !== null && info.stage !== "p2" ? "term " + g.term : "";
    spark($("svg.rate", c), g.series.map(function (p) { return p.rate; }), function (x) { return x.toFixed(x < 10 ? 1 : 0) + " req/s"; }, $(".rate-v", c));
    spark($("svg.lat", c), g.series.map(function (p) { return p.latencyMs; }), function (x) { return x.toFixed(x < 10 ? 2 : 1) + " ms"; }, $(".lat-v", c));
    byGroup[g.id] = c;
  });
  v.nodes.forEach(function (n) {
    var tr = row(n, byGroup[n.group] || card({ id: n.group, name: n.group, members: [] }));
    var s = n.status, role = n.state === "up" ? s.role : n.state;
    tr.setAttribute("data-state", n.state);
    tr.setAttribute("data-role", role);
    var set = function (k, t) { $(".c-" + k, tr).textContent = t; };
    set("address", n.address);
    var r = $(".c-role", tr);
    r.innerHTML = "";
    var badge = el("span", { class: "role " + role }, n.state === "silent" ? "not answering" : role);
    if (n.why) badge.title = n.why;
    r.appendChild(badge);
    set("term", s ? s.term : "-"); set("commit", s ? s.commit : "-"); set("applied", s ? s.applied : "-"); set("last", s ? s.lastIndex : "-");
    set("log", s ? bytes(s.logBytes) : "-"); set("snapshot", s ? bytes(s.snapshotBytes) + (s.snapshotIndex ? " @" + s.snapshotIndex : "") : "-");
    set("follows", n.follows ? (n.follows === n.node ? "itself" : n.follows) : "-");
    set("pid", n.pid !== undefined ? n.pid : "-");
    var b = function (k) { return $('button[data-action="' + k + '"]', tr); };
    var alive = n.pid !== undefined || n.state === "up";
    if (b("kill")) b("kill").disabled = !alive;
    if (b("pause")) b("pause").disabled = !alive || n.state === "paused";
    if (b("resume")) b("resume").disabled = n.state !== "paused";
    if (b("restart")) b("restart").disabled = alive;
    if (b("transfer")) b("transfer").disabled = n.state !== "up" || role === "leader";
  });
  var links = $("#links");
  if (!v.links) links.textContent = "no link proxy: links cannot be cut";
  else if (v.links.error) links.textContent = v.links.error;
  else links.textContent = (v.links.cut.length ? "cut: " + v.links.cut.join(", ") : "no link cut") + (v.links.delayed.length ? "; delayed: " + v.links.delayed.join(", ") : "");
  timeline(v);
}

function timeline(v) {
  var svg = $("#strip"), w = svg.clientWidth || 340, span = 120000, now = v.t || Date.now();
  var marks = '<line x1="0" y1="17" x2="' + w + '" y2="17" stroke="#d5d9e0"/>';
  for (var s = 0; s <= span; s += 30000) {
    var x = w - (s / span) * w;
    marks += '<text x="' + Math.max(0, x - 14) + '" y="33" font-size="9" fill="#8a92a3">-' + s / 1000 + 's</text>';
  }
  var colour = { leader: "#1b8a4b", fault: "#c0392b", node: "#7d4cc2" };
  v.timeline.forEach(function (e) {
    var age = now - e.t;
    if (age < 0 || age > span) return;
    var x = (w - (age / span) * w).toFixed(1);
    marks += '<line x1="' + x + '" x2="' + x + '" y1="' + (e.kind === "leader" ? 4 : 10) + '" y2="' + (e.kind === "leader" ? 17 : 24) + '" stroke="' + colour[e.kind] + '" stroke-width="2"><title></title></line>';
  });
  svg.innerHTML = marks;
  var titles = svg.querySelectorAll("title"), i = 0;
  v.timeline.forEach(function (e) { var age = now - e.t; if (age >= 0 && age <= span) titles[i++].textContent = clock(e.t) + " " + e.text; });
  var list = $("#timeline");
  list.innerHTML = "";
  v.timeline.slice(-40).reverse().forEach(function (e) {
    var li = el("li", { class: "k-" + e.kind });
    li.appendChild(el("span", { class: "t" }, clock(e.t)));
    li.appendChild(document.createTextNode(e.text));
    list.appendChild(li);
  });
}

var source = new EventSource("events");
source.onmessage = function (m) { $("#live").className = "live ok"; $("#live").textContent = "live"; render(JSON.parse(m.data)); };
source.onerror = function () { $("#live").className = "live lost"; $("#live").textContent = "reconnecting"; };
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MadKV dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>MadKV <span id="stage"></span></h1><span class="target" id="target"></span><span id="updated" class="target"></span><span id="live" class="live lost">connecting</span></header>
<main>
  <div>
    <p id="readonly" class="note"></p><p id="error" class="error"></p>
    <div class="groups"></div>
  </div>
  <aside>
    <section class="card"><h3>Links</h3><div id="links" class="note"></div></section>
    <section class="card"><h3>Timeline (last 2 min)</h3>
      <svg id="strip" class="strip"></svg>
      <p class="note"><span class="k-leader">&#9679; leader change</span> &nbsp; <span class="k-fault">&#9679; fault</span> &nbsp; <span class="k-node">&#9679; node seen</span></p>
      <ul id="timeline"></ul></section>
    <section class="card"><h3>Actions</h3><ul id="actions"></ul></section>
  </aside>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

// The Qrew dashboard: plain JS, no dependencies. Pages are routed by the URL hash:
// #/runs, #/runs/<id>, #/workers, #/dlq, #/pools. Data comes from the HTTP API of the
// same qrew-web (docs/http-api.md); a run page follows the run live over Server-Sent Events.
"use strict";

const main = document.getElementById("main");
const FINAL = new Set(["succeeded", "failed", "timed_out", "lost", "skipped", "canceled"]);
const STATES = ["running", "ready", "waiting", "failed", "timed_out", "lost", "canceled", "skipped", "succeeded"];
const COLORS = {
  waiting: "#c9ccd4", ready: "#8fb3e8", running: "#2f7de1", succeeded: "#2ea66a", failed: "#d64545",
  timed_out: "#e07b2e", lost: "#a0522d", skipped: "#b5b8c0", canceled: "#7a7f8c", unknown: "#c9ccd4",
};
const LIGHT = new Set(["waiting", "ready", "skipped", "unknown"]);
// Level of detail: the most nodes drawn per level, and the biggest group that may be expanded.
const MAX_NODES_PER_LEVEL = 120;
const MAX_EXPANDED_GROUP = 120;
// Runs with more tasks are followed from the snapshot's stream position, not replayed from the start.
const FULL_REPLAY_TASKS = 2000;

let config = { writes: "disabled", namespace: "" };
let leaving = [];

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const token = sessionStorage.getItem("qrew-token");
  if (token && options.method === "POST") headers.Authorization = "Bearer " + token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!response.ok) {
    const error = body && body.error ? body.error : { message: response.status + " " + response.statusText };
    const problems = error.problems ? "\n" + error.problems.join("\n") : "";
    throw new Error(error.message + problems);
  }
  return { body, response };
}

function badge(state) { return `<span class="badge ${esc(state)}">${esc(state)}</span>`; }

function duration(ms) {
  if (ms == null || ms < 0) return "-";
  if (ms < 1000) return ms + "ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
  const s = Math.floor(ms / 1000);
  if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
}

function span(from, to) {
  if (!from) return null;
  return (to ? Date.parse(to) : Date.now()) - Date.parse(from);
}

function ago(time) { return time ? duration(Date.now() - Date.parse(time)) + " ago" : "-"; }

function every(ms, fn) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    try { await fn(); } catch (error) { toast(error.message); }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  leaving.push(() => { stopped = true; clearTimeout(timer); });
}

// ---------------------------------------------------------------- runs list

function runsPage() {
  main.innerHTML = `<h1>Runs</h1>
    <div class="filters">
      <select id="state-filter"><option value="">every state</option>
        ${["queued", "running", "retrying", "canceling", "succeeded", "failed", "canceled"].map((s) => `<option>${s}</option>`).join("")}
      </select>
      <input id="name-filter" placeholder="filter by name or id">
    </div>
    <table id="runs"><thead><tr><th>run</th><th>name</th><th>state</th><th>progress</th><th>created</th><th>duration</th></tr></thead><tbody></tbody></table>`;
  const stateFilter = document.getElementById("state-filter");
  const nameFilter = document.getElementById("name-filter");
  let runs = [];
  const render = () => {
    const needle = nameFilter.value.trim().toLowerCase();
    const rows = runs.filter((r) => !needle || r.name.toLowerCase().includes(needle) || r.id.toLowerCase().includes(needle));
    document.querySelector("#runs tbody").innerHTML = rows.map((r) => {
      const percent = r.total ? Math.round((100 * r.done) / r.total) : 0;
      return `<tr data-run="${esc(r.id)}"><td class="mono"><a href="#/runs/${encodeURIComponent(r.id)}">${esc(r.id)}</a></td>
        <td>${esc(r.name)}</td><td>${badge(r.state)}</td>
        <td><span class="bar"><span style="width:${percent}%"></span></span> ${r.done}/${r.total}</td>
        <td>${r.createdAt ? new Date(r.createdAt).toLocaleString() : "-"}</td>
        <td>${duration(span(r.startedAt || r.createdAt, r.finishedAt))}</td></tr>`;
    }).join("") || `<tr><td colspan="6" class="muted">no runs in namespace ${esc(config.namespace)}</td></tr>`;
  };
  const load = async () => {
    const state = stateFilter.value ? "&state=" + encodeURIComponent(stateFilter.value) : "";
    runs = (await api("/api/runs?limit=200" + state)).body.runs;
    render();
  };
  stateFilter.onchange = load;
  nameFilter.oninput = render;
  every(2000, load);
}

// ---------------------------------------------------------------- run page

/** The run page's state: tasks by id, the drawn nodes, the view transform. */
class RunView {
  constructor(id) {
    this.id = id;
    this.tasks = new Map();
    this.outputs = new Map();
    this.expanded = new Set();
    this.dirty = new Set();
    this.view = { x: 20, y: 20, k: 1 };
    this.selected = null;
    this.source = null;
  }

  async load() {
    const started = performance.now();
    const [plan, status] = await Promise.all([
      api(`/api/runs/${encodeURIComponent(this.id)}/plan`),
      api(`/api/runs/${encodeURIComponent(this.id)}`),
    ]);
    this.plan = plan.body;
    this.run = status.body;
    this.position = status.response.headers.get("X-Qrew-Stream-Position") || "0";
    this.critical = new Set(this.plan.criticalPath);
    this.tasks.clear();
    for (const task of this.plan.tasks) this.tasks.set(task.id, { id: task.id, step: task.step, level: task.level, state: "waiting", attempts: 0 });
    for (const task of this.run.tasks) {
      const known = this.tasks.get(task.id);
      if (known) Object.assign(known, { state: task.state, attempts: task.attempts, worker: task.worker });
    }
    this.layout();
    this.draw();
    this.header();
    this.follow();
    if (this.run.finishedAt) this.showStats();
    document.body.dataset.dagReadyMs = String(Math.round(performance.now() - started));
    document.body.dataset.dagTasks = String(this.tasks.size);
  }

  /** Groups tasks into nodes: one per task, or one per matrix step in a level (collapsed). */
  layout() {
    const byLevel = this.plan.levels;
    this.nodes = [];
    this.nodeOf = new Map();
    const NODE_W = 190, NODE_H = 34, GAP_X = 70, GAP_Y = 12;
    byLevel.forEach((ids, level) => {
      const groups = new Map();
      for (const id of ids) {
        const task = this.tasks.get(id);
        const step = task ? task.step : id;
        if (!groups.has(step)) groups.set(step, []);
        groups.get(step).push(id);
      }
      let nodes = [];
      for (const [step, members] of groups) {
        const key = level + ":" + step;
        if (members.length > 1 && !(this.expanded.has(key) && members.length <= MAX_EXPANDED_GROUP)) {
          nodes.push({ key, label: step, tasks: members, group: true, level });
        } else {
          for (const id of members) nodes.push({ key: "t:" + id, label: id, tasks: [id], group: false, level });
        }
      }
      if (nodes.length > MAX_NODES_PER_LEVEL) {
        nodes = [{ key: "level:" + level, label: `level ${level + 1}`, tasks: ids.slice(), group: true, level, whole: true }];
      }
      nodes.forEach((node, index) => {
        node.x = level * (NODE_W + GAP_X);
        node.y = index * (NODE_H + GAP_Y);
        node.w = NODE_W;
        node.h = NODE_H;
        node.index = this.nodes.length;
        node.critical = node.tasks.some((t) => this.critical.has(t));
        this.nodes.push(node);
        for (const id of node.tasks) this.nodeOf.set(id, node);
      });
    });
    const seen = new Set();
    this.edges = [];
    const path = this.plan.criticalPath;
    const criticalPairs = new Set();
    for (let i = 1; i < path.length; i++) {
      const a = this.nodeOf.get(path[i - 1]), b = this.nodeOf.get(path[i]);
      if (a && b) criticalPairs.add(a.index + ">" + b.index);
    }
    for (const [from, to] of this.plan.edges) {
      const a = this.nodeOf.get(from), b = this.nodeOf.get(to);
      if (!a || !b || a === b) continue;
      const key = a.index + ">" + b.index;
      if (seen.has(key)) continue;
      seen.add(key);
      this.edges.push({ a, b, critical: criticalPairs.has(key) });
    }
  }

  counts(node) {
    const counts = {};
    for (const id of node.tasks) {
      const state = this.tasks.get(id)?.state || "unknown";
      counts[state] = (counts[state] || 0) + 1;
    }
    return counts;
  }

  /** The colour a node shows: its task's state, or for a group the most pressing state in it. */
  nodeState(node, counts) {
    if (!node.group) return this.tasks.get(node.tasks[0])?.state || "unknown";
    for (const state of ["running", "failed", "timed_out", "lost", "ready"]) if (counts[state]) return state;
    if (counts.waiting) return counts.succeeded ? "running" : "waiting";
    if (counts.succeeded === node.tasks.length) return "succeeded";
    for (const state of ["canceled", "skipped", "succeeded"]) if (counts[state]) return state;
    return "unknown";
  }

  nodeInner(node) {
    const counts = this.counts(node);
    const state = this.nodeState(node, counts);
    let inner = `<rect width="${node.w}" height="${node.h}" fill="${COLORS[state] || COLORS.unknown}"></rect>`;
    if (node.group) {
      let x = 0;
      for (const s of STATES) {
        if (!counts[s]) continue;
        const w = (node.w * counts[s]) / node.tasks.length;
        inner += `<rect class="seg" x="${x}" y="${node.h - 6}" width="${w}" height="6" fill="${COLORS[s]}" stroke="none" rx="0"></rect>`;
        x += w;
      }
      const done = node.tasks.length - (counts.waiting || 0) - (counts.ready || 0) - (counts.running || 0) - (counts.unknown || 0);
      inner += `<text x="8" y="15">${esc(trim(node.label, 20))} ×${node.tasks.length}</text>`;
      inner += `<text x="${node.w - 8}" y="15" text-anchor="end">${done}/${node.tasks.length}</text>`;
    } else {
      inner += `<text x="8" y="21">${esc(trim(node.label, 28))}</text>`;
    }
    return { inner, state };
  }

  draw() {
    const svg = document.getElementById("dag");
    const parts = [];
    for (const edge of this.edges) {
      const x1 = edge.a.x + edge.a.w, y1 = edge.a.y + edge.a.h / 2, x2 = edge.b.x, y2 = edge.b.y + edge.b.h / 2;
      const mx = (x1 + x2) / 2;
      parts.push(`<path class="edge${edge.critical ? " critical" : ""}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}"></path>`);
    }
    for (const node of this.nodes) {
      const { inner, state } = this.nodeInner(node);
      const classes = ["node", node.group ? "group" : "task", node.critical ? "critical" : "", LIGHT.has(state) ? "light" : "", this.selected === node.key ? "selected" : ""];
      parts.push(`<g class="${classes.join(" ")}" id="n${node.index}" data-key="${esc(node.key)}" data-state="${esc(state)}" transform="translate(${node.x},${node.y})"><title>${esc(node.group ? `${node.label}: ${node.tasks.length} tasks` : node.label)}</title>${inner}</g>`);
    }
    svg.innerHTML = `<g id="viewport">${parts.join("")}</g>`;
    this.applyView();
  }

  /** Redraws the nodes whose tasks changed, at most once a frame. */
  touch(id) {
    const node = this.nodeOf.get(id);
    if (!node) return;
    this.dirty.add(node);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = null;
    for (const node of this.dirty) {
      const element = document.getElementById("n" + node.index);
      if (!element) continue;
      const { inner, state } = this.nodeInner(node);
      element.innerHTML = `<title>${esc(node.group ? `${node.label}: ${node.tasks.length} tasks` : node.label)}</title>${inner}`;
      element.dataset.state = state;
      element.classList.toggle("light", LIGHT.has(state));
    }
    this.dirty.clear();
    this.header();
    if (this.selected && this.panelDirty) {
      this.panelDirty = false;
      this.showPanel(this.selected, false);
    }
  }

  applyView() {
    const viewport = document.getElementById("viewport");
    if (viewport) viewport.setAttribute("transform", `translate(${this.view.x},${this.view.y}) scale(${this.view.k})`);
  }

  fit() {
    const svg = document.getElementById("dag");
    const width = Math.max(...this.nodes.map((n) => n.x + n.w), 1), height = Math.max(...this.nodes.map((n) => n.y + n.h), 1);
    const box = svg.getBoundingClientRect();
    const k = Math.min(2, Math.max(0.05, Math.min((box.width - 40) / width, (box.height - 40) / height)));
    this.view = { x: 20, y: 20, k };
    this.applyView();
  }

  /** Pan by dragging, zoom with the wheel around the pointer. */
  bindPanZoom() {
    const svg = document.getElementById("dag");
    let drag = null;
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      const px = event.clientX - box.left, py = event.clientY - box.top;
      const factor = Math.exp(-event.deltaY * 0.0015);
      const k = Math.min(4, Math.max(0.03, this.view.k * factor));
      this.view.x = px - ((px - this.view.x) * k) / this.view.k;
      this.view.y = py - ((py - this.view.y) * k) / this.view.k;
      this.view.k = k;
      this.applyView();
    }, { passive: false });
    svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, vx: this.view.x, vy: this.view.y, moved: false };
      svg.classList.add("dragging");
    });
    window.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      this.view.x = drag.vx + dx;
      this.view.y = drag.vy + dy;
      this.applyView();
    });
    window.addEventListener("pointerup", (event) => {
      if (!drag) return;
      const moved = drag.moved;
      drag = null;
      svg.classList.remove("dragging");
      if (moved) return;
      const target = document.elementFromPoint(event.clientX, event.clientY)?.closest(".node");
      if (target) this.select(target.dataset.key);
    });
  }

  select(key) {
    this.selected = key;
    for (const element of document.querySelectorAll("#dag .node.selected")) element.classList.remove("selected");
    const node = this.nodes.find((n) => n.key === key);
    if (node) document.getElementById("n" + node.index)?.classList.add("selected");
    this.showPanel(key, true);
  }

  async showPanel(key, fresh) {
    const panel = document.getElementById("panel");
    const node = this.nodes.find((n) => n.key === key);
    if (!node) { panel.innerHTML = `<p class="muted">Select a task.</p>`; return; }
    if (node.group) {
      const counts = this.counts(node);
      const expandable = !node.whole && node.tasks.length <= MAX_EXPANDED_GROUP;
      const order = (id) => STATES.indexOf(this.tasks.get(id)?.state);
      const listed = node.tasks.slice().sort((a, b) => order(a) - order(b)).slice(0, 300);
      panel.innerHTML = `<h2>${esc(node.label)} <span class="muted">(${node.tasks.length} tasks)</span></h2>
        <p>${STATES.filter((s) => counts[s]).map((s) => `${badge(s)} ${counts[s]}`).join(" ")}</p>
        ${expandable ? `<p><button id="expand">Expand into ${node.tasks.length} nodes</button></p>` : `<p class="muted">Too many tasks to draw one by one; pick one below.</p>`}
        <table><tbody>${listed.map((id) => `<tr><td class="mono"><a href="#" data-task="${esc(id)}">${esc(id)}</a></td><td>${badge(this.tasks.get(id)?.state || "unknown")}</td></tr>`).join("")}</tbody></table>
        ${node.tasks.length > listed.length ? `<p class="muted">and ${node.tasks.length - listed.length} more</p>` : ""}`;
      if (expandable) document.getElementById("expand").onclick = () => { this.expanded.add(node.key); this.relayout(); };
      for (const link of panel.querySelectorAll("a[data-task]")) {
        link.onclick = (event) => { event.preventDefault(); this.showTask(link.dataset.task, true); };
      }
      return;
    }
    this.showTask(node.tasks[0], fresh);
  }

  async showTask(id, fresh) {
    const panel = document.getElementById("panel");
    this.panelTask = id;
    let task;
    try {
      task = (await api(`/api/runs/${encodeURIComponent(this.id)}/tasks/${encodeURIComponent(id)}`)).body;
    } catch (error) {
      panel.innerHTML = `<p class="error-text">${esc(error.message)}</p>`;
      return;
    }
    if (this.panelTask !== id) return;
    const lines = this.outputs.get(id) || [];
    const output = lines.length
      ? lines.map((l) => `<span class="${l.stream}">${esc(l.text)}</span>`).join("\n")
      : esc(task.output || "");
    const keepScroll = !fresh && document.querySelector("#panel pre.output");
    const atBottom = keepScroll ? keepScroll.scrollTop + keepScroll.clientHeight >= keepScroll.scrollHeight - 4 : true;
    panel.innerHTML = `<h2 class="mono" id="panel-task">${esc(task.id)}</h2>
      <dl>
        <dt>state</dt><dd id="panel-state">${badge(task.state)}${task.cached ? " (cached)" : ""}</dd>
        <dt>step</dt><dd>${esc(task.step)}</dd>
        <dt>attempts</dt><dd>${task.attempts}</dd>
        <dt>worker</dt><dd>${esc(task.worker || "-")}</dd>
        <dt>queued</dt><dd>${task.queuedAt ? new Date(task.queuedAt).toLocaleTimeString() : "-"}</dd>
        <dt>started</dt><dd>${task.startedAt ? new Date(task.startedAt).toLocaleTimeString() : "-"}</dd>
        <dt>finished</dt><dd>${task.finishedAt ? new Date(task.finishedAt).toLocaleTimeString() : "-"}</dd>
        <dt>duration</dt><dd>${duration(span(task.startedAt, task.finishedAt))}</dd>
        <dt>exit code</dt><dd>${task.exitCode ?? "-"}</dd>
        ${task.progress != null ? `<dt>progress</dt><dd>${task.progress}% ${esc(task.progressMessage || "")}</dd>` : ""}
        ${task.waitingFor ? `<dt>waiting for</dt><dd>${esc(task.waitingFor)}</dd>` : ""}
      </dl>
      ${task.error ? `<p class="error-text" id="panel-error">${esc(task.error)}</p>` : ""}
      <h3>output</h3><pre class="output" id="panel-output">${output || '<span class="muted">no output yet</span>'}</pre>`;
    const pre = document.getElementById("panel-output");
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  relayout() {
    this.layout();
    this.draw();
    if (this.selected) this.select(this.selected);
  }

  header() {
    const counts = {};
    for (const task of this.tasks.values()) counts[task.state] = (counts[task.state] || 0) + 1;
    const total = this.tasks.size;
    const done = [...FINAL].reduce((sum, s) => sum + (counts[s] || 0), 0);
    const head = document.getElementById("run-state");
    if (head) head.innerHTML = badge(this.run.state);
    const progress = document.getElementById("run-progress");
    if (progress) progress.innerHTML = `<span class="bar"><span style="width:${total ? (100 * done) / total : 0}%"></span></span> ${done}/${total}`;
    const finished = !!this.run.finishedAt || FINAL.has(this.run.state);
    const cancel = document.getElementById("cancel-run"), retry = document.getElementById("retry-run");
    if (cancel) cancel.disabled = finished;
    if (retry) retry.disabled = !finished;
  }

  /** Follows the run's events; small runs from the start (so every task's output is at hand). */
  follow() {
    if (this.source) this.source.close();
    const full = this.tasks.size <= FULL_REPLAY_TASKS;
    const from = full || this.position === "0" ? "" : "?lastEventId=" + encodeURIComponent(this.position);
    if (full) this.outputs.clear();
    this.replaying = full;
    const source = new EventSource(`/api/runs/${encodeURIComponent(this.id)}/events${from}`);
    this.source = source;
    source.onmessage = (message) => this.apply(JSON.parse(message.data));
    leaving.push(() => source.close());
  }

  apply(event) {
    const task = event.task ? this.tasks.get(event.task) : null;
    const attempt = event.attempt ? Number(event.attempt) : null;
    // A replayed event older than the snapshot's attempt must not roll the task back.
    const stale = task && attempt != null && attempt < task.attempts;
    switch (event.type) {
      case "task_started":
        if (task && !stale && !(FINAL.has(task.state) && attempt === task.attempts)) {
          Object.assign(task, { state: "running", attempts: attempt || task.attempts, worker: event.worker });
        }
        break;
      case "task_finished":
        if (task && !stale) task.state = event.state;
        if (task) this.addOutput(task.id, event);
        break;
      case "task_retrying":
        if (task && !stale && !FINAL.has(task.state)) task.state = "ready";
        if (task) this.addOutput(task.id, event);
        break;
      case "task_waiting":
      case "task_handed_back":
        if (task && !FINAL.has(task.state) && task.state !== "running") task.state = "ready";
        if (task && event.type === "task_handed_back") task.state = "ready";
        break;
      case "output":
        if (task) this.addLines(task.id, event.stream, event.lines);
        break;
      case "task_expanded":
      case "run_retried":
        clearTimeout(this.reload);
        this.reload = setTimeout(() => this.load().catch((error) => toast(error.message)), 300);
        return;
      case "run_finished":
        this.run.state = event.state;
        this.run.finishedAt = this.run.finishedAt || new Date().toISOString();
        this.source?.close();
        // Tasks the snapshot showed unfinished and no event finished (canceled in slices) are re-read.
        setTimeout(() => this.refreshStates().then(() => this.showStats()), 200);
        break;
      default:
        return;
    }
    if (task) {
      this.touch(task.id);
      if (this.panelTask === task.id) this.panelDirty = true;
    } else if (!this.frame) {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  addOutput(id, event) {
    if (event.stdout) this.addLines(id, "stdout", event.stdout);
    if (event.stderr) this.addLines(id, "stderr", event.stderr);
  }

  addLines(id, stream, text) {
    if (!text) return;
    let lines = this.outputs.get(id);
    if (!lines) { lines = []; this.outputs.set(id, lines); }
    for (const line of String(text).split("\n")) lines.push({ stream, text: line });
    if (lines.length > 5000) lines.splice(0, lines.length - 5000);
  }

  /** Where a finished run's time went (`GET /api/runs/{id}/stats`, as `qctl stats`). */
  async showStats() {
    const box = document.getElementById("run-stats");
    if (!box) return;
    try {
      const stats = (await api(`/api/runs/${encodeURIComponent(this.id)}/stats`)).body;
      const efficiency = stats.parallelEfficiency == null ? "-" : Math.round(stats.parallelEfficiency * 100) + " %";
      const tips = (stats.recommendations || []).map((r) => `<li>${esc(r)}</li>`).join("");
      box.innerHTML = `wall ${stats.wallSeconds.toFixed(1)}s · task time ${stats.taskSeconds.toFixed(1)}s ·
        critical path ${stats.criticalPath.actual.seconds.toFixed(1)}s · peak concurrency ${stats.peakConcurrency} ·
        parallel efficiency ${efficiency}${tips ? `<details><summary>${stats.recommendations.length} recommendation(s)</summary><ul>${tips}</ul></details>` : ""}`;
      box.hidden = false;
    } catch (error) {
      box.hidden = true;
    }
  }

  async refreshStates() {
    const status = (await api(`/api/runs/${encodeURIComponent(this.id)}`)).body;
    this.run = status;
    for (const task of status.tasks) {
      const known = this.tasks.get(task.id);
      if (known && known.state !== task.state) {
        Object.assign(known, { state: task.state, attempts: task.attempts, worker: task.worker });
        this.touch(task.id);
      }
    }
    this.header();
  }
}

function trim(text, length) { return text.length > length ? text.slice(0, length - 1) + "…" : text; }

async function runPage(id) {
  const writes = config.writes !== "disabled";
  main.innerHTML = `<div class="run-head">
      <h1 class="mono" style="margin:0">${esc(id)}</h1><span id="run-name" class="muted"></span>
      <span id="run-state"></span><span id="run-progress"></span><span class="spacer"></span>
      ${writes ? `<button id="cancel-run" class="danger">Cancel run</button><button id="retry-run">Retry run</button>` : ""}
    </div>
    <div id="run-stats" class="muted" hidden></div>
    <div class="run-body">
      <div id="dag-wrap"><svg id="dag" xmlns="http://www.w3.org/2000/svg"></svg>
        <div class="dag-tools"><button id="fit">Fit</button><button id="zoom-in">+</button><button id="zoom-out">−</button></div>
        <div class="legend">${STATES.map((s) => `<span><i style="background:${COLORS[s]}"></i>${s}</span>`).join("")}<span><i style="background:none;border:2px solid ${COLORS.succeeded};outline:2px solid #f2a100"></i>critical path</span></div>
      </div>
      <aside id="panel"><p class="muted">Select a task (or a matrix group) to see it here.</p></aside>
    </div>`;
  const view = new RunView(id);
  view.bindPanZoom();
  document.getElementById("fit").onclick = () => view.fit();
  const zoom = (factor) => { view.view.k = Math.min(4, Math.max(0.03, view.view.k * factor)); view.applyView(); };
  document.getElementById("zoom-in").onclick = () => zoom(1.25);
  document.getElementById("zoom-out").onclick = () => zoom(0.8);
  if (writes) {
    document.getElementById("cancel-run").onclick = async () => {
      if (!confirm(`Cancel run ${id}?`)) return;
      try {
        const result = (await api(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: "POST" })).body;
        toast(`canceled ${result.canceled} task(s); run is ${result.state}`);
      } catch (error) { toast(error.message); }
    };
    document.getElementById("retry-run").onclick = async () => {
      try {
        const result = (await api(`/api/runs/${encodeURIComponent(id)}/retry`, { method: "POST" })).body;
        toast(`retrying ${result.tasks ?? "the"} task(s)`);
        await view.load();
      } catch (error) { toast(error.message); }
    };
  }
  try {
    await view.load();
    document.getElementById("run-name").textContent = view.run.name;
    view.fit();
  } catch (error) {
    main.innerHTML = `<h1>Run ${esc(id)}</h1><p class="error-text">${esc(error.message)}</p>`;
  }
  window.qrewRunView = view;
}

// ---------------------------------------------------------------- workers, dead letters, pools

function workersPage() {
  main.innerHTML = `<h1>Workers</h1><table id="workers"><thead><tr><th>worker</th><th>slots</th><th>running</th><th>queues</th><th>host</th><th>last heartbeat</th></tr></thead><tbody></tbody></table>`;
  every(2000, async () => {
    const workers = (await api("/api/workers")).body;
    document.querySelector("#workers tbody").innerHTML = workers.map((w) => {
      const info = w.info || {};
      const running = Array.isArray(info.running) ? info.running.length : info.running ?? "-";
      return `<tr><td class="mono">${esc(w.name)}</td><td>${esc(info.slots ?? "-")}${info.concurrency ? ` (${esc(JSON.stringify(info.concurrency))})` : ""}</td>
        <td>${esc(running)}</td><td>${esc((info.queues || []).join(", "))}</td><td>${esc(info.host ?? "-")}</td><td>${ago(w.lastSeenAt)}</td></tr>`;
    }).join("") || `<tr><td colspan="6" class="muted">no worker seen in the last minute</td></tr>`;
  });
}

function dlqPage() {
  const writes = config.writes !== "disabled";
  main.innerHTML = `<h1>Dead letters</h1><table id="dlq"><thead><tr><th>id</th><th>run</th><th>task</th><th>attempts</th><th>at</th><th>reason</th><th></th></tr></thead><tbody></tbody></table>`;
  const load = async () => {
    const letters = (await api("/api/dlq")).body;
    document.querySelector("#dlq tbody").innerHTML = letters.map((d) => `<tr>
        <td class="mono">${esc(d.id)}</td><td class="mono">${d.run ? `<a href="#/runs/${encodeURIComponent(d.run)}">${esc(d.run)}</a>` : "-"}</td>
        <td class="mono">${esc(d.task)}</td><td>${d.attempts}</td><td>${new Date(d.at).toLocaleString()}</td>
        <td class="error-text">${esc(d.reason)}</td>
        <td>${writes ? `<button data-requeue="${esc(d.id)}">Requeue</button>` : ""}</td></tr>`).join("")
      || `<tr><td colspan="7" class="muted">no dead letters</td></tr>`;
    for (const button of document.querySelectorAll("button[data-requeue]")) {
      button.onclick = async () => {
        button.disabled = true;
        try {
          const result = (await api(`/api/dlq/${encodeURIComponent(button.dataset.requeue)}/requeue`, { method: "POST" })).body;
          toast(`requeued: ${result.tasks ?? "some"} task(s) of run ${result.run} run again`);
        } catch (error) { toast(error.message); }
        load();
      };
    }
  };
  every(5000, load);
}

function poolsPage() {
  main.innerHTML = `<h1>Pools</h1><table id="pools"><thead><tr><th>pool</th><th>size</th><th>in flight</th><th>waiting</th></tr></thead><tbody></tbody></table>`;
  every(2000, async () => {
    const pools = (await api("/api/pools")).body;
    document.querySelector("#pools tbody").innerHTML = pools.map((p) => `<tr><td class="mono">${esc(p.name)}</td><td>${p.size}</td>
        <td><span class="bar"><span style="width:${p.size ? Math.min(100, (100 * p.inflight) / p.size) : 0}%"></span></span> ${p.inflight}</td><td>${p.parked}</td></tr>`).join("")
      || `<tr><td colspan="4" class="muted">no pools (a workflow declares them under parallel.resources)</td></tr>`;
  });
}

// ---------------------------------------------------------------- routing

function route() {
  for (const stop of leaving) stop();
  leaving = [];
  const parts = (location.hash || "#/runs").slice(2).split("/");
  const page = parts[0] || "runs";
  for (const link of document.querySelectorAll("header nav a")) link.classList.toggle("active", link.dataset.nav === page);
  if (page === "runs" && parts[1]) return runPage(decodeURIComponent(parts.slice(1).join("/")));
  if (page === "workers") return workersPage();
  if (page === "dlq") return dlqPage();
  if (page === "pools") return poolsPage();
  return runsPage();
}

async function start() {
  try { config = (await api("/api/config")).body; } catch (error) { toast(error.message); }
  document.getElementById("namespace").textContent = "namespace " + config.namespace;
  if (config.writes === "token") {
    const box = document.getElementById("token-box");
    const input = document.getElementById("token");
    box.hidden = false;
    input.value = sessionStorage.getItem("qrew-token") || "";
    input.onchange = () => sessionStorage.setItem("qrew-token", input.value);
  }
  window.addEventListener("hashchange", route);
  route();
}

start();

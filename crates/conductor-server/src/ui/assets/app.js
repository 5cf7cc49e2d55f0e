// The execution page: plain JavaScript over the server's own REST API, no libraries.
// The selected execution is in the URL hash (#/execution/<id>), so a page can be linked to.
"use strict";

const TERMINAL = ["COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];
const REFRESH_MS = 1000;
const LIST_REFRESH_MS = 5000;

const state = {
  id: null, workflow: null, svg: null, taskId: null, reference: undefined, busy: false, lastList: 0,
};

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  }
  return node;
}

function badge(status) {
  return el("span", { class: "badge s-" + status }, status);
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try { message = JSON.parse(text).message || text; } catch (_) { /* not JSON */ }
    throw new Error(`${response.status}: ${message}`);
  }
  const type = response.headers.get("content-type") || "";
  return type.includes("json") && text ? JSON.parse(text) : text;
}

// ---- times -------------------------------------------------------------------------------

function millis(value) {
  if (value === null || value === undefined || value === "" || value === 0) return null;
  if (typeof value === "number") return value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

// Local time to the millisecond: a dev server's tasks often take a few.
function clock(value) {
  const ms = millis(value);
  if (ms === null) return "—";
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} `
    + `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function duration(ms) {
  if (ms === null || ms === undefined || ms < 0) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60000);
  return minutes < 60 ? `${minutes} min ${Math.round((ms % 60000) / 1000)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function span(start, end) {
  const a = millis(start);
  if (a === null) return null;
  const b = millis(end);
  return (b === null ? Date.now() : b) - a;
}

// ---- the list ----------------------------------------------------------------------------

function quoted(value) {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

function searchQuery() {
  const clauses = [];
  const name = $("#search-name").value.trim();
  const status = $("#search-status").value;
  const correlation = $("#search-correlation").value.trim();
  if (name) clauses.push(`workflowType STARTS_WITH ${quoted(name)}`);
  if (status) clauses.push(`status IN (${status})`);
  if (correlation) clauses.push(`correlationId = ${quoted(correlation)}`);
  return clauses.join(" AND ");
}

async function loadList() {
  state.lastList = Date.now();
  const params = new URLSearchParams({ start: "0", size: "50", sort: "startTime:DESC" });
  const query = searchQuery();
  if (query) params.set("query", query);
  try {
    const result = await api("GET", `/api/workflow/search?${params}`);
    renderList(result.results || [], result.totalHits || 0);
  } catch (error) {
    $("#list-info").textContent = `Search failed: ${error.message}`;
    $("#list-info").className = "error";
  }
}

function renderList(rows, total) {
  const info = $("#list-info");
  info.className = "muted";
  info.textContent = total === 0 ? "No executions match."
    : `${total} execution${total === 1 ? "" : "s"}${total > rows.length ? `, newest ${rows.length} shown` : ""}`;
  const body = $("#executions tbody");
  body.replaceChildren(...rows.map((row) => {
    const took = row.executionTime > 0 ? row.executionTime : span(row.startTime, row.endTime);
    const tr = el("tr", { "data-id": row.workflowId, onclick: () => select(row.workflowId) },
      el("td", {}, `${row.workflowType} v${row.version}`, el("span", { class: "wf-id" }, row.workflowId)),
      el("td", {}, badge(row.status)),
      el("td", {}, clock(row.startTime)),
      el("td", {}, duration(took)));
    if (row.workflowId === state.id) tr.classList.add("selected");
    return tr;
  }));
}

// ---- one execution -----------------------------------------------------------------------

function select(id) {
  if (location.hash !== `#/execution/${id}`) location.hash = `#/execution/${id}`;
}

function fromHash() {
  const match = location.hash.match(/^#\/execution\/(.+)$/);
  const id = match ? decodeURIComponent(match[1]) : null;
  if (id !== state.id) {
    state.id = id;
    state.workflow = null;
    state.svg = null;
    state.taskId = null;
    state.reference = undefined;
    $("#action-message").textContent = "";
  }
  for (const tr of document.querySelectorAll("#executions tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.id === id);
  }
  // Until the execution has loaded, a line says so (the previous one's details are not shown).
  if (!state.workflow) {
    $("#execution").hidden = true;
    $("#no-selection").hidden = false;
    $("#no-selection").className = "muted";
    $("#no-selection").textContent = id ? `Loading ${id}…` : "Select an execution on the left.";
  }
  if (id) loadExecution();
}

async function loadExecution() {
  const id = state.id;
  if (!id || state.busy) return;
  state.busy = true;
  try {
    const enc = encodeURIComponent(id);
    const [workflow, svg] = await Promise.all([
      api("GET", `/api/workflow/${enc}?includeTasks=true`),
      api("GET", `/ui/workflow/${enc}/graph.svg`),
    ]);
    if (id !== state.id) return;
    state.workflow = workflow;
    renderExecution(workflow, svg);
  } catch (error) {
    if (id === state.id) {
      // Shown where the execution would be, or under the buttons once one was shown.
      const where = state.workflow ? $("#action-message") : $("#no-selection");
      where.textContent = `Cannot load ${id}: ${error.message}`;
      where.className = "error";
    }
  } finally {
    state.busy = false;
  }
}

function fact(list, label, value) {
  list.append(el("dt", {}, label), el("dd", {}, value ?? "—"));
}

function renderExecution(wf, svg) {
  $("#no-selection").hidden = true;
  $("#execution").hidden = false;
  $("#wf-name").textContent = wf.workflowName || wf.workflowType || "";
  $("#wf-version").textContent = `v${wf.workflowVersion ?? wf.version ?? ""}`;
  const status = $("#wf-status");
  status.textContent = wf.status;
  status.className = "badge s-" + wf.status;
  status.dataset.status = wf.status;
  const facts = $("#wf-facts");
  facts.replaceChildren();
  fact(facts, "Id", wf.workflowId);
  fact(facts, "Correlation id", wf.correlationId || "—");
  fact(facts, "Started", clock(wf.startTime));
  fact(facts, "Ended", clock(wf.endTime));
  fact(facts, "Took", duration(span(wf.startTime, wf.endTime)));
  fact(facts, "Tasks", String((wf.tasks || []).length));
  if (wf.reasonForIncompletion) fact(facts, "Reason", wf.reasonForIncompletion);

  const running = wf.status === "RUNNING" || wf.status === "PAUSED";
  $("#terminate").disabled = !running;
  $("#retry").disabled = !["FAILED", "TIMED_OUT", "TERMINATED"].includes(wf.status);
  $("#rerun").disabled = !TERMINAL.includes(wf.status);

  // Redrawn only when it changed: a refresh keeps the focus, the hover and the scroll position.
  const graph = $("#graph");
  if (state.svg !== svg) {
    state.svg = svg;
    const scroll = [graph.scrollLeft, graph.scrollTop];
    graph.innerHTML = svg;
    [graph.scrollLeft, graph.scrollTop] = scroll;
    for (const node of graph.querySelectorAll("g.node.task")) {
      const open = () => selectTask(node.dataset.taskId || null, node.dataset.ref);
      node.addEventListener("click", open);
      node.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    }
  }

  const tasks = (wf.tasks || []).slice().sort((a, b) => a.seq - b.seq);
  $("#tasks tbody").replaceChildren(...tasks.map((task) => el("tr", {
    "data-task-id": task.taskId, onclick: () => selectTask(task.taskId, task.referenceTaskName),
  },
  el("td", {}, String(task.seq)),
  el("td", {}, task.referenceTaskName),
  el("td", {}, task.taskType),
  el("td", {}, badge(task.status)),
  el("td", {}, duration(span(task.startTime || task.scheduledTime, task.endTime))))));

  document.body.dataset.loaded = wf.workflowId;
  renderTask();
}

function selectTask(taskId, reference) {
  state.taskId = taskId;
  state.reference = reference;
  renderTask();
}

async function renderTask() {
  const wf = state.workflow;
  const graph = $("#graph");
  for (const node of graph.querySelectorAll("g.node.task")) {
    node.classList.toggle("selected", state.reference !== undefined && node.dataset.ref === state.reference);
  }
  for (const tr of document.querySelectorAll("#tasks tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.taskId === state.taskId);
  }
  if (!wf || state.reference === undefined) {
    $("#task-hint").hidden = false;
    $("#task-body").hidden = true;
    return;
  }
  // A box that ran again (a retry, a loop iteration) shows its latest task: follow the box.
  const box = graph.querySelector(`g.node.task[data-ref="${CSS.escape(state.reference)}"]`);
  const boxTask = box && box.dataset.taskId;
  const tasks = wf.tasks || [];
  const task = tasks.find((t) => t.taskId === state.taskId)
    || (boxTask && tasks.find((t) => t.taskId === boxTask));
  $("#task-hint").hidden = true;
  $("#task-body").hidden = false;
  $("#task-ref").textContent = state.reference;
  const status = $("#task-status");
  const timing = $("#task-timing");
  timing.replaceChildren();
  if (!task) {
    status.textContent = "NOT_STARTED";
    status.className = "badge";
    $("#task-input").textContent = "—";
    $("#task-output").textContent = "—";
    $("#task-logs").textContent = "This task has not been scheduled.";
    return;
  }
  status.textContent = task.status;
  status.className = "badge s-" + task.status;
  fact(timing, "Task id", task.taskId);
  fact(timing, "Type", task.taskType);
  fact(timing, "Scheduled", clock(task.scheduledTime));
  fact(timing, "Started", clock(task.startTime));
  fact(timing, "Ended", clock(task.endTime));
  // System tasks that finish at once (INLINE, JOIN...) have no start time: time them from scheduling.
  fact(timing, "Took", duration(span(task.startTime || task.scheduledTime, task.endTime)));
  fact(timing, "Queue wait", duration(task.queueWaitTime));
  fact(timing, "Attempt", String((task.retryCount || 0) + 1));
  fact(timing, "Polls", String(task.pollCount || 0));
  fact(timing, "Worker", task.workerId || "—");
  if (task.iteration) fact(timing, "Iteration", String(task.iteration));
  if (task.reasonForIncompletion) fact(timing, "Reason", task.reasonForIncompletion);
  $("#task-input").textContent = JSON.stringify(task.inputData || {}, null, 2);
  $("#task-output").textContent = JSON.stringify(task.outputData || {}, null, 2);
  try {
    const logs = await api("GET", `/api/tasks/${encodeURIComponent(task.taskId)}/log`);
    if (state.workflow !== wf) return;
    $("#task-logs").textContent = Array.isArray(logs) && logs.length
      ? logs.map((l) => `${new Date(l.createdTime).toLocaleTimeString()}  ${l.log}`).join("\n")
      : "No logs.";
  } catch (error) {
    $("#task-logs").textContent = `Cannot read logs: ${error.message}`;
  }
}

// ---- actions -----------------------------------------------------------------------------

async function act(label, method, path, body) {
  const id = state.id;
  const message = $("#action-message");
  message.className = "muted";
  message.textContent = `${label}…`;
  try {
    await api(method, path, body);
    message.textContent = `${label}: done.`;
  } catch (error) {
    message.className = "error";
    message.textContent = `${label} failed: ${error.message}`;
  }
  if (id === state.id) {
    state.busy = false;
    await loadExecution();
  }
  loadList();
}

function enc() {
  return encodeURIComponent(state.id);
}

$("#terminate").addEventListener("click", () => act("Terminate", "DELETE",
  `/api/workflow/${enc()}?reason=${encodeURIComponent("Terminated from the executions page")}`));
$("#retry").addEventListener("click", () => act("Retry", "POST",
  `/api/workflow/${enc()}/retry?resumeSubworkflowTasks=false`));
$("#rerun").addEventListener("click", () => act("Rerun", "POST",
  `/api/workflow/${enc()}/rerun`, { reRunFromWorkflowId: state.id }));

$("#search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadList();
});
window.addEventListener("hashchange", fromHash);

// While the selected execution runs, reload it every second; the list every few seconds.
setInterval(() => {
  const wf = state.workflow;
  if (state.id && (!wf || !TERMINAL.includes(wf.status))) loadExecution();
  if (Date.now() - state.lastList >= LIST_REFRESH_MS) loadList();
}, REFRESH_MS);

loadList();
fromHash();

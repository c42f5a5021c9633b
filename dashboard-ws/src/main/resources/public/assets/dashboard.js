// The buildswarm dashboard page. No framework: one WebSocket feed (/ws), keyed DOM updates, canvas
// charts. The protocol (see DashboardSocket.java and SnapshotDelta.java):
//   server -> {"type":"snapshot","seq":n,...} on connect and on request;
//   server -> {"type":"delta","seq":n+1,...} per step (at most ~4 a second, one a second when idle);
//   page   -> {"type":"resync"} when a delta's seq is not its seq + 1; older deltas are ignored.
"use strict";
(function () {
  const STATES = ["done", "failed", "cancelled", "building", "claimed", "delayed", "queued", "blocked"];
  const COLORS = { done: "#4caf7a", failed: "#e0605a", cancelled: "#8a5a9e", building: "#e0a43a", claimed: "#c9b458",
                   delayed: "#5a7fb0", queued: "#3d4c5e", blocked: "#2e3946" };
  const STALE_AFTER_MS = 5000;   // the server sends at least one delta a second
  const MAX_CARDS = 600;         // cards beyond this are counted, not drawn (filter to see them)
  const MAX_OLDER_EVENTS = 500;

  const $ = (id) => document.getElementById(id);
  let view = null;               // the current snapshot, deltas applied
  let seq = -1;
  let awaitingSnapshot = false;
  let socket = null;
  let backoffMs = 500;
  let lastMessageAt = 0;
  let clockOffset = 0;           // server time - page time, from the last message
  let dropNextDelta = false;     // test hook: behave as if the next delta were lost
  let resyncs = 0;
  let renderQueued = false;
  let dirty = { all: true, drones: new Set() };
  let reconnectAt = 0;
  let operatorToken = sessionStorage.getItem("buildswarm-operator-token") || "";
  let actionsEnabled = false;

  const serverNow = () => Date.now() + clockOffset;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function duration(ms) {
    if (ms < 0) return "?";
    const s = Math.round(ms / 1000);
    if (s < 60) return s + " s";
    const m = Math.round(s / 60);
    if (m < 60) return m + " min";
    const h = Math.floor(m / 60);
    return h + " h " + (m % 60) + " min";
  }
  function ago(ms) { return ms < 1500 ? "just now" : duration(ms) + " ago"; }
  function bytes(n) {
    if (!n) return "?";
    const units = ["B", "kB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(n < 10 && i > 0 ? 1 : 0) + " " + units[i];
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }); }

  // ---- the feed ----------------------------------------------------------------------------------

  function applyDelta(d) {
    view.seq = d.seq;
    view.atMs = d.atMs;
    for (const [section, value] of Object.entries(d.set)) view[section] = value;
    if (d.drones.upsert.length || d.drones.remove.length) {
      const byName = new Map(view.drones.map((x) => [x.name, x]));
      for (const name of d.drones.remove) { byName.delete(name); dirty.drones.add(name); }
      for (const x of d.drones.upsert) { byName.set(x.name, x); dirty.drones.add(x.name); }
      view.drones = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    if (d.events.length) view.events = d.events.concat(view.events).slice(0, 50);
  }

  function onMessage(event) {
    const m = JSON.parse(event.data);
    lastMessageAt = Date.now();
    clockOffset = m.atMs ? m.atMs - Date.now() : clockOffset;
    setConn("live", "live");
    if (m.type === "snapshot") {
      if (awaitingSnapshot || view === null || m.seq >= seq) {
        view = m; seq = m.seq; awaitingSnapshot = false;
        dirty.all = true;
        scheduleRender();
      }
      return;
    }
    if (m.type !== "delta" || view === null || awaitingSnapshot || m.seq <= seq) return;
    if (dropNextDelta) { dropNextDelta = false; return; }
    if (m.seq !== seq + 1) {
      awaitingSnapshot = true;
      resyncs++;
      document.body.dataset.resyncs = String(resyncs);
      socket.send(JSON.stringify({ type: "resync" }));
      return;
    }
    applyDelta(m);
    seq = m.seq;
    scheduleRender();
  }

  function setConn(state, text) {
    document.body.dataset.conn = state;
    $("conn").textContent = text;
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    socket = new WebSocket(url);
    socket.onopen = () => { backoffMs = 500; awaitingSnapshot = true; };
    socket.onmessage = onMessage;
    socket.onclose = () => {
      // Reconnect with backoff and jitter, so pages do not all return in the same instant.
      const delay = Math.round(backoffMs * (0.5 + Math.random() / 2));
      reconnectAt = Date.now() + delay;
      backoffMs = Math.min(backoffMs * 2, 10000);
      setTimeout(connect, delay);
    };
  }

  setInterval(() => {
    const closed = !socket || socket.readyState !== WebSocket.OPEN;
    if (closed && lastMessageAt) {
      setConn("stale", "stale · reconnecting" + (reconnectAt > Date.now() ? " in " + duration(reconnectAt - Date.now()) : "…"));
    } else if (lastMessageAt && Date.now() - lastMessageAt > STALE_AFTER_MS) {
      setConn("stale", "stale · no update for " + duration(Date.now() - lastMessageAt));
    }
    if (view) refreshClocks();
  }, 1000);

  // ---- rendering ---------------------------------------------------------------------------------

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function render() {
    const all = dirty.all;
    dirty.all = false;
    $("swarm").textContent = view.swarm;
    $("summary").textContent = view.summary.header;
    renderQueue();
    renderDrones(all);
    renderFailed();
    renderEvents();
    drawThroughput();
    drawUtilisation();
    document.body.dataset.seq = String(view.seq);
  }

  function renderQueue() {
    const p = view.packages, q = view.queue;
    const bar = $("progress");
    bar.replaceChildren();
    const legend = $("states");
    legend.replaceChildren();
    for (const state of STATES) {
      const n = p[state] || 0;
      if (q.total > 0 && n > 0) {
        const seg = el("span");
        seg.style.width = (100 * n / q.total) + "%";
        seg.style.background = COLORS[state];
        seg.title = state + ": " + n;
        bar.appendChild(seg);
      }
      const item = el("span", "state-" + state);
      const dot = el("i");
      dot.style.background = COLORS[state];
      item.append(dot, state + " ", el("b", "", String(n)));
      legend.appendChild(item);
    }
    const done = q.total ? Math.floor(100 * q.ended / q.total) : 0;
    let eta = "";
    if (q.total > 0) {
      eta = done + " % ended";
      if (q.ended < q.total) {
        eta += q.etaMs >= 0 ? " · ETA " + duration(q.etaMs) + " (" + duration(q.remainingWorkMs) + " of recorded build time over " + q.slots + " slots)"
                            : q.slots === 0 ? " · ETA unknown: no drone can claim" : " · ETA: estimating…";
      }
    }
    $("eta").textContent = eta;
  }

  const cards = new Map(); // name -> element

  function renderDrones(all) {
    const grid = $("drones");
    const filter = $("drone-filter").value.trim().toLowerCase();
    const shown = view.drones.filter((d) => !filter || d.name.toLowerCase().includes(filter) || stateOf(d).includes(filter));
    const visible = shown.slice(0, MAX_CARDS);
    const offline = view.drones.filter((d) => d.state === "offline").length;
    $("drone-count").textContent = view.drones.length + " registered" + (offline ? " · " + offline + " offline" : "");
    $("drones-more").hidden = shown.length <= MAX_CARDS;
    $("drones-more").textContent = (shown.length - MAX_CARDS) + " more; filter to see them";
    if (view.drones.length === 0) {
      cards.clear();
      grid.replaceChildren(el("p", "empty", "No drones have registered yet."));
      return;
    }
    const wanted = new Set(visible.map((d) => d.name));
    for (const [name, card] of cards) {
      if (!wanted.has(name)) { card.remove(); cards.delete(name); }
    }
    let previous = null;
    for (const d of visible) {
      let card = cards.get(d.name);
      if (!card || all || dirty.drones.has(d.name)) {
        const fresh = droneCard(d);
        if (card) card.replaceWith(fresh); else grid.appendChild(fresh);
        card = fresh;
        cards.set(d.name, card);
      }
      // Keep name order without moving cards that are already in place.
      const expectedNext = previous ? previous.nextElementSibling : grid.firstElementChild;
      if (expectedNext !== card) grid.insertBefore(card, expectedNext);
      previous = card;
    }
    for (const child of [...grid.children]) {
      if (!child.classList.contains("drone")) child.remove();
    }
    dirty.drones.clear();
  }

  function stateOf(d) {
    return d.grounded ? "grounded" : d.draining ? d.state + " draining" : d.state;
  }

  function droneCard(d) {
    const card = el("div", "drone" + (d.grounded ? " grounded" : "") + (d.draining ? " draining" : ""));
    card.dataset.drone = d.name;
    card.dataset.state = d.state;
    const title = el("h3");
    title.append(el("span", "name", d.name), el("span", "state", stateOf(d)));
    card.appendChild(title);
    card.appendChild(el("div", "meta",
      d.running.length + "/" + d.slots + " slots · " + d.cores + " cores" + (d.speedFactor !== 1 ? " · ×" + d.speedFactor : "") +
      " · load " + (d.loadAverage >= 0 ? d.loadAverage.toFixed(2) : "?")));
    const hb = el("div", "meta heartbeat");
    hb.dataset.heartbeat = String(d.lastHeartbeatMs);
    card.appendChild(hb);
    card.appendChild(el("div", "meta",
      "v" + d.version + " · " + (d.host || "?") + " · disk " + bytes(d.freeDiskBytes) + " free · mem " + bytes(d.memoryAvailableBytes) +
      " · built " + d.built + " · failed " + d.failed));
    if (d.grounded) card.appendChild(el("div", "why grounded-reason", "grounded: " + d.grounded));
    if (d.draining) card.appendChild(el("div", "why", "draining: finishes its builds, takes nothing new"));
    if (d.running.length) {
      const list = el("ul", "running");
      for (const b of d.running) {
        const li = el("li", "build");
        li.dataset.pkg = b.id;
        li.dataset.started = String(b.startedMs);
        li.dataset.expected = String(b.expectedMs);
        const atom = el("span", "atom", b.atom);
        const time = el("span", "t");
        li.append(atom, time);
        list.appendChild(li);
        const bar = el("div", "bar");
        bar.appendChild(el("span"));
        list.appendChild(bar);
        if (b.id) li.appendChild(actionButton("cancel", "/api/packages/" + encodeURIComponent(b.id) + "/cancel"));
      }
      card.appendChild(list);
    }
    const acts = el("div", "meta");
    const path = "/api/drones/" + encodeURIComponent(d.name) + "/";
    if (d.grounded) acts.appendChild(actionButton("unground", path + "unground"));
    else acts.appendChild(actionButton("ground", path + "ground"));
    acts.appendChild(d.draining ? actionButton("undrain", path + "undrain") : actionButton("drain", path + "drain"));
    card.appendChild(acts);
    updateClocks(card);
    return card;
  }

  // Heartbeat ages and build times move with the clock, not with the feed.
  function updateClocks(card) {
    const now = serverNow();
    const hb = card.querySelector(".heartbeat");
    if (hb) hb.textContent = "heartbeat " + ago(now - Number(hb.dataset.heartbeat));
    for (const li of card.querySelectorAll("li.build")) {
      const started = Number(li.dataset.started), expected = Number(li.dataset.expected);
      const elapsed = started > 0 ? now - started : 0;
      li.querySelector(".t").textContent = started > 0 ? duration(elapsed) + " / ~" + duration(expected) : "starting · ~" + duration(expected);
      li.classList.toggle("late", expected > 0 && elapsed > expected * 1.5);
      const bar = li.nextElementSibling && li.nextElementSibling.firstElementChild;
      if (bar) bar.style.width = (expected > 0 ? Math.min(100, 100 * elapsed / expected) : 0) + "%";
    }
  }
  function refreshClocks() {
    for (const card of cards.values()) updateClocks(card);
  }

  function renderFailed() {
    const f = view.failed;
    $("failed-count").textContent = f.total ? f.total + (f.total > f.newest.length ? " · newest " + f.newest.length + " shown" : "") : "";
    const box = $("failed");
    if (!f.newest.length) { box.replaceChildren(el("p", "empty", "No failed packages.")); return; }
    box.replaceChildren(...f.newest.map((p) => {
      const div = el("div", "failed-pkg");
      div.dataset.pkg = p.id;
      const head = el("div");
      head.append(el("span", "atom", p.atom), " ", el("span", "muted", "#" + p.id + (p.drone ? " on " + p.drone : "") +
        (p.failureClass ? " · " + p.failureClass : "") + (p.finishedMs ? " · " + clock(p.finishedMs) : "")), " ",
        actionButton("retry", "/api/packages/" + encodeURIComponent(p.id) + "/retry"));
      div.append(head, el("div", "reason", p.reason || "(no reason recorded)"));
      if (p.logTail.length) div.appendChild(el("pre", "log", p.logTail.join("\n")));
      return div;
    }));
  }

  function eventLine(e) {
    const f = e.fields;
    const li = el("li");
    li.dataset.id = e.id;
    const ts = Number(f.ts) || Number(e.id.split("-")[0]);
    li.append(el("span", "ts", clock(ts)), el("b", "", f.type || "?"), " " +
      [f.id ? "#" + f.id : "", f.atom || "", f.drone ? "on " + f.drone : "", f.reason ? "— " + f.reason : ""].filter(Boolean).join(" "));
    return li;
  }
  function renderEvents() {
    $("events").replaceChildren(...view.events.map(eventLine));
  }

  // Older events by cursor: the stream id of the oldest one shown (lesson 10).
  $("older").addEventListener("click", async () => {
    const older = $("older-events");
    const last = older.lastElementChild || $("events").lastElementChild;
    if (!last) return;
    // Events of one step share a cursor; the page may show only the newest of them.
    const shown = [...$("events").children, ...older.children].filter((li) => li.dataset.id === last.dataset.id).length;
    const res = await fetch("/api/events?before=" + encodeURIComponent(last.dataset.id) + "&shown=" + shown + "&limit=50");
    if (!res.ok) return;
    const page = await res.json();
    const events = page.events || []; // Micronaut's JSON leaves out empty lists
    for (const e of events) older.appendChild(eventLine(e));
    while (older.children.length > MAX_OLDER_EVENTS) older.firstElementChild.remove();
    $("older").disabled = events.length === 0;
  });

  // ---- charts ------------------------------------------------------------------------------------

  function canvas(id) {
    const c = $(id);
    const ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth || 600, h = c.clientHeight || 140;
    if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(h * ratio); }
    const g = c.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    return { g, w, h };
  }

  function drawThroughput() {
    const { g, w, h } = canvas("throughput");
    const mins = view.throughput;
    if (!mins.length) return;
    const max = Math.max(1, ...mins.map((m) => m.done + m.failed));
    const bw = (w - 30) / mins.length;
    g.fillStyle = "#8a96a3"; g.font = "10px sans-serif";
    g.fillText(String(max), 2, 10); g.fillText("0", 2, h - 14);
    g.fillText("-60 min", 30, h - 2); g.fillText("now", w - 22, h - 2);
    mins.forEach((m, i) => {
      const x = 30 + i * bw, plot = h - 16;
      const hd = plot * m.done / max, hf = plot * m.failed / max;
      g.fillStyle = COLORS.done; g.fillRect(x, plot - hd, Math.max(1, bw - 1), hd);
      g.fillStyle = COLORS.failed; g.fillRect(x, plot - hd - hf, Math.max(1, bw - 1), hf);
    });
    const last = mins[mins.length - 1];
    $("throughput").title = "this minute: " + last.done + " done, " + last.failed + " failed";
  }

  function drawUtilisation() {
    const { g, w, h } = canvas("utilisation");
    const u = view.utilisation;
    const names = Object.keys(u.rows).sort();
    $("util-range").textContent = u.stepMs ? "(one column per " + duration(u.stepMs) + ")" : "";
    if (!names.length) return;
    const cols = Math.max(...names.map((n) => u.rows[n].length), 1);
    const labels = names.length <= 12;
    const left = labels ? 70 : 0;
    const rh = (h - 2) / names.length, cw = (w - left) / cols;
    names.forEach((name, r) => {
      const row = u.rows[name];
      if (labels) { g.fillStyle = "#8a96a3"; g.font = "10px sans-serif"; g.fillText(name.slice(0, 11), 0, r * rh + Math.min(rh, 12) - 2); }
      for (let c = 0; c < row.length; c++) {
        const ch = row[c];
        if (ch === ".") continue;
        const v = ch === "X" ? 1 : Number(ch) / 10;
        g.fillStyle = "rgba(224,164,58," + (0.12 + 0.88 * v) + ")";
        g.fillRect(left + (cols - row.length + c) * cw, r * rh, Math.max(1, cw - 1), Math.max(1, rh - (rh > 3 ? 1 : 0)));
      }
    });
  }

  $("drone-filter").addEventListener("input", () => { dirty.all = true; if (view) scheduleRender(); });
  window.addEventListener("resize", () => { if (view) scheduleRender(); });

  // ---- operator actions --------------------------------------------------------------------------

  function actionButton(label, path) {
    const b = el("button", "act", label);
    b.type = "button";
    b.dataset.action = label;
    b.addEventListener("click", async () => {
      const reason = label === "ground" || label === "drain" || label === "cancel" ? prompt(label + ": reason (optional)") : "";
      if (reason === null) return;
      const res = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Buildswarm-Operator-Token": operatorToken },
        body: JSON.stringify({ reason: reason || "" }),
      });
      const text = await res.text();
      b.title = res.status + " " + text;
      if (!res.ok) alert(label + " refused: " + text);
    });
    return b;
  }

  function setOperator(on) {
    document.body.classList.toggle("operator", on);
  }

  async function checkToken(token) {
    const res = await fetch("/api/operator", { method: "POST", headers: { "X-Buildswarm-Operator-Token": token } });
    return res.ok;
  }

  $("operator").addEventListener("click", () => {
    if (document.body.classList.contains("operator")) {
      operatorToken = ""; sessionStorage.removeItem("buildswarm-operator-token"); setOperator(false); return;
    }
    $("token-error").hidden = true;
    $("token-dialog").showModal();
  });
  $("token-dialog").addEventListener("close", async () => {
    if ($("token-dialog").returnValue !== "ok") return;
    const token = $("token-input").value;
    if (await checkToken(token)) {
      operatorToken = token; sessionStorage.setItem("buildswarm-operator-token", token); setOperator(true);
    } else {
      $("token-error").textContent = actionsEnabled ? "wrong token" : "this dashboard is read-only (no operator token configured)";
      $("token-error").hidden = false;
      $("token-dialog").showModal();
    }
  });

  fetch("/api/config").then((r) => r.json()).then(async (c) => {
    actionsEnabled = c.actions;
    $("operator").hidden = !c.actions;
    if (c.actions && operatorToken && await checkToken(operatorToken)) setOperator(true);
  }).catch(() => {});

  // For tests and the curious: the page's view of the feed.
  window.buildswarm = {
    seq: () => seq,
    view: () => view,
    resyncs: () => resyncs,
    dropNextDelta: () => { dropNextDelta = true; },
  };

  connect();
})();

// The supervisors' wallboard: draws each board the server pushes on its socket (no polling),
// reconnects by itself with back-off, and lets a supervisor act on an agent.
(function () {
  "use strict";

  const root = document.getElementById("wallboard");
  if (!root) return;
  const data = root.dataset;
  const T = JSON.parse(data.texts);
  const QUEUES = JSON.parse(data.queues);
  const GRADES = JSON.parse(data.grades);
  const REASONS = JSON.parse(data.reasons);
  const lang = data.lang;
  const STATES = ["ready", "reserved", "busy", "wrap_up", "break", "offline"];
  const STATE_COLOURS = {
    ready: "#2e9d57", reserved: "#e0a800", busy: "#2f6fd6",
    wrap_up: "#8d5cc7", break: "#e06a2c", offline: "#9aa0a6",
  };
  const RETRY_FIRST_MS = 500;
  const RETRY_MAX_MS = 10000;

  let board = null;
  let retryMs = RETRY_FIRST_MS;
  let socket = null;

  const $ = (id) => document.getElementById(id);
  const text = (key) => T[key] || key;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function setText(node, value) {
    const shown = value === null || value === undefined ? "–" : String(value);
    if (node.textContent !== shown) node.textContent = shown;
  }

  function percent(value) {
    return value === null || value === undefined ? "–" : value.toFixed(1) + "%";
  }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    const s = Math.round(value);
    if (s < 60) return s + text("seconds");
    const m = Math.floor(s / 60);
    if (m < 60) return m + ":" + String(s % 60).padStart(2, "0");
    return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0") + ":" +
      String(s % 60).padStart(2, "0");
  }

  // Config names are keyed by locale (zh-CN, en-US); the page's language picks one.
  function queueName(q) {
    const names = q.names || {};
    const mine = Object.keys(names).find((k) => k.split("-")[0] === lang);
    const chinese = Object.keys(names).find((k) => k.startsWith("zh"));
    return names[mine] || names[chinese] || q.queue;
  }

  // Connection ------------------------------------------------------------------------

  function showStatus(connected) {
    const status = $("wb-status");
    status.dataset.connected = connected ? "1" : "0";
    setText(status, connected ? text("live") : text("reconnecting"));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + data.ws);
    socket.addEventListener("open", () => {
      retryMs = RETRY_FIRST_MS;
      showStatus(true);
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "board") draw(message.board);
    });
    socket.addEventListener("close", () => {
      showStatus(false);
      // Jittered, doubling: screens that lost one server do not all come back at once.
      const wait = retryMs / 2 + Math.random() * retryMs / 2;
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      setTimeout(connect, wait);
    });
  }

  // Drawing ---------------------------------------------------------------------------

  function draw(next) {
    board = next;
    root.dataset.eventId = next.event_id;
    root.dataset.builtAt = String(next.built_at_ms);
    root.dataset.builds = String(Number(root.dataset.builds || 0) + 1);
    setText($("wb-updated"), text("updated") + " " + timeLabel(next.built_at_ms, true));
    drawAlarms(next);
    drawTotals(next);
    drawQueues(next);
    drawAgents(next);
    drawCharts(next);
  }

  function alarmText(alarm) {
    return text("alarm_" + alarm.kind)
      .replace("{threshold}", String(alarm.threshold))
      .replace("{value}", String(alarm.value));
  }

  function drawAlarms(next) {
    const box = $("wb-alarms");
    const names = Object.fromEntries(next.queues.map((q) => [q.queue, queueName(q)]));
    const shown = next.alarms.map((a) => el("span", {
      class: "wb-alarm", "data-queue": a.queue, "data-kind": a.kind,
      text: (names[a.queue] || a.queue) + "：" + alarmText(a),
    }));
    if (!shown.length) shown.push(el("span", { class: "wb-ok", text: text("no_alarms") }));
    box.replaceChildren(...shown);
    box.dataset.count = String(next.alarms.length);
  }

  function drawTotals(next) {
    const t = next.totals;
    const tiles = [
      ["waiting", t.waiting], ["longest_wait", seconds(t.longest_wait_s)],
      ["offered", t.offered], ["answered", t.answered], ["abandoned", t.abandoned],
      ["short_abandons", t.short_abandons], ["service_level", percent(t.service_level)],
      ["agents", STATES.filter((s) => s !== "offline")
        .reduce((n, s) => n + (t.agents_by_state[s] || 0), 0)],
    ];
    const box = $("wb-totals");
    if (!box.children.length) {
      for (const [key] of tiles) {
        box.append(el("div", { class: "wb-tile", id: "wb-total-" + key }, [
          el("div", { class: "wb-label", text: text(key) }),
          el("div", { class: "wb-value" }),
        ]));
      }
    }
    for (const [key, value] of tiles) {
      setText($("wb-total-" + key).querySelector(".wb-value"), value);
    }
    $("wb-total-service_level").classList.toggle("wb-bad", next.alarms.some(
      (a) => a.kind === "service_level"));
  }

  const QUEUE_COLUMNS = [
    ["waiting", (q) => q.waiting], ["longest_wait", (q) => seconds(q.longest_wait_s)],
    ["offered", (q) => q.offered], ["answered", (q) => q.answered],
    ["abandoned", (q) => q.abandoned], ["short_abandons", (q) => q.short_abandons],
    ["service_level", (q) => percent(q.service_level)], ["asa", (q) => seconds(q.asa_s)],
    ["aht", (q) => seconds(q.aht_s)],
    ["agents", (q) => STATES.filter((s) => q.agents_by_state[s])
      .map((s) => text("state_" + s) + " " + q.agents_by_state[s]).join(" · ")],
    ["grades", (q) => Object.keys(q.agents_by_grade).sort()
      .map((g) => (GRADES[g] || g) + " " + q.agents_by_grade[g]).join(" · ")],
  ];

  function header(table, keys) {
    const head = table.tHead;
    if (head.rows.length) return;
    head.append(el("tr", {}, keys.map((k) => el("th", { scope: "col", text: text(k) }))));
  }

  function drawQueues(next) {
    const table = $("wb-queues");
    header(table, ["queue", ...QUEUE_COLUMNS.map(([k]) => k)]);
    const body = table.tBodies[0];
    const rows = next.queues.map((q) => {
      let row = body.querySelector(`tr[data-queue="${CSS.escape(q.queue)}"]`);
      if (!row) {
        row = el("tr", { "data-queue": q.queue }, [el("th", { scope: "row", class: "q-name" }),
          ...QUEUE_COLUMNS.map(([key]) => el("td", { class: "num q-" + key }))]);
      }
      setText(row.querySelector(".q-name"), queueName(q));
      for (const [key, value] of QUEUE_COLUMNS) {
        const cell = row.querySelector(".q-" + key);
        setText(cell, value(q));
        cell.classList.toggle("wb-bad", q.alarms.includes(key));  // kinds are column keys
      }
      row.classList.toggle("wb-alarmed", q.alarms.length > 0);
      return row;
    });
    body.replaceChildren(...rows);
  }

  function reasonText(reason) {
    if (!reason) return "";
    return T["reason_" + reason] || reason;
  }

  function drawAgents(next) {
    const table = $("wb-agents");
    header(table, ["agent", "state", "reason", "in_state", "grades", "calls_today",
      "talk_today", "actions"]);
    const body = table.tBodies[0];
    const rows = next.agents.map((a) => {
      let row = body.querySelector(`tr[data-agent="${CSS.escape(a.agent_id)}"]`);
      if (!row) row = agentRow(a.agent_id);
      setText(row.querySelector(".a-name"), a.name ? a.agent_id + " " + a.name : a.agent_id);
      const state = row.querySelector(".a-state");
      state.dataset.state = a.state;
      setText(state, text("state_" + a.state));
      row.dataset.state = a.state;
      setText(row.querySelector(".a-reason"), reasonText(a.reason));
      setText(row.querySelector(".a-time"), a.state === "offline" ? "" : seconds(a.in_state_s));
      setText(row.querySelector(".a-grades"), Object.entries(a.skills)
        .map(([q, g]) => q + ":" + (GRADES[g] || g)).join(" "));
      setText(row.querySelector(".a-calls"), a.calls_today);
      setText(row.querySelector(".a-talk"), seconds(a.talk_s_today));
      const signedIn = a.state !== "offline";
      row.querySelector(".a-break").disabled = !signedIn || a.state === "break";
      row.querySelector(".a-offline").disabled = !signedIn;
      row.querySelector(".a-skills").disabled = !signedIn;
      return row;
    });
    body.replaceChildren(...rows);
  }

  function agentRow(agentId) {
    const button = (cls, key, action) => {
      const b = el("button", { type: "button", class: cls, text: text(key) });
      b.addEventListener("click", () => action(agentId));
      return b;
    };
    return el("tr", { "data-agent": agentId }, [
      el("th", { scope: "row", class: "a-name" }),
      el("td", {}, [el("span", { class: "wb-state a-state" })]),
      el("td", { class: "a-reason" }), el("td", { class: "num a-time" }),
      el("td", { class: "a-grades" }), el("td", { class: "num a-calls" }),
      el("td", { class: "num a-talk" }),
      el("td", {}, [button("a-break", "put_on_break", askBreak),
        button("a-offline", "set_offline", askOffline),
        button("a-skills", "change_skills", askSkills)]),
    ]);
  }

  // Charts (Apache ECharts) -----------------------------------------------------------

  const charts = {};

  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init($(id));
    return charts[id];
  }

  // The floor's day is Asia/Shanghai's, whatever the wall display's own zone.
  function timeLabel(ms, withSeconds) {
    const options = { hour: "2-digit", minute: "2-digit", hour12: false,
      timeZone: "Asia/Shanghai" };
    if (withSeconds) options.second = "2-digit";
    return new Date(ms).toLocaleTimeString("en-GB", options);
  }
  const MUTED = "#8a94a0";

  function drawCharts(next) {
    const names = Object.fromEntries(next.queues.map((q) => [q.queue, queueName(q)]));
    const line = (field, title, live) => ({
      title: { text: title, textStyle: { fontSize: 13, color: MUTED } },
      tooltip: { trigger: "axis" },
      legend: { top: 22, type: "scroll", textStyle: { color: MUTED } },
      grid: { top: 56, left: 40, right: 12, bottom: 24 },
      xAxis: { type: "time", axisLabel: { formatter: (value) => timeLabel(value, false) } },
      yAxis: field === "service_level" ? { type: "value", min: 0, max: 100 }
        : { type: "value", min: 0, minInterval: 1 },
      animation: false,
      // Every queue, with its points so far today and the live value now.
      series: next.queues.map((q) => ({
        name: names[q.queue], type: "line", symbolSize: 4, connectNulls: true,
        data: [...(next.curves[q.queue] || []).map((p) => [p.t, p[field]]),
          [next.built_at_ms, live(q.queue)]],
      })),
    });
    const byQueue = Object.fromEntries(next.queues.map((q) => [q.queue, q]));
    const sl = chart("wb-chart-sl");
    if (sl) sl.setOption(line("service_level", text("chart_service_level"),
      (q) => byQueue[q] ? byQueue[q].service_level : null), true);
    const waiting = chart("wb-chart-waiting");
    if (waiting) waiting.setOption(line("waiting", text("chart_waiting"),
      (q) => byQueue[q] ? byQueue[q].waiting : 0), true);
    const states = chart("wb-chart-states");
    if (states) {
      states.setOption({
        title: { text: text("chart_states"), textStyle: { fontSize: 13, color: MUTED } },
        tooltip: {}, animation: false,
        series: [{ type: "pie", radius: ["35%", "65%"], top: 20,
          data: STATES.map((s) => ({ name: text("state_" + s),
            value: next.totals.agents_by_state[s] || 0,
            itemStyle: { color: STATE_COLOURS[s] } })).filter((d) => d.value) }],
      }, true);
    }
  }

  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));

  // Full screen -----------------------------------------------------------------------

  $("wb-fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen();
  });
  document.addEventListener("fullscreenchange", () => {
    const full = document.fullscreenElement === root;
    root.classList.toggle("wb-full", full);
    setText($("wb-fullscreen"), text(full ? "exit_fullscreen" : "fullscreen"));
    setTimeout(() => Object.values(charts).forEach((c) => c.resize()), 50);
  });

  // Supervisor actions ----------------------------------------------------------------

  function showResult(ok, message) {
    const box = $("wb-result");
    box.hidden = false;
    box.dataset.outcome = ok ? "ok" : "error";
    setText(box, (ok ? text("done") : text("failed")) + "：" + message);
  }

  async function act(agentId, action, body) {
    const url = data.api + "/" + encodeURIComponent(agentId) + "/" + action;
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": data.csrf },
        body: JSON.stringify(body || {}),
      });
      const reply = await response.json().catch(() => ({}));
      if (response.ok) {
        const state = reply.agent ? text("state_" + reply.agent.state) : "";
        showResult(true, agentId + " " + state);
      } else {
        showResult(false, agentId + " " + (reply.error || response.status));
      }
    } catch (error) {
      showResult(false, agentId + " " + error);
    }
  }

  function openDialog(fields, onConfirm) {
    const dialog = $("wb-dialog");
    const form = $("wb-form");
    const ok = el("button", { type: "submit", value: "ok", class: "primary", id: "wb-confirm",
      text: text("confirm") });
    const cancel = el("button", { type: "submit", value: "cancel", id: "wb-cancel",
      text: text("cancel") });
    form.replaceChildren(...fields, el("div", { class: "wb-buttons" }, [cancel, ok]));
    dialog.onclose = () => { if (dialog.returnValue === "ok") onConfirm(form); };
    dialog.returnValue = "";
    dialog.showModal();
  }

  function askBreak(agentId) {
    const select = el("select", { id: "wb-reason", name: "reason" }, [
      ...REASONS.map((r) => el("option", { value: r.value, text: r.label })),
      el("option", { value: "", text: text("other_reason") }),
    ]);
    const other = el("input", { id: "wb-reason-other", name: "other", maxlength: "32" });
    openDialog([
      el("h2", { text: text("put_on_break") + " · " + agentId }),
      el("label", { for: "wb-reason", text: text("break_reason") }), select, other,
    ], () => act(agentId, "break", { reason: select.value || other.value }));
  }

  function askOffline(agentId) {
    openDialog([el("h2", { text: text("set_offline") + " · " + agentId })],
      () => act(agentId, "offline"));
  }

  function askSkills(agentId) {
    const agent = board && board.agents.find((a) => a.agent_id === agentId);
    const current = agent ? agent.skills : {};
    const selects = QUEUES.map((queue) => el("select", { "data-queue": queue,
      id: "wb-grade-" + queue, "aria-label": queue }, [
      el("option", { value: "", text: text("grade_none") }),
      ...Object.entries(GRADES).map(([g, label]) => el("option", { value: g, text: label })),
    ]));
    for (const s of selects) s.value = String(current[s.dataset.queue] || "");
    const rows = selects.map((s) => el("label", { text: s.dataset.queue + " " }, [s]));
    openDialog([el("h2", { text: text("change_skills") + " · " + agentId }), ...rows], () => {
      const skills = {};
      for (const s of selects) if (s.value) skills[s.dataset.queue] = Number(s.value);
      act(agentId, "skills", { skills });
    });
  }

  connect();
})();

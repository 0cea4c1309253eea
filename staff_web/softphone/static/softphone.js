// The agent softphone: presence, offers, the call, wrap-up and the agent's work orders.
// Live desk events come over /softphone/ws (any server instance, fanned out via Redis);
// the phone itself is the local carrier's socket (embedded) or the Twilio Voice SDK.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("config").textContent);
  const $ = (id) => document.getElementById(id);

  const TEXT = {
    zh: {
      title: "坐席软电话", skip: "跳到工作区", live: "实时", phone: "话机", logout: "退出", status: "状态",
      ready: "示闲", break: "示忙", offline: "离线", breakReason: "示忙原因", breakOther: "其他原因",
      other: "其他…", watch: "查看坐席", idleHint: "示闲后，来电将在这里振铃。",
      offlineHint: "当前离线：点击“示闲”开始接听。", breakHint: "示忙中：不会分配来电。",
      incoming: "来电", caller: "来电号码", name: "客户姓名", vip: "VIP 等级", queue: "队列",
      path: "IVR 路径", waited: "已等待", openOrders: "未结工单", none: "无", waitRing: "等待话机振铃…",
      accept: "接听", reject: "拒接", inCall: "通话中", workOrder: "工单", mute: "静音", unmute: "取消静音",
      hangup: "挂断", wrapUp: "话后处理", category: "类别", subType: "子类", area: "区域",
      address: "地址", description: "描述", department: "派单部门", save: "保存并示闲", myOrders: "我的工单",
      number: "工单号", created: "创建时间", more: "更多", total: "共 {n} 条", seconds: "{n} 秒",
      readonly: "只读查看", saved: "已保存工单 {n}", savedDone: "已保存", missed: "未接来电（{why}）",
      st_offline: "离线", st_ready: "空闲", st_reserved: "振铃中", st_busy: "通话中", st_wrap_up: "话后处理",
      st_break: "示忙", no_answer: "未接听过多", absent: "页面已关闭或断线", notInConfig: "坐席不在当前配置中",
      lost: "实时连接中断，正在重连…", phoneLost: "话机连接中断，正在重连…", choose: "—",
      saving: "保存中…", draftSaved: "已保存", savingOrder: "工单 {n} 保存中…", finish: "完成",
      pending: "待完成", done: "已完成", offerFrom: "来电 {n}",
    },
    en: {
      title: "Agent softphone", skip: "Skip to desk", live: "Live", phone: "Phone", logout: "Sign out",
      status: "Status", ready: "Ready", break: "Break", offline: "Offline", breakReason: "Break reason",
      breakOther: "Other reason", other: "Other…", watch: "Watch agent",
      idleHint: "When you are ready, calls ring here.", offlineHint: "Offline: press Ready to take calls.",
      breakHint: "On break: no calls are offered.", incoming: "Incoming call", caller: "Caller", name: "Name",
      vip: "VIP class", queue: "Queue", path: "IVR path", waited: "Waited", openOrders: "Open work orders",
      none: "None", waitRing: "Waiting for the phone to ring…", accept: "Accept", reject: "Reject",
      inCall: "On a call", workOrder: "Work order", mute: "Mute", unmute: "Unmute",
      hangup: "Hang up", wrapUp: "Wrap-up", category: "Category", subType: "Sub-type", area: "Area",
      address: "Address", description: "Description", department: "Dispatch to", save: "Save and get ready",
      myOrders: "My work orders", number: "Number", created: "Created", more: "More", total: "{n} in all",
      seconds: "{n} s", readonly: "read-only", saved: "Work order {n} saved", savedDone: "Saved", missed: "Missed call ({why})",
      st_offline: "Offline", st_ready: "Ready", st_reserved: "Ringing", st_busy: "On a call",
      st_wrap_up: "Wrap-up", st_break: "On break", no_answer: "too many missed calls",
      absent: "desk closed or cut off",
      notInConfig: "This agent is not in the published config",
      lost: "Live connection lost, reconnecting…", phoneLost: "Phone connection lost, reconnecting…",
      choose: "—", saving: "Saving…", draftSaved: "Saved", savingOrder: "Saving work order {n}…",
      finish: "Finish", pending: "To finish", done: "Done", offerFrom: "Call from {n}",
    },
  };

  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") || localStorage.getItem("hotline_lang") || "zh";
  if (!TEXT[lang]) lang = "zh";
  const t = (key, vars) => {
    let text = (TEXT[lang] && TEXT[lang][key]) || TEXT.zh[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace(`{${name}}`, value);
    return text;
  };

  // ---- desk state --------------------------------------------------------------------
  const desk = {
    state: null,        // the last state from the server
    offset: 0,          // server clock minus browser clock (ms)
    offer: null,        // the offer shown: details + ringDeadline (server ms)
    ring: null,         // the carrier phone's ringing leg (embedded)
    twilioCall: null,   // the Twilio SDK call (twilio mode)
    connected: null,    // {call_sid, caller, work_order, since}
    wrap: null,         // {call_sid, order, until}: the form shown (this call's or one from the list)
    wrapDirty: false,   // typed since the form opened
    draftTimer: null,   // the debounced autosave
    saving: {},         // call_sid → work order number: saves the server queued (202)
    focusedFor: null,   // the offer 接听 took the focus for
    orders: [], ordersTotal: 0,
    csrf: "",
    muted: false,
  };
  const serverNow = () => Date.now() + desk.offset;
  const readonly = Boolean(config.readonly) || !config.agent;

  function say(text, kind) {
    const box = $("message");
    box.textContent = text || "";
    box.dataset.kind = kind || "info";
  }

  function clock(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? `${h}:` : "") + `${mm}:${String(s).padStart(2, "0")}`;
  }

  function queueName(names) {
    if (!names || typeof names !== "object") return "";
    const wanted = lang === "en" ? ["en-US", "en-GB"] : ["zh-CN", "cmn-CN"];
    for (const key of wanted) if (names[key]) return names[key];
    return Object.values(names)[0] || "";
  }

  // ---- API ----------------------------------------------------------------------------
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = desk.csrf;
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (response.status === 401) { location.reload(); }
    return { ok: response.ok, status: response.status, data: data || {} };
  }
  const agentQuery = () => (config.readonly && config.agent ? `?agent=${encodeURIComponent(config.agent)}` : "");

  async function loadMe() {
    const me = await api("GET", config.me);
    if (me.ok) desk.csrf = me.data.csrf_token || "";
  }

  async function syncState() {
    if (!config.agent) return;
    const answer = await api("GET", `${config.api}/state${agentQuery()}`);
    if (answer.ok) applyState(answer.data);
  }

  // ---- applying what the server says -------------------------------------------------
  function applyState(state) {
    desk.state = state;
    desk.offset = state.now_ms - Date.now();
    const call = state.call;
    if (state.state === "reserved" && call) {
      if (!desk.offer || desk.offer.call_sid !== call.call_sid) {
        const deadline = call.offered_ms && call.ring_timeout_s ? call.offered_ms + call.ring_timeout_s * 1000 : null;
        desk.offer = { ...call, ringDeadline: deadline };
      }
    } else if (state.state !== "reserved" && !desk.ring && !desk.twilioCall) {
      desk.offer = null;
    }
    if (state.state === "busy" && call) {
      desk.connected = connectedCall(call.call_sid, { ...call, since: call.answered_ms || undefined });
      desk.offer = null;
    } else if (state.state !== "busy") {
      desk.connected = null;
    }
    const wrapping = state.state === "wrap_up" && state.wrap_up && state.wrap_up.order;
    if (wrapping) {
      const order = state.wrap_up.order;
      // A form the server has queued (202) is not shown again while its save is on the way.
      if (!desk.wrap && !(order.call_sid in desk.saving)) openWrapUp(order.call_sid, order);
      if (desk.wrap && desk.wrap.call_sid === order.call_sid) desk.wrap.until = state.wrap_until_ms;
    } else if (desk.wrap && !desk.wrapDirty) {
      closeWrapUp();  // its draft (if any) is with the order: finish it from the list
    } else if (desk.wrap) {
      desk.wrap.until = null;  // the timer made the agent ready; what was typed stays
      flushDraft();
    }
    render();
  }

  function onDeskEvent(message) {
    switch (message.type) {
      case "hello":
        applyState(message.state);
        loadOrders(true);
        break;
      case "state":
        applyState(message.state);
        break;
      case "resync":
        syncState();
        loadOrders(true);
        break;
      case "offer":
        desk.offer = { ...message, ringDeadline: serverNow() + (message.ring_timeout_s || 20) * 1000 };
        flushDraft();  // the form hides while it rings: what was typed goes to its order now
        render();
        break;
      case "saved":  // a write the server had queued (202) reached the database
        showSaveState({ ...message, state: "saved" });
        break;
      case "connected":
        desk.connected = connectedCall(message.call_sid, { work_order: message.work_order });
        desk.offer = null;
        if (!desk.connected.caller) fetchConnected(message.call_sid);
        render();
        loadOrders(true);
        break;
      case "ended":
        desk.connected = null;
        if (!desk.wrap || desk.wrap.call_sid !== message.call_sid) openWrapUp(message.call_sid, null);
        render();
        loadOrders(true);
        break;
      case "missed":
        if (desk.offer && desk.offer.call_sid === message.call_sid) desk.offer = null;
        say(t("missed", { why: message.why || "" }), "error");
        render();
        break;
      default:
        break;
    }
  }

  // ---- the desk socket ----------------------------------------------------------------
  let deskSocket = null, deskRetry = 0;
  function connectDesk() {
    if (!config.agent) return;
    const url = new URL(config.ws, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    deskSocket = socket;
    socket.onopen = () => { deskRetry = 0; $("live").dataset.connected = "1"; };
    socket.onmessage = (event) => {
      try { onDeskEvent(JSON.parse(event.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = () => {
      $("live").dataset.connected = "0";
      if (deskSocket !== socket) return;
      say(t("lost"), "error");
      deskRetry = Math.min(deskRetry + 1, 5);
      setTimeout(connectDesk, [0, 1000, 2000, 4000, 8000, 10000][deskRetry]);
    };
  }

  // ---- the phone: the local carrier's agent socket (embedded) ------------------------
  let phoneSocket = null, phoneRetry = 0;
  function retryPhone() {
    phoneRetry = Math.min(phoneRetry + 1, 5);
    setTimeout(connectPhone, [0, 1000, 2000, 4000, 8000, 10000][phoneRetry]);
  }
  async function connectPhone() {
    if (!config.phoneWs || readonly) return;
    $("phone").dataset.phone = "connecting";
    // The carrier registers only the signed-in agent: a short-lived token from our API.
    const access = await api("GET", `${config.api}/phone-token`);
    if (!access.ok) { $("phone").dataset.phone = "error"; retryPhone(); return; }
    const url = new URL(config.phoneWs, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", access.data.token);
    const socket = new WebSocket(url);
    phoneSocket = socket;
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (_) { return; }
      onPhoneEvent(message);
    };
    socket.onclose = () => {
      if (phoneSocket !== socket) return;
      $("phone").dataset.phone = "error";
      desk.ring = null;
      render();
      retryPhone();
    };
  }

  function onPhoneEvent(message) {
    if (message.type === "registered") {
      phoneRetry = 0;
      $("phone").dataset.phone = "registered";
    } else if (message.type === "ring") {
      desk.ring = message;
      flushDraft();
      const parent = message.parentCallSid;
      if (!desk.offer || desk.offer.call_sid !== parent) {
        desk.offer = { call_sid: parent, caller: message.from, ringDeadline: serverNow() + (message.timeout || 20) * 1000 };
        fetchCall(parent);
      }
      render();
    } else if (message.type === "connected") {
      render();
    } else if (message.type === "ended") {
      if (desk.ring && desk.ring.callSid === message.callSid) desk.ring = null;
      render();
    } else if (message.type === "error") {
      say(message.message, "error");
    }
  }

  async function fetchCall(callSid) {
    const answer = await api("GET", `${config.api}/call/${encodeURIComponent(callSid)}`);
    if (answer.ok && desk.offer && desk.offer.call_sid === callSid) {
      desk.offer = { ...answer.data, ...desk.offer, ...pick(answer.data, ["caller_name", "open_orders", "queue_name", "path", "vip", "waited_ms"]) };
      render();
    }
  }
  const pick = (object, names) => Object.fromEntries(names.filter((n) => n in object).map((n) => [n, object[n]]));
  const known = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== ""));

  // The connected call keeps who called and why: what the offer showed, completed by what
  // the server says now (a blank field never overwrites a known one).
  function connectedCall(callSid, details) {
    const before = desk.connected && desk.connected.call_sid === callSid ? desk.connected
      : desk.offer && (desk.offer.call_sid === callSid || !desk.offer.call_sid) ? desk.offer : {};
    const since = before.since || details.since || serverNow();
    return { ...pick(before, ["caller", "caller_name", "vip", "queue", "queue_name", "path", "work_order"]),
      ...known(details), call_sid: callSid, since };
  }
  async function fetchConnected(callSid) {
    const answer = await api("GET", `${config.api}/call/${encodeURIComponent(callSid)}`);
    if (answer.ok && desk.connected && desk.connected.call_sid === callSid) {
      desk.connected = connectedCall(callSid, answer.data);
      render();
    }
  }

  function phoneSend(type) {
    if (phoneSocket && phoneSocket.readyState === WebSocket.OPEN) {
      const message = { type };
      if (desk.ring) message.callSid = desk.ring.callSid;
      phoneSocket.send(JSON.stringify(message));
    }
  }

  // ---- the phone: Twilio Voice JS SDK (twilio mode) -----------------------------------
  let device = null;
  async function voiceToken() {
    const answer = await api("GET", `${config.api}/voice-token`);
    if (!answer.ok) throw new Error(answer.data.error || `voice token: HTTP ${answer.status}`);
    return answer.data.token;
  }
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src; script.async = true; script.crossOrigin = "anonymous";
      script.onload = resolve; script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(script);
    });
  }
  async function startTwilio() {
    if (config.mode !== "twilio" || readonly || !config.twilioSdk) return;
    $("phone").dataset.phone = "connecting";
    try {
      await loadScript(config.twilioSdk);
      device = new window.Twilio.Device(await voiceToken(), { closeProtection: true });
      device.on("registered", () => { $("phone").dataset.phone = "registered"; });
      device.on("error", (error) => { $("phone").dataset.phone = "error"; say(error.message, "error"); });
      device.on("tokenWillExpire", async () => device.updateToken(await voiceToken()));
      device.on("incoming", (call) => {
        desk.twilioCall = call;
        if (!desk.offer) desk.offer = { call_sid: "", caller: call.parameters.From, ringDeadline: serverNow() + 20000 };
        const gone = () => { if (desk.twilioCall === call) desk.twilioCall = null; desk.muted = false; render(); };
        call.on("cancel", gone); call.on("reject", gone); call.on("disconnect", gone);
        render();
      });
      await device.register();
    } catch (error) {
      $("phone").dataset.phone = "error";
      say(String(error.message || error), "error");
    }
  }

  // ---- actions ------------------------------------------------------------------------
  async function presence(path, body) {
    const answer = await api("POST", `${config.api}/${path}`, body);
    if (answer.ok) { applyState(answer.data); say(""); }
    else say(answer.data.error || Object.values(answer.data.errors || {}).join("; ") || `HTTP ${answer.status}`, "error");
  }

  function accept() {
    if (desk.twilioCall) desk.twilioCall.accept();
    else phoneSend("answer");
  }
  function reject() {
    if (desk.twilioCall) desk.twilioCall.reject();
    else phoneSend("reject");
  }
  function hangup() {
    if (desk.twilioCall) desk.twilioCall.disconnect();
    else phoneSend("hangup");
  }
  function toggleMute() {
    if (!desk.twilioCall) return;
    desk.muted = !desk.muted;
    desk.twilioCall.mute(desk.muted);
    render();
  }

  // ---- wrap-up ------------------------------------------------------------------------
  // The form is autosaved as a draft on its work order as it is typed (and kept in the
  // browser until the server has it), so the wrap-up timer, 示闲, the next offer or a reload
  // never lose it; an unfinished order is finished later from the list.
  const DRAFT_DELAY_MS = 800, DRAFT_RETRY_MS = 5000;
  const draftKey = (callSid) => `hotline_draft:${config.agent}:${callSid}`;
  function formFields() {
    return {
      category: $("wu-category").value,
      sub_type: $("wu-subtype").value,
      area: $("wu-area").value,
      address: $("wu-address").value,
      description: $("wu-description").value,
      department: $("wu-department").value,
    };
  }
  function fillForm(fields) {
    if (fields.category) $("wu-category").value = fields.category;
    fillSubTypes(fields.sub_type || "");
    for (const [name, id] of [["area", "wu-area"], ["address", "wu-address"], ["description", "wu-description"], ["department", "wu-department"]]) {
      if (typeof fields[name] === "string") $(id).value = fields[name];
    }
  }
  function localDraft(callSid) {
    try { return JSON.parse(localStorage.getItem(draftKey(callSid)) || "null"); } catch (_) { return null; }
  }
  function showAutosave(state) {
    const box = $("wu-autosave");
    box.dataset.state = state;
    box.textContent = state === "saving" ? t("saving") : state === "saved" ? t("draftSaved") : "";
  }
  function typed() {
    if (!desk.wrap) return;
    desk.wrapDirty = true;
    const fields = formFields();
    try { localStorage.setItem(draftKey(desk.wrap.call_sid), JSON.stringify(fields)); } catch (_) { /* full */ }
    showAutosave("saving");
    clearTimeout(desk.draftTimer);
    desk.draftTimer = setTimeout(flushDraft, DRAFT_DELAY_MS);
  }
  // Send the draft now (typing paused, or the form is about to hide or change).
  async function flushDraft() {
    clearTimeout(desk.draftTimer);
    desk.draftTimer = null;
    if (!desk.wrap || !desk.wrapDirty || readonly) return;
    const callSid = desk.wrap.call_sid, fields = formFields();
    const answer = await putDraft(callSid, fields);
    const stillShown = desk.wrap && desk.wrap.call_sid === callSid;
    if (answer.status === 200) {
      const local = localDraft(callSid);
      if (local && JSON.stringify(local) === JSON.stringify(fields)) localStorage.removeItem(draftKey(callSid));
      if (stillShown && JSON.stringify(formFields()) === JSON.stringify(fields)) showAutosave("saved");
      return;
    }
    // 202 (its order is not in the database yet) or a failure: the browser keeps it; again.
    const again = answer.status === 202 || answer.status >= 500 || answer.status === 0;
    if (stillShown) showAutosave(again ? "saving" : "idle");
    if (again) setTimeout(() => retryDraft(callSid, fields), DRAFT_RETRY_MS);
  }
  async function putDraft(callSid, fields) {
    try {
      return await api("PUT", `${config.api}/wrap-up/draft`, { call_sid: callSid, ...fields });
    } catch (_) {
      return { ok: false, status: 0, data: {} };  // offline: kept in the browser, sent again
    }
  }
  async function retryDraft(callSid, fields) {
    if (desk.wrap && desk.wrap.call_sid === callSid) { desk.wrapDirty = true; return flushDraft(); }
    const answer = await putDraft(callSid, fields);
    if (answer.status === 200) localStorage.removeItem(draftKey(callSid));
    else if (answer.status === 202 || answer.status >= 500 || answer.status === 0) setTimeout(() => retryDraft(callSid, fields), DRAFT_RETRY_MS);
  }
  function openWrapUp(callSid, order) {
    if (desk.wrap && desk.wrap.call_sid !== callSid) flushDraft();  // the other form's typing
    desk.wrap = { call_sid: callSid, order, until: desk.state ? desk.state.wrap_until_ms : null };
    desk.wrapDirty = false;
    const form = $("wrapup-form");
    form.reset();
    clearErrors();
    showAutosave("idle");
    $("wu-category").value = "inquiry";
    fillSubTypes("");
    if (order) {
      fillForm({ ...order, description: order.description || "" });
      if (order.draft && order.draft.fields) fillForm(order.draft.fields);
    }
    const local = localDraft(callSid);  // typed here but not yet on the server
    if (local) { fillForm(local); desk.wrapDirty = true; flushDraft(); }
  }
  function closeWrapUp() {
    flushDraft();
    desk.wrap = null;
    desk.wrapDirty = false;
  }
  function finishFromList(order) {
    openWrapUp(order.call_sid, order);
    desk.wrap.until = null;
    render();
    $("wu-description").focus();
  }
  function clearErrors() {
    for (const node of document.querySelectorAll("[data-error-for]")) node.textContent = "";
    for (const node of $("wrapup-form").querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }
  function fillSubTypes(selected) {
    const select = $("wu-subtype");
    const options = (config.subTypes || {})[$("wu-category").value] || [];
    select.replaceChildren(new Option(t("choose"), ""), ...options.map((o) => new Option(lang === "en" ? o.en : o.zh, o.value)));
    select.disabled = options.length === 0;
    select.value = options.some((o) => o.value === selected) ? selected : "";
  }
  function savedOrder(callSid, number) {
    delete desk.saving[callSid];
    localStorage.removeItem(draftKey(callSid));
    say(number ? t("saved", { n: number }) : t("savedDone"));
    loadOrders(true);
  }
  async function saveWrapUp(event) {
    event.preventDefault();
    if (!desk.wrap) return;
    clearErrors();
    clearTimeout(desk.draftTimer);
    const callSid = desk.wrap.call_sid;
    const current = desk.state && desk.state.state === "wrap_up" && desk.state.wrap_up && desk.state.wrap_up.order;
    // Finishing an older order from the list does not end the wrap-up of the call just taken.
    const ready = Boolean(current && current.call_sid === callSid);
    const body = { call_sid: callSid, ...formFields(), ready };
    $("wu-save").disabled = true;
    const answer = await api("POST", `${config.api}/wrap-up`, body);
    $("wu-save").disabled = false;
    if (answer.ok) {
      const number = (answer.data.order && answer.data.order.number) || answer.data.work_order || (desk.wrap.order && desk.wrap.order.number) || "";
      desk.wrapDirty = false;
      desk.wrap = null;
      if (answer.status === 202 || answer.data.state === "saving") {
        desk.saving[callSid] = number;  // queued: the "saved" event says when it is written
        say(t("savingOrder", { n: number }));
      } else {
        savedOrder(callSid, number);
      }
      const deskState = answer.data.desk || (typeof answer.data.state === "object" ? answer.data.state : null);
      if (deskState) applyState(deskState); else { syncState(); render(); }
      loadOrders(true);
      return;
    }
    const errors = answer.data.errors || { form: answer.data.error || `HTTP ${answer.status}` };
    for (const [field, reason] of Object.entries(errors)) {
      const slot = document.querySelector(`[data-error-for="${CSS.escape(field)}"]`) || document.querySelector('[data-error-for="form"]');
      slot.textContent = reason;
      const input = $("wrapup-form").elements.namedItem(field);
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
    }
  }

  // ---- saving… / saved: a write the database takes later -------------------------------
  // `update`: {state: "saving" | "saved", call_sid, work_order?, order?} from the wrap-up
  // answer or the "saved" socket message.
  function showSaveState(update) {
    if (update.state === "saving") { say(t("saving")); return; }
    const number = update.work_order || (update.order && update.order.number) || "";
    if (number && desk.connected && desk.connected.call_sid === update.call_sid) desk.connected.work_order = number;
    if (update.order && desk.wrap && desk.wrap.call_sid === update.call_sid) desk.wrap.order = update.order;
    if (update.order || update.call_sid in desk.saving) {
      savedOrder(update.call_sid, number);  // a queued wrap-up form: its draft is done with
    } else {
      say(number ? t("saved", { n: number }) : t("savedDone"));  // the order itself reached SQL
      loadOrders(true);
    }
    render();
  }

  // ---- work orders --------------------------------------------------------------------
  async function loadOrders(fresh) {
    if (!config.agent) return;
    const offset = fresh ? 0 : desk.orders.length;
    const query = new URLSearchParams({ limit: "20", offset: String(offset) });
    if (config.readonly) query.set("agent", config.agent);
    const answer = await api("GET", `${config.api}/work-orders?${query}`);
    if (!answer.ok) return;
    desk.orders = fresh ? answer.data.items : desk.orders.concat(answer.data.items);
    desk.ordersTotal = answer.data.total;
    renderOrders();
  }
  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text || "";
    if (className) td.className = className;
    return td;
  }
  function categoryLabel(value) {
    const found = (config.categories || []).find((c) => c.value === value);
    return found ? (lang === "en" ? found.en : found.zh) : value;
  }
  function wrapUpCell(order) {
    const td = cell("", "wo-wrapup");
    if (!order.wrap_up_pending || readonly || !order.call_sid) { td.textContent = order.wrap_up_pending ? t("pending") : ""; return td; }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "wo-finish";
    button.textContent = t("finish");
    button.setAttribute("aria-label", `${t("finish")} ${order.number}`);
    button.addEventListener("click", () => finishFromList(order));
    td.append(button);
    return td;
  }
  function renderOrders() {
    const rows = desk.orders.map((order) => {
      const tr = document.createElement("tr");
      tr.dataset.number = order.number;
      tr.append(
        cell(order.number, "wo-number"),
        cell(categoryLabel(order.category), "wo-category"),
        cell(lang === "en" ? order.status : order.status_label, "wo-status"),
        cell(order.caller, "wo-caller"),
        cell(order.ivr_path, "wo-path"),
        cell(new Date(order.created_at).toLocaleString(lang === "en" ? "en-GB" : "zh-CN"), "wo-created"),
        wrapUpCell(order),
      );
      tr.classList.toggle("wo-pending", Boolean(order.wrap_up_pending));
      return tr;
    });
    $("orders-body").replaceChildren(...rows);
    $("orders-total").textContent = t("total", { n: desk.ordersTotal });
    $("orders-more").hidden = desk.orders.length >= desk.ordersTotal;
  }

  // ---- rendering ----------------------------------------------------------------------
  function render() {
    const state = desk.state || { state: "offline", since_ms: 0, reason: "" };
    const box = $("state");
    box.dataset.state = state.state;
    $("state-label").textContent = t(`st_${state.state}`);
    const reason = ["no_answer", "absent"].includes(state.reason) ? t(state.reason) : state.reason;
    $("state-reason").textContent = state.state === "break" && reason ? `· ${reason}` : "";
    if (state.in_config === false && config.agent) say(t("notInConfig"), "error");

    const ringing = Boolean(desk.offer) && !desk.connected;
    const inCall = Boolean(desk.connected) || state.state === "busy";
    const wrapping = Boolean(desk.wrap) && !inCall && !ringing;
    $("offer").hidden = !ringing;
    $("incall").hidden = !inCall || ringing;
    $("wrapup").hidden = !wrapping;
    $("idle").hidden = ringing || inCall || wrapping;
    const hint = $("idle").querySelector("p");
    hint.textContent = t(state.state === "offline" ? "offlineHint" : state.state === "break" ? "breakHint" : "idleHint");

    if (ringing) renderOffer();
    if (inCall && desk.connected) {
      const call = desk.connected;
      $("incall").dataset.callSid = call.call_sid;
      $("call-caller").textContent = call.caller || "";
      $("call-name").textContent = call.caller_name || "—";
      $("call-vip").textContent = call.vip || "—";
      $("call-queue").textContent = queueName(call.queue_name) || call.queue || "—";
      $("call-path").textContent = call.path || "—";
      $("call-work-order").textContent = call.work_order || t("saving");
    }
    alertOffer(ringing && !readonly);
    if (wrapping) {
      $("wrapup").dataset.callSid = desk.wrap.call_sid;
      $("wrapup-order").textContent = desk.wrap.order ? desk.wrap.order.number : "";
    }
    const twilio = config.mode === "twilio";
    $("btn-mute").hidden = !twilio;
    $("btn-mute").setAttribute("aria-pressed", String(desk.muted));
    $("btn-mute").textContent = t(desk.muted ? "unmute" : "mute");

    const onCall = ["reserved", "busy"].includes(state.state);
    $("btn-ready").disabled = readonly || onCall || state.state === "ready";
    $("btn-break").disabled = readonly || state.state === "busy";
    $("btn-offline").disabled = readonly || state.state === "busy" || state.state === "offline";
    $("break-reason").disabled = readonly;
    const phoneRang = Boolean(desk.ring) || Boolean(desk.twilioCall);
    $("btn-accept").disabled = readonly || !phoneRang;
    $("btn-reject").disabled = readonly || !phoneRang;
    $("btn-hangup").disabled = readonly;
    $("wu-save").disabled = readonly;
    $("offer-wait-ring").hidden = phoneRang || readonly;
    // 接听 takes the keyboard focus once per offer, as soon as the phone can answer it.
    const offerKey = desk.offer ? desk.offer.call_sid || "twilio" : null;
    if (ringing && phoneRang && !readonly && desk.focusedFor !== offerKey) {
      desk.focusedFor = offerKey;
      $("btn-accept").focus();
    }
    if (!ringing) desk.focusedFor = null;
    tick();
  }

  function alertOffer(on) {
    if (!window.HotlineAlert) return;
    if (!on) { window.HotlineAlert.stop(); return; }
    const offer = desk.offer;
    const body = [offer.caller_name, queueName(offer.queue_name) || offer.queue, offer.path].filter(Boolean).join(" · ");
    window.HotlineAlert.start(offer.call_sid || offer.caller || "offer", {
      title: t("offerFrom", { n: offer.caller || "" }),
      body,
      onClick: () => { if (!$("btn-accept").disabled) $("btn-accept").focus(); },
    });
  }

  function renderOffer() {
    const offer = desk.offer;
    $("offer").dataset.callSid = offer.call_sid || "";
    $("offer-caller").textContent = offer.caller || "";
    $("offer-name").textContent = offer.caller_name || "—";
    $("offer-vip").textContent = offer.vip || "—";
    $("offer-queue").textContent = queueName(offer.queue_name) || offer.queue || "";
    $("offer-path").textContent = offer.path || "—";
    // A wait reads as the desk writes it: seconds to one decimal, so 400 ms is not "0".
    $("offer-waited").textContent = offer.waited_ms === undefined ? "" : t("seconds", { n: (offer.waited_ms / 1000).toFixed(1) });
    const items = (offer.open_orders || []).map((order) => {
      const li = document.createElement("li");
      li.dataset.number = order.number;
      li.textContent = `${order.number} · ${categoryLabel(order.category)} · ${lang === "en" ? order.status : order.status_label}`;
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = t("none");
      items.push(li);
    }
    $("offer-orders").replaceChildren(...items);
  }

  function tick() {
    const state = desk.state;
    if (state && state.since_ms) $("state-since").textContent = clock(serverNow() - state.since_ms);
    else $("state-since").textContent = "";
    if (desk.offer && desk.offer.ringDeadline) {
      $("offer-countdown").textContent = t("seconds", { n: Math.max(0, Math.ceil((desk.offer.ringDeadline - serverNow()) / 1000)) });
    } else $("offer-countdown").textContent = "";
    if (desk.connected) $("call-timer").textContent = clock(serverNow() - desk.connected.since);
    if (desk.wrap && desk.wrap.until) {
      $("wrapup-countdown").textContent = t("seconds", { n: Math.max(0, Math.ceil((desk.wrap.until - serverNow()) / 1000)) });
    } else $("wrapup-countdown").textContent = "";
  }

  function translate() {
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    document.title = `Hotline ${t("title")}`;
    $("lang").textContent = lang === "en" ? "中文" : "English";
    $("lang").lang = lang === "en" ? "zh-CN" : "en";
    const reasons = $("break-reason"), chosen = reasons.value;
    reasons.replaceChildren(...config.breakReasons.map((r) => new Option(lang === "en" ? r.en : r.zh, r.value)), new Option(t("other"), "__other"));
    if (chosen) reasons.value = chosen;
    const category = $("wu-category"), was = category.value || "inquiry";
    category.replaceChildren(...config.categories.map((c) => new Option(lang === "en" ? c.en : c.zh, c.value)));
    category.value = was;
    fillSubTypes($("wu-subtype").value);
    const area = $("wu-area"), areaWas = area.value;
    area.replaceChildren(new Option(t("choose"), ""), ...config.areas.map((a) => new Option(lang === "en" ? a.en : a.zh, a.value)));
    area.value = areaWas;
    if (config.readonly && config.agent) $("agent-id").textContent = `${config.agent} · ${t("readonly")}`;
    render();
    renderOrders();
  }

  // ---- start --------------------------------------------------------------------------
  function bind() {
    document.body.dataset.mode = config.mode;
    document.body.dataset.readonly = readonly ? "1" : "0";
    $("agent-id").textContent = config.agent || "";
    $("departments").replaceChildren(...config.departments.map((d) => new Option(d, d)));
    $("lang").addEventListener("click", () => {
      lang = lang === "en" ? "zh" : "en";
      localStorage.setItem("hotline_lang", lang);
      translate();
    });
    $("btn-ready").addEventListener("click", () => {
      if (window.HotlineAlert) window.HotlineAlert.askNotifications();  // a gesture: may ask
      presence("ready");
    });
    for (const kind of ["pointerdown", "keydown"]) {
      document.addEventListener(kind, () => { if (window.HotlineAlert) window.HotlineAlert.unlock(); }, { capture: true });
    }
    window.addEventListener("pagehide", () => flushDraft());
    $("break-reason").addEventListener("change", () => { $("break-other").hidden = $("break-reason").value !== "__other"; });
    $("btn-break").addEventListener("click", () => {
      const chosen = $("break-reason").value;
      const reason = chosen === "__other" ? $("break-other").value.trim() : chosen;
      presence("break", { reason });
    });
    $("btn-offline").addEventListener("click", () => presence("offline"));
    $("btn-accept").addEventListener("click", accept);
    $("btn-reject").addEventListener("click", reject);
    $("btn-hangup").addEventListener("click", hangup);
    $("btn-mute").addEventListener("click", toggleMute);
    $("wu-category").addEventListener("change", () => fillSubTypes(""));
    $("wrapup-form").addEventListener("input", typed);
    $("wrapup-form").addEventListener("change", typed);
    $("wrapup-form").addEventListener("submit", saveWrapUp);
    $("orders-more").addEventListener("click", () => loadOrders(false));
    if (!config.agent && config.agents.length) {
      $("picker").hidden = false;
      const pickerSelect = $("agent-pick");
      pickerSelect.replaceChildren(new Option(t("choose"), ""), ...config.agents.map((id) => new Option(id, id)));
      pickerSelect.addEventListener("change", () => {
        if (pickerSelect.value) location.search = `?agent=${encodeURIComponent(pickerSelect.value)}`;
      });
    }
    if (readonly) for (const id of ["btn-ready", "btn-break", "btn-offline", "break-reason"]) $(id).disabled = true;
  }

  async function start() {
    bind();
    translate();
    await loadMe();
    connectDesk();
    connectPhone();
    startTwilio();
    setInterval(tick, 500);
  }
  start();
})();

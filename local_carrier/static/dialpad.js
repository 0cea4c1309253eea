// The dial pad: talks to the local carrier over /carrier/ws, shows and speaks every prompt.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const TEXT = {
    zh: {
      title: "Hotline 拨号盘", subtitle: "本地运营商 · 无需 Twilio 账号", phone: "电话",
      dial: "拨打号码", callerId: "主叫号码", call: "呼叫", hangup: "挂断", speak: "说",
      speechHint: "说话（语音输入/留言）", transcript: "通话记录", lang: "English",
      idle: "空闲 — 选择号码后按“呼叫”", connecting: "正在连接…", ringing: "正在呼叫 {to}…",
      inCall: "通话中", gather: "请按键", gatherSpeech: "请按键或说话", queued: "排队等待中 — 第 {position} 位",
      record: "请在提示音后留言，按 # 结束", dialing: "正在为您转接 {to}…", bridged: "已接通 {to}", ended: "通话已结束（{reason}）", offline: "与运营商的连接已断开",
      play: "播放音频", pause: "静音 {seconds} 秒", beep: "嘀——", you: "您", system: "系统", error: "错误",
    },
    en: {
      title: "Hotline dial pad", subtitle: "local carrier · no Twilio account needed", phone: "Phone",
      dial: "Number to dial", callerId: "Caller ID", call: "Call", hangup: "Hang up", speak: "Say",
      speechHint: "Speak (speech input / message)", transcript: "Transcript", lang: "中文",
      idle: "Idle — choose a number and press Call", connecting: "Connecting…", ringing: "Calling {to}…",
      inCall: "In call", gather: "Enter keys", gatherSpeech: "Enter keys or speak",
      queued: "waiting in queue — position {position}", record: "Leave a message after the beep, # to finish",
      dialing: "Connecting you to {to}…", bridged: "Connected to {to}",
      ended: "Call ended ({reason})", offline: "Connection to the carrier lost",
      play: "playing audio", pause: "silence {seconds} s", beep: "beep", you: "you", system: "system", error: "error",
    },
  };
  let lang = localStorage.getItem("hotline.lang") === "en" ? "en" : "zh";
  let socket = null;
  let inCall = false;
  let status = { key: "idle", args: {} };

  const $ = (id) => document.getElementById(id);
  const t = (key, args) => (TEXT[lang][key] || key).replace(/\{(\w+)\}/g, (_, k) => String((args || {})[k] ?? ""));

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    $("lang").textContent = t("lang");
    document.title = t("title");
    showStatus(status.key, status.args);
  }

  function showStatus(key, args, state) {
    status = { key, args: args || {} };
    const el = $("status");
    el.textContent = t(key, args);
    if (state) el.dataset.state = state;
    if (args && args.position !== undefined) el.dataset.position = String(args.position); else delete el.dataset.position;
  }

  function addLine(kind, text, extra) {
    const li = document.createElement("li");
    li.className = kind;
    const tag = document.createElement("span");
    tag.className = "kind";
    tag.textContent = extra || (kind === "say" ? "🔊" : t(kind));
    li.append(tag, document.createTextNode(" " + text));
    $("transcript").append(li);
    li.scrollIntoView({ block: "end" });
  }

  // Twilio names Mandarin cmn-CN for some voices; browsers call it zh-CN.
  function speechLang(language) {
    const l = (language || "en-US").replace("_", "-");
    return /^cmn/i.test(l) ? "zh-CN" : l;
  }

  function speak(text, language) {
    if (!("speechSynthesis" in window)) return;
    try {
      const wanted = speechLang(language).toLowerCase();
      const voices = window.speechSynthesis.getVoices() || [];
      const norm = (v) => v.lang.replace("_", "-").toLowerCase();
      const voice = voices.find((v) => norm(v) === wanted) || voices.find((v) => norm(v).split("-")[0] === wanted.split("-")[0]);
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = speechLang(language);
      if (voice) utterance.voice = voice;
      window.speechSynthesis.speak(utterance);
    } catch (err) { /* no voice at all (headless browsers): the transcript still shows it */ }
  }

  function stopSpeaking() {
    try { if ("speechSynthesis" in window) window.speechSynthesis.cancel(); } catch (err) { /* ignore */ }
  }

  function setInCall(value) {
    inCall = value;
    $("call").disabled = value;
    $("hangup").disabled = !value;
    $("speak").disabled = !value;
    $("to").disabled = value;
    $("from").disabled = value;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function onMessage(event) {
    const m = JSON.parse(event.data);
    switch (m.type) {
      case "ringing": setInCall(true); showStatus("ringing", { to: m.to }, "ringing"); break;
      case "say":
        if (status.key === "ringing") showStatus("inCall", {}, "in-call");
        addLine("say", m.text, "🔊 " + speechLang(m.language));
        speak(m.text, m.language);
        break;
      case "play": addLine("system", m.url, "♪ " + t("play")); break;
      case "pause": break;
      case "beep": addLine("system", t("beep"), "♪"); break;
      case "gather":
        $("display").textContent = "";
        showStatus(m.input && m.input.includes("speech") ? "gatherSpeech" : "gather", {}, "gather");
        break;
      case "record": showStatus("record", {}, "gather"); break;
      case "queued": showStatus("queued", { position: m.position, queue: m.queue }, "queued"); break;
      case "connecting": showStatus("dialing", { to: m.to }, "ringing"); break;
      case "connected": showStatus("bridged", { to: m.to }, "in-call"); addLine("system", t("bridged", { to: m.to }), t("system")); break;
      case "ended":
        stopSpeaking(); setInCall(false);
        showStatus("ended", { reason: m.reason }, "ended");
        addLine("system", t("ended", { reason: m.reason }), t("system"));
        break;
      case "error": addLine("system", m.message, t("error")); break;
      default: break;
    }
  }

  function connect() {
    const url = new URL(config.ws, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.addEventListener("message", onMessage);
    socket.addEventListener("open", () => { $("call").disabled = false; });
    socket.addEventListener("close", () => {
      setInCall(false); $("call").disabled = true;
      showStatus("offline", {}, "ended");
      setTimeout(connect, 2000);
    });
  }

  function press(key) {
    $("display").textContent += key;
    if (inCall) { stopSpeaking(); send({ type: "digits", digits: key }); }
  }

  function init() {
    const select = $("to");
    config.numbers.forEach((n) => {
      const option = document.createElement("option");
      option.value = n.number;
      option.textContent = n.label ? `${n.number} · ${n.label}` : n.number;
      select.append(option);
    });
    $("from").value = config.callerId;
    document.querySelectorAll(".keypad button").forEach((b) => b.addEventListener("click", () => press(b.dataset.key)));
    $("call").addEventListener("click", () => {
      $("transcript").textContent = ""; $("display").textContent = "";
      showStatus("connecting", {}, "ringing");
      send({ type: "dial", to: select.value, from: $("from").value.trim() });
    });
    $("hangup").addEventListener("click", () => send({ type: "hangup" }));
    $("speech-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("speech").value.trim();
      if (!text || !inCall) return;
      stopSpeaking();
      addLine("you", text, "🗣 " + t("you"));
      send({ type: "speech", text });
      $("speech").value = "";
    });
    document.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
      if (/^[0-9*#]$/.test(event.key)) press(event.key);
    });
    $("lang").addEventListener("click", () => {
      lang = lang === "zh" ? "en" : "zh";
      localStorage.setItem("hotline.lang", lang);
      applyLanguage();
    });
    $("call").disabled = true;
    showStatus("idle", {}, "idle");
    applyLanguage();
    connect();
  }

  init();
})();

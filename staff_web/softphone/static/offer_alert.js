// Making an offer hard to miss: a ring tone made with WebAudio (no audio file), a browser
// notification, and the tab title blinking, from the offer until it is answered, refused
// or withdrawn. Browsers let a page make sound and ask for notifications only after a user
// gesture, so `unlock` runs on every click or key press and `askNotifications` on 示闲.
"use strict";

window.HotlineAlert = (() => {
  const RING_EVERY_MS = 3000;  // a 1 s burst every 3 s
  const BLINK_MS = 1000;
  let audio = null, ringTimer = null, titleTimer = null, notice = null;
  let current = null, baseTitle = "", shownBody = "";

  function unlock() {
    try {
      if (!audio) {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (Context) audio = new Context();
      }
      if (audio && audio.state === "suspended") audio.resume().catch(() => {});
    } catch (_) { audio = null; }
  }

  function askNotifications() {
    if (!("Notification" in window) || Notification.permission !== "default") return;
    try { Notification.requestPermission().catch(() => {}); } catch (_) { /* old API */ }
  }

  function burst() {
    if (!audio || audio.state !== "running") {
      document.body.dataset.ringSound = "blocked";  // no gesture yet: title and notice still work
      return;
    }
    // Two tones (China's ring is 450 Hz; 480 Hz over it makes it harder to tune out).
    const start = audio.currentTime, gain = audio.createGain();
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.2, start + 0.04);
    gain.gain.setValueAtTime(0.2, start + 0.96);
    gain.gain.linearRampToValueAtTime(0, start + 1);
    gain.connect(audio.destination);
    for (const frequency of [450, 480]) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(start);
      tone.stop(start + 1.05);
    }
    document.body.dataset.ringSound = "playing";
  }

  function notify(title, body, onClick) {
    if (!("Notification" in window) || Notification.permission !== "granted") return null;
    try {
      const shown = new Notification(title, { body, tag: "hotline-offer", requireInteraction: true });
      shown.onclick = () => { window.focus(); if (onClick) onClick(); shown.close(); };
      return shown;
    } catch (_) { return null; }
  }

  // Start alerting for the offer `key` (the call); the same key again changes nothing.
  function start(key, { title, body, onClick }) {
    if (current === key) {
      // Who is calling often arrives after the ring: the same notice (tag) says it then.
      if (body !== shownBody && notice) { notice.close(); notice = notify(title, body, onClick); shownBody = body; }
      return;
    }
    stop();
    shownBody = body;
    current = key;
    baseTitle = document.title;
    document.body.dataset.ringing = "1";
    burst();
    ringTimer = setInterval(burst, RING_EVERY_MS);
    let flip = false;
    document.title = `📞 ${title}`;
    titleTimer = setInterval(() => {
      flip = !flip;
      document.title = flip ? baseTitle : `📞 ${title}`;
    }, BLINK_MS);
    notice = notify(title, body, onClick);
  }

  function stop() {
    if (current === null) return;
    current = null;
    clearInterval(ringTimer);
    clearInterval(titleTimer);
    ringTimer = titleTimer = null;
    document.title = baseTitle;
    document.body.dataset.ringing = "0";
    delete document.body.dataset.ringSound;
    if (notice) notice.close();
    notice = null;
  }

  return { unlock, askNotifications, start, stop, ringing: () => current };
})();

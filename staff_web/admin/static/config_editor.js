// The menu editor at /admin/config: the draft's YAML in CodeMirror, saved, checked,
// compared, tried out and published through /api/admin/config/; the versions list with
// roll-back. Everything the page knows comes from the JSON block #cfg-data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cfg-data").textContent);
  var T = data.texts;
  var api = data.api;

  function $(id) { return document.getElementById(id); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Beijing time, as the server's pages write it: 2026-11-25 10:00.
  function beijing(iso) {
    if (!iso) return "";
    var t = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return t.getUTCFullYear() + "-" + two(t.getUTCMonth() + 1) + "-" + two(t.getUTCDate()) +
      " " + two(t.getUTCHours()) + ":" + two(t.getUTCMinutes());
  }

  // One JSON call; resolves to {status, body}, body null when empty or not JSON.
  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") options.headers["X-CSRF-Token"] = data.csrf;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return { status: response.status, ok: response.ok, body: parsed };
      });
    }, function () {
      return { status: 0, ok: false, body: null };
    });
  }

  function errorOf(result) {
    var error = (result.body && result.body.error) || {};
    return {
      message: error.message || (result.status === 0 ? T.network : String(result.status)),
      fields: error.fields || {},
      lines: error.lines || {},
    };
  }

  function say(node, outcome, message) {
    node.textContent = message;
    node.setAttribute("data-outcome", outcome);
    node.className = outcome === "error" ? "alert" : outcome === "ok" ? "notice" : "muted";
  }

  function refusal(node, result) {
    var error = errorOf(result);
    say(node, "error", T.refused + T.colon + error.message);
    return error;
  }

  // The field's message under its input (or none), with aria-invalid to match.
  function fieldError(input, messageNode, message) {
    if (!input || !messageNode) return;
    if (message) {
      messageNode.textContent = message;
      messageNode.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", messageNode.id);
    } else {
      messageNode.textContent = "";
      messageNode.hidden = true;
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  // ---- the versions list ----
  var versions = data.versions;
  var versionsStatus = $("cfg-versions-status");

  function drawVersions() {
    var host = $("cfg-versions");
    host.textContent = "";
    if (!versions.length) {
      host.appendChild(el("p", { class: "muted", text: T.no_versions }));
      return;
    }
    var head = el("tr", {}, [T.version, T.created, T.published_at, T.author, T.comment,
      T.state, T.actions].map(function (h) { return el("th", { scope: "col", text: h }); }));
    var body = el("tbody");
    versions.forEach(function (v) {
      var state = [];
      if (v.published) state.push(el("span", { class: "badge cfg-published", text: T.published }));
      if (v.on_trial) state.push(el("span", { class: "badge", text: T.on_trial }));
      var actions = [];
      if (v.published_at && !v.published) {
        var button = el("button", { type: "button", class: "cfg-rollback",
          "data-version": String(v.id), text: T.rollback });
        button.addEventListener("click", function () { rollBack(v.id, button); });
        actions.push(button);
      }
      var row = el("tr", { "data-version": String(v.id),
        "data-published": v.published ? "1" : "0" }, [
        el("td", { text: "#" + v.id }), el("td", { text: beijing(v.created_at) }),
        el("td", { text: beijing(v.published_at) }), el("td", { text: v.author || "" }),
        el("td", { text: v.comment || "" }), el("td", {}, state), el("td", {}, actions),
      ]);
      body.appendChild(row);
    });
    host.appendChild(el("table", {}, [el("thead", {}, [head]), body]));
  }

  function reloadVersions() {
    return call("GET", "/versions").then(function (result) {
      if (result.ok) {
        versions = result.body.items;
        drawVersions();
      } else {
        refusal(versionsStatus, result);
      }
    });
  }

  function rollBack(id, button) {
    if (!window.confirm(fill(T.confirm_rollback, { n: id }))) return;
    button.disabled = true;
    call("POST", "/versions/" + id + "/rollback", {}).then(function (result) {
      if (result.ok) say(versionsStatus, "ok", fill(T.rolled_back, { n: result.body.version }));
      else refusal(versionsStatus, result);
      return reloadVersions();
    });
  }

  drawVersions();

  // ---- a new draft, from the published version ----
  var newForm = $("cfg-new");
  newForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("cfg-new-title");
    var button = $("cfg-new-button");
    button.disabled = true;
    call("POST", "/drafts", { title: input.value }).then(function (result) {
      button.disabled = false;
      if (result.ok) {
        window.location.assign(data.page + "?draft=" + encodeURIComponent(result.body.id));
        return;
      }
      var error = errorOf(result);
      fieldError(input, $("cfg-new-title-error"), error.fields.title || error.message);
    });
  });

  // ---- the chosen draft ----
  var draft = data.draft;
  if (!draft) return;
  var status = $("cfg-status");
  var saved = draft.text;
  var problems = draft.problems;
  var frozen = draft.published_version !== null;
  function mount(text, readOnly) {
    return window.HotlineCodeMirror.createYamlEditor($("cfg-editor"), {
      doc: text,
      readOnly: readOnly,
      onChange: function () { update(); },
    });
  }
  var editor = mount(draft.text, frozen);

  // A published draft no longer changes: its text stays on screen, read-only.
  function freeze() {
    frozen = true;
    var text = editor.getText();
    editor.view.destroy();
    editor = mount(text, true);
    $("cfg-title").readOnly = true;
    $("cfg-comment").readOnly = true;
  }
  var buttons = {
    save: $("cfg-save"), diff: $("cfg-diff-button"), trial: $("cfg-trial-button"),
    publish: $("cfg-publish"),
  };
  var busy = false;

  function dirty() {
    return editor.getText() !== saved || $("cfg-title").value !== draft.title;
  }

  // Which buttons work now: nothing while a request runs; nothing changes a published
  // draft; publishing and trying out take a saved draft without problems.
  function update() {
    var changed = dirty();
    buttons.save.disabled = busy || frozen || !changed;
    buttons.diff.disabled = busy;
    buttons.trial.disabled = busy || frozen || changed || problems.length > 0;
    buttons.publish.disabled = busy || frozen || changed || problems.length > 0;
    buttons.publish.title = frozen ? "" : changed ? T.publish_unsaved :
      problems.length ? T.publish_blocked : "";
    $("cfg-draft").setAttribute("data-dirty", changed ? "1" : "0");
  }

  function showProblems(list) {
    problems = list;
    var host = $("cfg-problems");
    host.textContent = "";
    host.setAttribute("data-count", String(list.length));
    if (!list.length) {
      host.appendChild(el("li", { class: "cfg-ok", text: T.no_problems }));
    }
    list.forEach(function (p) {
      var where = p.line ? fill(T.line, { n: p.line }) : T.no_line;
      var button = el("button", { type: "button", class: "cfg-problem",
        "data-line": p.line ? String(p.line) : "" }, [
        el("span", { class: "cfg-where", text: where }), " ",
        el("code", { text: p.path || "(config)" }), " ", el("span", { text: p.reason }),
      ]);
      if (p.line) button.addEventListener("click", function () { editor.revealLine(p.line); });
      host.appendChild(el("li", {}, [button]));
    });
    editor.setDiagnostics(list.filter(function (p) { return p.line; }).map(function (p) {
      return { line: p.line, message: (p.path || "") + T.colon + p.reason, severity: "error" };
    }));
    update();
  }

  // A 422's fields and lines (publish, trial) as the problems they are.
  function problemsOf(error) {
    return Object.keys(error.fields).map(function (path) {
      return { path: path, reason: error.fields[path], line: error.lines[path] || null };
    });
  }

  function start(message) {
    busy = true;
    update();
    say(status, "working", message || T.working);
  }

  function finish() {
    busy = false;
    update();
  }

  function save() {
    start();
    fieldError($("cfg-title"), $("cfg-title-error"), "");
    fieldError($("cfg-editor"), $("cfg-text-error"), "");
    var body = { title: $("cfg-title").value, text: editor.getText() };
    return call("PUT", "/drafts/" + draft.id, body).then(function (result) {
      if (result.ok) {
        draft = result.body;
        saved = draft.text;
        $("cfg-draft-heading").textContent = draft.title;
        showProblems(draft.problems);
        say(status, draft.problems.length ? "problems" : "ok", draft.problems.length ?
          fill(T.saved_problems, { n: draft.problems.length }) : T.saved);
      } else {
        var error = refusal(status, result);
        fieldError($("cfg-title"), $("cfg-title-error"), error.fields.title);
        fieldError($("cfg-editor"), $("cfg-text-error"), error.fields.text);
      }
      finish();
    });
  }

  function changesLine(name, changes) {
    var parts = [];
    ["added", "removed", "changed"].forEach(function (kind) {
      if (changes[kind].length) parts.push(T[kind] + T.colon + changes[kind].join(", "));
    });
    return parts.length ? el("li", { "data-part": name }, [T[name] + T.colon + parts.join("; ")])
      : null;
  }

  function showDiff(diff) {
    var host = $("cfg-diff");
    host.textContent = "";
    host.hidden = false;
    host.appendChild(el("h3", { text: T.diff }));
    if (diff.same) {
      host.appendChild(el("p", { class: "muted", id: "cfg-diff-same", text: T.diff_same }));
      return;
    }
    var summary = el("ul", { id: "cfg-diff-summary" });
    ["queues", "hotlines", "nodes"].forEach(function (name) {
      var line = changesLine(name, diff.summary[name]);
      if (line) summary.appendChild(line);
    });
    host.appendChild(el("h4", { text: T.summary }));
    host.appendChild(summary);
    var pre = el("pre", { id: "cfg-diff-text", class: "cfg-diff" });
    diff.unified.split("\n").forEach(function (text) {
      var kind = text.startsWith("+++") || text.startsWith("---") ? "file" :
        text.startsWith("@@") ? "hunk" : text.startsWith("+") ? "add" :
        text.startsWith("-") ? "del" : "same";
      pre.appendChild(el("span", { class: "cfg-" + kind, text: text + "\n" }));
    });
    host.appendChild(pre);
  }

  function diff() {
    start();
    return call("GET", "/drafts/" + draft.id + "/diff").then(function (result) {
      if (result.ok) {
        showDiff(result.body);
        say(status, "ok", T.diff);
      } else {
        refusal(status, result);
      }
      finish();
    });
  }

  function showTrial(answer) {
    var host = $("cfg-trial");
    host.textContent = "";
    if (!answer || !answer.trial || answer.trial.draft_id !== draft.id) {
      host.hidden = true;
      return;
    }
    host.hidden = false;
    host.className = "notice";
    host.appendChild(el("p", { id: "cfg-trial-until",
      text: fill(T.trial_started, { until: beijing(answer.trial.until) }) }));
    if (answer.test_callers && answer.test_callers.length) {
      host.appendChild(el("p", { text: fill(T.trial_callers,
        { numbers: answer.test_callers.join(", ") }) }));
    }
    if (answer.dial_pad) {
      host.appendChild(el("p", {}, [el("a", { id: "cfg-dial-pad", href: answer.dial_pad,
        target: "_blank", rel: "noopener", text: T.dial_pad })]));
    }
  }

  function trial() {
    start();
    return call("POST", "/drafts/" + draft.id + "/trial", {}).then(function (result) {
      if (result.ok) {
        showTrial(result.body);
        say(status, "ok", fill(T.trial_started, { until: beijing(result.body.trial.until) }));
      } else {
        var error = refusal(status, result);
        if (result.status === 422) showProblems(problemsOf(error));
      }
      finish();
      return reloadVersions();
    });
  }

  function publish() {
    start();
    fieldError($("cfg-comment"), $("cfg-comment-error"), "");
    var body = { comment: $("cfg-comment").value };
    return call("POST", "/drafts/" + draft.id + "/publish", body).then(function (result) {
      if (result.ok) {
        freeze();
        draft.published_version = result.body.version;
        say(status, "ok", fill(T.published_now, { n: result.body.version }));
        showTrial(null);
      } else {
        var error = refusal(status, result);
        fieldError($("cfg-comment"), $("cfg-comment-error"), error.fields.comment);
        if (result.status === 422) showProblems(problemsOf(error));
      }
      finish();
      return reloadVersions();
    });
  }

  buttons.save.addEventListener("click", save);
  buttons.diff.addEventListener("click", diff);
  buttons.trial.addEventListener("click", trial);
  buttons.publish.addEventListener("click", publish);
  $("cfg-title").addEventListener("input", update);
  if (frozen) {
    freeze();
    say(status, "frozen", fill(T.frozen, { n: draft.published_version }));
  }
  showProblems(problems);
  showTrial(data.trial);
})();

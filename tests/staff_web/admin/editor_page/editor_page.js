// Mounts the vendored editor the way the admin page will, and hands it to the test.
(function () {
  "use strict";
  var violations = [];
  document.addEventListener("securitypolicyviolation", function (event) {
    violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
  });
  var changes = [];
  var host = document.getElementById("editor");
  var nonce = host.dataset.styleNonce;
  var text = document.getElementById("menu-yaml").value;
  window.testEditor = HotlineCodeMirror.createYamlEditor(host, {
    doc: text,
    nonce: nonce,
    onChange: function (now) { changes.push(now); },
  });
  window.testViewer = HotlineCodeMirror.createYamlEditor(document.getElementById("viewer"), {
    doc: text,
    nonce: nonce,
    readOnly: true,
  });
  window.testChanges = changes;
  window.testViolations = violations;
})();

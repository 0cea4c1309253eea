// The admin console's menu editor: CodeMirror 6 with YAML, lint markers and a small API,
// published as one browser global (window.HotlineCodeMirror) for pages without a bundler.
import { basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { Annotation, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

const SEVERITIES = new Set(["error", "warning", "info", "hint"]);

// Marks the page's own edits (setText) so onChange reports only what the user typed.
const fromPage = Annotation.define();

function clampLine(doc, line) {
  const n = Math.min(Math.max(Math.trunc(Number(line)) || 1, 1), doc.lines);
  return doc.line(n);
}

// {line, column?, message, severity} (1-based) -> a CodeMirror diagnostic: from the column
// (or the line's start) to the line's end, so the squiggle covers the text at fault.
function toDiagnostic(doc, item) {
  const line = clampLine(doc, item.line);
  const column = Math.trunc(Number(item.column)) || 1;
  const from = line.from + Math.min(Math.max(column - 1, 0), line.length);
  const severity = SEVERITIES.has(item.severity) ? item.severity : "error";
  return { from, to: Math.max(from, line.to), severity, message: String(item.message) };
}

/**
 * Mount an editor in `parent`. Options: doc (initial text), onChange(text) (called after
 * the user's edits, not after setText), readOnly, nonce (the page's CSP style nonce, for
 * the editor's own <style> element under `style-src 'self' 'nonce-…'`).
 */
export function createYamlEditor(parent, { doc = "", onChange, readOnly = false, nonce } = {}) {
  const extensions = [basicSetup, yaml(), lintGutter(), EditorState.readOnly.of(Boolean(readOnly))];
  if (nonce) extensions.push(EditorView.cspNonce.of(nonce));
  if (onChange) {
    extensions.push(
      EditorView.updateListener.of((update) => {
        const typed = update.transactions.some((tr) => tr.docChanged && !tr.annotation(fromPage));
        if (typed) onChange(update.state.doc.toString());
      }),
    );
  }
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions }) });

  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: String(text) },
        annotations: fromPage.of(true),
      });
    },
    setDiagnostics(items) {
      const diagnostics = (items || []).map((item) => toDiagnostic(view.state.doc, item));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    focus: () => view.focus(),
    revealLine(line) {
      const target = clampLine(view.state.doc, line);
      view.dispatch({
        selection: { anchor: target.from, head: target.to },
        effects: EditorView.scrollIntoView(target.from, { y: "center" }),
      });
      view.focus();
    },
  };
}

window.HotlineCodeMirror = { createYamlEditor };

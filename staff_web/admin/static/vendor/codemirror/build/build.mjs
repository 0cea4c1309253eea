// Builds ../codemirror.min.js from entry.js, then writes ../VERSION and ../LICENSE from the
// packages that actually ended up in the bundle (read from esbuild's metafile).
import { build, version as esbuildVersion } from "esbuild";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..");
const outfile = join(vendor, "codemirror.min.js");

const result = await build({
  entryPoints: [join(here, "entry.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  banner: { js: "/* CodeMirror 6 with YAML for Hotline's admin console (MIT): VERSION and LICENSE beside this file. */" },
  metafile: true,
  outfile,
  logLevel: "info",
});

// "node_modules/@scope/name/..." -> "@scope/name", for every input that kept bytes.
const bundled = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const [path, input] of Object.entries(output.inputs)) {
    const match = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match && input.bytesInOutput > 0) bundled.add(match[1]);
  }
}
const packages = [...bundled].sort().map((name) => {
  const dir = join(here, "node_modules", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  if (!file) throw new Error(`${name} ships no licence file`);
  return { name, version: manifest.version, license: manifest.license, text: readFileSync(join(dir, file), "utf8") };
});

const list = packages.map((p) => `  ${p.name}@${p.version} (${p.license})`).join("\n");
writeFileSync(
  join(vendor, "VERSION"),
  `CodeMirror 6 with YAML for the admin console's menu editor: codemirror.min.js, one minified
IIFE bundle defining window.HotlineCodeMirror.createYamlEditor, built with esbuild ${esbuildVersion}
from build/ (how to rebuild: build/README.md). Served from the admin console's own static
files; nothing is fetched at run time. Licence: MIT, every bundled package's text in LICENSE.

Bundled packages:
${list}
`,
);
writeFileSync(
  join(vendor, "LICENSE"),
  `codemirror.min.js bundles the packages below, each under the MIT licence; each text follows.\n\n` +
    packages.map((p) => `==== ${p.name}@${p.version} ====\n\n${p.text.trim()}\n`).join("\n"),
);

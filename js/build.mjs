// Bundle each js/src/widgets/<name>.ts into hitl_widgets/static/<name>.js (+ .css).
// Each bundle is self-contained: anywidget loads it from a Blob URL, so no split chunks.
import { build, context } from "esbuild";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const widgets = join(root, "js", "src", "widgets");
const entryPoints = readdirSync(widgets)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => join(widgets, f));

const options = {
  entryPoints,
  outdir: join(root, "hitl_widgets", "static"),
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !process.argv.includes("--watch"),
  sourcemap: process.argv.includes("--watch") ? "inline" : false,
  define: { __HITL_VERSION__: JSON.stringify(version) },
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}

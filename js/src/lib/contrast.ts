// Colour arithmetic for text on coloured cells (heatmaps, flags): parse the colours the browser
// reports, mix them as CSS color-mix(in srgb) does, and pick the text colour with the higher WCAG
// contrast against a background (black or white: one of them always reaches 4.58:1).

export type RGB = [number, number, number];

const BLACK: RGB = [0, 0, 0];
const WHITE: RGB = [255, 255, 255];

/** [r, g, b] (0-255) of a CSS colour as getComputedStyle / getPropertyValue report it: #rgb,
 *  #rrggbb(aa), rgb()/rgba(), color(srgb r g b) (what Chromium reports for color-mix); else null. */
export function parseColour(text: string | null | undefined): RGB | null {
  const s = (text ?? "").trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    let hex = m[1];
    if (hex.length === 3 || hex.length === 4) hex = [...hex.slice(0, 3)].map((c) => c + c).join("");
    if (hex.length !== 6 && hex.length !== 8) return null;
    return [0, 2, 4].map((k) => parseInt(hex.slice(k, k + 2), 16)) as RGB;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  m = /^color\(srgb\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)/.exec(s);
  if (m) return [Number(m[1]) * 255, Number(m[2]) * 255, Number(m[3]) * 255];
  return null;
}

/** WCAG relative luminance of an sRGB colour (0 black … 1 white). */
export function luminance([r, g, b]: RGB): number {
  const f = (v: number) => {
    const c = Math.max(0, Math.min(255, v)) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** WCAG contrast ratio of two colours (1 … 21). */
export function contrastRatio(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `share` (0-1) of `a` mixed into `b`, as color-mix(in srgb, a share, b). */
export function mix(a: RGB, b: RGB, share: number): RGB {
  const t = Math.max(0, Math.min(1, share));
  return [0, 1, 2].map((k) => a[k] * t + b[k] * (1 - t)) as RGB;
}

/** Black or white, whichever reads better on `background`. */
export function textOn(background: RGB): RGB {
  return contrastRatio(BLACK, background) >= contrastRatio(WHITE, background) ? BLACK : WHITE;
}

/** A colour as #rrggbb. */
export function hex(colour: RGB): string {
  return `#${colour.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, "0")).join("")}`;
}

/** The value of a colour custom property (e.g. "--hitl-accent") as seen by `el`, or `fallback`
 *  when the element is not laid out yet or the value is not a plain colour. */
export function themeColour(el: Element, name: string, fallback: string): RGB {
  const value = el.isConnected ? getComputedStyle(el).getPropertyValue(name) : "";
  return parseColour(value) ?? (parseColour(fallback) as RGB);
}

const watchers = new Set<() => void>();
let stopWatching: (() => void) | null = null;
const THEME_CLASSES = /(^|\s)(dark|light|dark-theme|light-theme|vscode-[\w-]+)(?=\s|$)/g;

/** What names the page's theme: JupyterLab's body attributes, other hosts' theme attributes and
 *  classes on <html> and <body> (marimo, VS Code), the system's colour scheme. */
function themeSignature(): string {
  const parts = [document.documentElement, document.body].map((el) => [
    el.getAttribute("data-jp-theme-name"), el.getAttribute("data-jp-theme-light"), el.getAttribute("data-theme"),
    el.getAttribute("data-vscode-theme-kind"), (el.className.toString().match(THEME_CLASSES) ?? []).join(" "),
  ].join("|"));
  const dark = typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
  return [...parts, dark].join("/");
}

/** Call `repaint` after the page's theme changes — JupyterLab's theme switch, another host's
 *  (marimo, VS Code: attributes and classes on <html> / <body>), the system's light / dark — on
 *  the next frame; returns the function that stops it. One observer serves every caller. */
export function onThemeChange(repaint: () => void): () => void {
  watchers.add(repaint);
  if (!stopWatching && typeof MutationObserver !== "undefined" && typeof document !== "undefined" && document.body) {
    let last = themeSignature();
    const changed = () => {
      const now = themeSignature();
      if (now === last) return; // another class on <body> (a drag's cursor): not the theme
      last = now;
      const run = () => watchers.forEach((w) => w());
      if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
      else run();
    };
    const observer = new MutationObserver(changed);
    const attributeFilter = ["data-jp-theme-name", "data-jp-theme-light", "data-theme", "data-vscode-theme-kind", "class"];
    for (const el of [document.documentElement, document.body]) observer.observe(el, { attributes: true, attributeFilter });
    const media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    media?.addEventListener?.("change", changed);
    stopWatching = () => {
      observer.disconnect();
      media?.removeEventListener?.("change", changed);
    };
  }
  return () => {
    watchers.delete(repaint);
    if (!watchers.size && stopWatching) {
      stopWatching();
      stopWatching = null;
    }
  };
}

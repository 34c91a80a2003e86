// One cached item (image or text) as a DOM node: images drawn to a canvas, text as literal text.
import "./view.css";
import { h, setText } from "./dom";
import type { ItemInfo } from "./items";
import { drawFit } from "./media";

/** A box showing `info` (or "loading…" when undefined), fitted in `size` pixels. */
export function itemView(info: ItemInfo | undefined, size: number, className = ""): HTMLDivElement {
  const box = h("div", `hitl-media ${className}`.trim());
  if (!info) {
    box.append(h("span", "hitl-muted", "loading…"));
  } else if (info.kind === "image" && info.image) {
    const canvas = h("canvas");
    drawFit(canvas, info.image, size);
    box.append(canvas);
  } else if (info.kind === "text") {
    const text = h("div", "hitl-media-text");
    text.dir = "auto"; // right-to-left text lays out by its own first strong character
    setText(text, info.text);
    box.append(text);
  } else {
    box.append(h("span", "hitl-error", info.error ?? "cannot show this item"));
  }
  return box;
}

/** A number for display (3 decimals), or "–" when unknown. */
export function fmt(value: unknown, digits = 3): string {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "–";
}

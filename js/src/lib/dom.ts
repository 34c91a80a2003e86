// Safe DOM building: text from data or models only ever goes through textContent.

/** Create an element with hitl-prefixed classes and (optional) plain text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text?: unknown,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) setText(node, text);
  return node;
}

/** A button of class `hitl-button <className>` showing its `key` (a hitl-key badge), then `text`. */
export function keyButton(className: string, key: string, text: string): HTMLButtonElement {
  const b = h("button", `hitl-button ${className}`);
  b.append(h("span", "hitl-key", key), document.createTextNode(text));
  return b;
}

/** A range input of class `className` from `min` to `max` by `step`, named `label` for screen readers. */
export function slider(className: string, label: string, min = 0, max = 1, step = 0.05): HTMLInputElement {
  const input = h("input", className);
  input.type = "range";
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  input.setAttribute("aria-label", label);
  return input;
}

/** Show any value as literal text (never parsed as HTML). */
export function setText(node: Node, value: unknown): void {
  shownParts.delete(node); // a line setParts wrote is now plain text
  const text = value === null || value === undefined ? "" : String(value);
  // an unchanged text is not rewritten (that would replace the text node and cost a relayout)
  const only = node.firstChild;
  const unchanged = text === "" ? only === null : only !== null && only === node.lastChild && only.nodeType === Node.TEXT_NODE && (only as Text).data === text;
  if (!unchanged) node.textContent = text;
}

/** A piece of data or model text inside a line the widget composes (see setParts). */
export interface DataPart {
  data: unknown;
}

/** Mark `value` as data in a composed line: setParts shows it in its own <bdi>. */
export const data = (value: unknown): DataPart => ({ data: value });

/** What setParts takes: the widget's own words as strings, data pieces wrapped by data(). */
export type Part = string | DataPart;

const shownParts = new WeakMap<Node, string>();

/** Set `node`'s content to `parts`: the widget's own words as text, each data piece as the text of
 *  its own <bdi>, so a right-to-left override in a class name or annotator cannot reorder the
 *  words around it. An unchanged line is not rewritten.
 *
 *  Example: setParts(line, ["new boxes: ", data(className), " — drag to draw"]) */
export function setParts(node: HTMLElement, parts: Part[]): void {
  const key = JSON.stringify(parts.map((p) => (typeof p === "string" ? p : [labelText(p.data)])));
  if (shownParts.get(node) === key) return;
  shownParts.set(node, key);
  // one inline span holds the line, so a flex parent (.hitl-row) lays it out as one item, not as
  // words and <bdi>s spread apart by its gap
  const line = h("span", "hitl-parts");
  line.append(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : h("bdi", "", labelText(p.data)))));
  node.replaceChildren(line);
}

/** A short display form of a label value (class, list of classes, or nothing). */
export function labelText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.length ? value.map(String).join(", ") : "(none)";
  return String(value);
}

/** "1 box", "3 boxes": `n` and its noun in the right number (`many`, else the noun + "s").
 *  Example: countOf(2, "polygon") → "2 polygons"; countOf(2, "box", "boxes") → "2 boxes". */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

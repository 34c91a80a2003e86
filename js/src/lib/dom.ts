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

/** Show any value as literal text (never parsed as HTML). */
export function setText(node: Node, value: unknown): void {
  node.textContent = value === null || value === undefined ? "" : String(value);
}

/** A short display form of a label value (class, list of classes, or nothing). */
export function labelText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.length ? value.map(String).join(", ") : "(none)";
  return String(value);
}

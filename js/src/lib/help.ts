// The "?" overlay listing a widget's keys (built from its Keymap, so it cannot go stale).
import { h } from "./dom";
import { Keymap, keyLabel } from "./keyboard";

/** The "?" button that shows / hides a HelpOverlay, named for screen readers and with a tooltip.
 *  Example: `const b = helpButton(); b.addEventListener("click", () => help.toggle());` */
export function helpButton(): HTMLButtonElement {
  const button = h("button", "hitl-button", "?");
  button.title = "keyboard shortcuts";
  button.setAttribute("aria-label", "keyboard shortcuts");
  return button;
}

export class HelpOverlay {
  readonly node: HTMLDivElement;

  constructor(private readonly keymap: Keymap, title = "Keyboard shortcuts") {
    this.node = h("div", "hitl-help");
    this.node.hidden = true;
    this.node.setAttribute("role", "dialog");
    this.node.setAttribute("aria-label", title);
    this.node.append(h("div", "hitl-help-title", title));
  }

  get open(): boolean {
    return !this.node.hidden;
  }

  toggle(force?: boolean): void {
    const show = force ?? this.node.hidden;
    this.node.hidden = !show;
    if (show) this.fill(); // after showing: bindings gated on the overlay being open are listed
  }

  private fill(): void {
    const table = h("table", "hitl-help-table");
    for (const b of this.keymap.active()) {
      const row = h("tr");
      const description = typeof b.description === "function" ? b.description() : b.description;
      row.append(h("td", "hitl-help-keys", b.keys.map(keyLabel).join("  ")), h("td", "", description));
      table.append(row);
    }
    this.node.replaceChildren(this.node.firstChild as Node, table, h("div", "hitl-help-hint", "Esc or ? closes"));
  }
}

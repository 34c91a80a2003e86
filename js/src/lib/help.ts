// The "?" overlay listing a widget's keys (built from its Keymap, so it cannot go stale).
import { h } from "./dom";
import { Keymap, keyLabel } from "./keyboard";

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
    if (show) this.fill();
    this.node.hidden = !show;
  }

  private fill(): void {
    const table = h("table", "hitl-help-table");
    for (const b of this.keymap.list()) {
      const row = h("tr");
      row.append(h("td", "hitl-help-keys", b.keys.map(keyLabel).join("  ")), h("td", "", b.description));
      table.append(row);
    }
    this.node.replaceChildren(this.node.firstChild as Node, table, h("div", "hitl-help-hint", "Esc or ? closes"));
  }
}

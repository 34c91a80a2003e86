// The "?" overlay listing a widget's keys (built from its Keymap, so it cannot go stale).
import { h } from "./dom";
import { Binding, Keymap, keyLabel } from "./keyboard";

/** What Escape does when no binding wants it (Keymap gives the focus back to the notebook). */
export const ESCAPE_LEAVES = "leave the widget (back to the notebook)";

/** The keys of one row, each in a <kbd>, separated by a visible " / " ("Backspace / Ctrl+Z"). */
export function keyCell(keys: string[]): HTMLTableCellElement {
  const cell = h("td", "hitl-help-keys");
  keys.forEach((k, i) => {
    if (i) cell.append(" / ");
    cell.append(h("kbd", "", keyLabel(k)));
  });
  return cell;
}

/** The rows of the help: one per key list, in the order bound. Bindings of the same keys (Escape:
 *  "close this help", a widget's "clear the selection") share one row, their meanings in the
 *  order the Keymap tries them ("…; else: …"); Escape's row ends with what the Keymap does when
 *  no binding wants it (leave the widget), unless a description already says so, and is there
 *  (last) even when no binding takes Escape. */
export function helpRows(bindings: Binding[]): Array<{ keys: string[]; description: string }> {
  const rows = new Map<string, { keys: string[]; meanings: string[] }>();
  for (const b of bindings) {
    const description = typeof b.description === "function" ? b.description() : b.description;
    const id = b.keys.join("\u0000");
    const row = rows.get(id);
    if (row) row.meanings.push(description);
    else rows.set(id, { keys: b.keys, meanings: [description] });
  }
  if (!rows.has("Escape")) rows.set("Escape", { keys: ["Escape"], meanings: [] });
  return [...rows.values()].map(({ keys, meanings }) => {
    if (keys.length === 1 && keys[0] === "Escape" && !meanings.some((m) => /leave the widget/.test(m))) meanings.push(ESCAPE_LEAVES);
    return { keys, description: meanings.join("; else: ") };
  });
}

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
    for (const { keys, description } of helpRows(this.keymap.active())) {
      const row = h("tr");
      row.append(keyCell(keys), h("td", "", description));
      table.append(row);
    }
    this.node.replaceChildren(this.node.firstChild as Node, table, h("div", "hitl-help-hint", "Esc or ? closes"));
  }
}

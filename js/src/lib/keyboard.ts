// A keyboard map that acts only while the widget has focus. Keys stop at the widget (JupyterLab 4
// and Notebook 7 read shortcuts in the bubbling phase, so stopPropagation is enough): a bound key
// runs and its default is prevented; an unbound one keeps its default but never reaches the host's
// single-key commands. The host's own keys always pass, even where a binding would match: run
// (Shift/Ctrl/Alt+Enter), save (Ctrl+S) and the command palette. Escape that no binding wants gives
// the focus back to the notebook (command mode) and reaches the host.

export interface Binding {
  /** Key names as produced by keyName(): "1", "Enter", "Space", "ArrowLeft", "Ctrl+Z", "?" ... */
  keys: string[];
  /** What the key does, shown in the "?" overlay (a function when it depends on state). */
  description: string | (() => string);
  run: (event: KeyboardEvent) => void;
  /** The binding applies only when this returns true. */
  when?: () => boolean;
}

/** Canonical name of a key event: modifiers (Ctrl/Alt/Meta) + key; Shift is folded into the key. */
export function keyName(e: KeyboardEvent): string {
  let key = e.key === " " ? "Space" : e.key;
  if (key.length === 1 && (e.ctrlKey || e.metaKey)) key = key.toUpperCase();
  const mods = [e.ctrlKey || e.metaKey ? "Ctrl" : "", e.altKey ? "Alt" : ""].filter(Boolean);
  return [...mods, key].join("+");
}

/** Human form of a key name for the help overlay. */
export function keyLabel(name: string): string {
  const pretty: Record<string, string> = {
    ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑", ArrowDown: "↓", Space: "Space",
  };
  return name.split("+").map((k) => pretty[k] ?? k).join("+");
}

/** The host's keys, never taken by a widget (names with Shift spelled out: see hostKeyName). */
export const HOST_KEYS: ReadonlySet<string> = new Set([
  "Shift+Enter", "Ctrl+Enter", "Alt+Enter", // run the cell (and select / insert the next)
  "Ctrl+S", "Ctrl+Shift+S", // save, save as
  "Ctrl+Shift+C", // command palette
]);

/** Like keyName, with Shift spelled out (Shift+Enter is not Enter, to the host). */
export function hostKeyName(e: KeyboardEvent): string {
  let key = e.key === " " ? "Space" : e.key;
  if (key.length === 1) key = key.toUpperCase();
  const mods = [e.ctrlKey || e.metaKey ? "Ctrl" : "", e.altKey ? "Alt" : "", e.shiftKey ? "Shift" : ""];
  return [...mods.filter(Boolean), key].join("+");
}

/** Give the focus back to the host: the enclosing notebook (command mode) when there is one. */
export function releaseFocus(root: HTMLElement): void {
  const active = document.activeElement as HTMLElement | null;
  if (active && root.contains(active)) active.blur();
  const notebook = root.closest(".jp-Notebook") as HTMLElement | null;
  notebook?.focus({ preventScroll: true });
}

/** Shift+Enter in a widget continues the notebook: the cell after the widget's becomes the active
 *  one before JupyterLab reads the key, so the key runs that cell (focus inside an output makes its
 *  own cell active, and running the widget's cell again would step in place). Nothing happens
 *  outside a notebook or in its last cell (the key then does what the host does). */
export function continueNotebook(root: HTMLElement): void {
  const next = root.closest(".jp-Cell")?.nextElementSibling as HTMLElement | null | undefined;
  if (!next || !next.classList.contains("jp-Cell")) return;
  // the notebook follows focus into a cell (its focusin handler sets the active cell)
  next.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
}

export class Keymap {
  private bindings: Binding[] = [];
  private readonly listener = (e: KeyboardEvent) => this.handle(e);

  constructor(private readonly root: HTMLElement) {
    root.tabIndex = 0;
    root.addEventListener("keydown", this.listener);
  }

  add(...bindings: Binding[]): this {
    this.bindings.push(...bindings);
    return this;
  }

  list(): readonly Binding[] {
    return this.bindings;
  }

  /** The bindings that apply now (what the "?" overlay lists). */
  active(): Binding[] {
    return this.bindings.filter((b) => !b.when || b.when());
  }

  /** Run the binding for this event; returns whether one ran. The host's keys (HOST_KEYS) are
   *  never handled; an Escape no binding wants releases the focus (and still reaches the host). */
  handle(e: KeyboardEvent): boolean {
    const target = e.target as HTMLElement | null;
    if (target && target !== this.root && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return false;
    if (e.isComposing) return false;
    const host = hostKeyName(e);
    if (HOST_KEYS.has(host)) {
      if (host === "Shift+Enter") continueNotebook(this.root);
      return false;
    }
    const name = keyName(e);
    const binding = this.bindings.find((b) => b.keys.includes(name) && (!b.when || b.when()));
    if (!binding) {
      if (name === "Escape") releaseFocus(this.root);
      // any other key stays in the widget (its default, e.g. Tab or a copy, still happens): a
      // stray "d d" or "m" must not reach JupyterLab's command-mode keys and delete or change a cell
      else e.stopPropagation();
      return false;
    }
    e.preventDefault();
    e.stopPropagation();
    binding.run(e);
    return true;
  }

  dispose(): void {
    this.root.removeEventListener("keydown", this.listener);
    this.bindings = [];
  }
}

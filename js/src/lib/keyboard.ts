// A keyboard map that acts only while the widget has focus, and never lets a handled key reach
// JupyterLab (Lumino skips elements marked data-lm-suppress-shortcuts; we also stop propagation).

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

export class Keymap {
  private bindings: Binding[] = [];
  private readonly listener = (e: KeyboardEvent) => this.handle(e);

  constructor(private readonly root: HTMLElement) {
    root.tabIndex = 0;
    root.setAttribute("data-lm-suppress-shortcuts", "true");
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

  /** Run the binding for this event; returns whether one ran. */
  handle(e: KeyboardEvent): boolean {
    const target = e.target as HTMLElement | null;
    if (target && target !== this.root && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return false;
    if (e.isComposing) return false;
    const name = keyName(e);
    const binding = this.bindings.find((b) => b.keys.includes(name) && (!b.when || b.when()));
    if (!binding) return false;
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

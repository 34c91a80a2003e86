// A keyboard map that acts only while the widget has focus. Keys stop at the widget: a bound key
// runs and its default is prevented; an unbound one keeps its default but never reaches the host's
// single-key commands. JupyterLab 4 reads shortcuts in the bubbling phase, so stopPropagation is
// enough there; Notebook 7 reads them on the document in the capture phase, before the widget sees
// the key, so a window capture listener (installed once) marks the key's target with Lumino's
// data-lm-suppress-shortcuts for the time of that one event (suppressHostShortcuts). The host's own keys always pass, even where a binding would match: run
// (Shift/Ctrl/Alt+Enter), save (Ctrl+S) and the command palette. Escape that no binding wants gives
// the focus back to the notebook (command mode) and reaches the host.
//
// Widgets shown together as one tool (ActiveLearningLoop: a ClassifyWidget above a LoopPanel) share
// one key scope: an element of class KEY_SCOPE_CLASS around them. A key the focused widget does not
// bind is offered to the other keymaps of its scope before it stops (its own bindings come first),
// and active() — what the "?" overlay lists — holds the scope's bindings too. The widgets are
// separate bundles, so the keymaps find each other through the DOM (data-hitl-keymap, and a
// synchronous custom event on each peer's root), not through module state.

import { activeIn, refocusAfterMouse } from "./focus";

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

/** The keys of a widget's one-line text box: the host's keys (HOST_KEYS: Shift+Enter runs the cell,
 *  Ctrl+S saves) go on to JupyterLab untouched; Enter (not while composing) runs `enter`, Escape
 *  runs `escape` (the box's own way out: the next Escape, from the widget, leaves it); anything else
 *  typed stays in the box, never a notebook command or a widget key. */
export function textBoxKeys(input: HTMLElement, on: { enter: () => void; escape: () => void }): void {
  input.addEventListener("keydown", (e) => {
    if (HOST_KEYS.has(hostKeyName(e))) return;
    e.stopPropagation();
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      on.enter();
    } else if (e.key === "Escape") {
      e.preventDefault();
      on.escape();
    }
  });
}

const SUPPRESS = "data-lm-suppress-shortcuts";

let suppressed: HTMLElement | null = null; // the target marked for the key being dispatched

function unmark(): void {
  suppressed?.removeAttribute(SUPPRESS);
  suppressed = null;
}

/** Window capture listener: a key for a widget's keymap (not a host key, not a lone modifier, not
 *  typed into a field) is hidden from Lumino's shortcuts (which then ignore its target) until the
 *  event is over: the mark goes in a task after it, or when the next key comes (Chromium runs
 *  queued input ahead of timers). */
export function suppressHostShortcuts(e: KeyboardEvent): void {
  unmark();
  const target = e.composedPath()[0];
  if (!(target instanceof HTMLElement) || target.hasAttribute(SUPPRESS)) return;
  if (!target.closest("[data-hitl-keymap]") || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
  if (["Shift", "Control", "Alt", "Meta"].includes(e.key) || HOST_KEYS.has(hostKeyName(e))) return;
  target.setAttribute(SUPPRESS, "");
  suppressed = target;
  setTimeout(() => { if (suppressed === target) unmark(); }, 0); // after every listener of this event
}

function installSuppressor(): void {
  const flag = "__hitlSuppressShortcuts"; // once per page, whichever widget bundle comes first
  const w = window as unknown as Record<string, boolean>;
  if (w[flag]) return;
  w[flag] = true;
  window.addEventListener("keydown", suppressHostShortcuts, true);
}

/** Give the focus back to the host: the enclosing notebook (command mode) when there is one. */
export function releaseFocus(root: HTMLElement): void {
  const active = activeIn(root) as HTMLElement | null;
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

/** The class of an element whose widgets share one key scope (see the module comment). */
export const KEY_SCOPE_CLASS = "hitl-key-scope";
const SCOPE_EVENT = "hitl:scope-keys";

/** What one keymap asks the other keymaps of its scope (the detail of a SCOPE_EVENT). */
type ScopeRequest =
  | { kind: "key"; name: string; event: KeyboardEvent; handled: boolean }
  | { kind: "list"; bindings: Binding[] };

export class Keymap {
  private bindings: Binding[] = [];
  private readonly listener = (e: KeyboardEvent) => this.handle(e);
  private readonly scopeListener = (e: Event) => this.answer((e as CustomEvent<ScopeRequest>).detail);
  private readonly unfocus: () => void;

  constructor(private readonly root: HTMLElement) {
    root.tabIndex = 0;
    installSuppressor();
    this.unfocus = refocusAfterMouse(root); // a clicked button keeps no focus ring (lib/focus.ts)
    root.setAttribute("data-hitl-keymap", "");
    root.addEventListener("keydown", this.listener);
    root.addEventListener(SCOPE_EVENT, this.scopeListener);
  }

  /** Whether this keymap's widget shares a key scope with others (see the module comment). */
  scoped(): boolean {
    return this.peers().length > 0;
  }

  /** The roots of the other keymaps in this one's scope, in document order. */
  private peers(): HTMLElement[] {
    const scope = this.root.parentElement?.closest(`.${KEY_SCOPE_CLASS}`);
    if (!scope) return [];
    return [...scope.querySelectorAll<HTMLElement>("[data-hitl-keymap]")].filter((el) => el !== this.root);
  }

  private ask(request: ScopeRequest): void {
    for (const peer of this.peers()) peer.dispatchEvent(new CustomEvent(SCOPE_EVENT, { detail: request }));
  }

  /** A peer's request: run our binding for its key, or list our bindings. */
  private answer(request: ScopeRequest): void {
    if (request.kind === "list") {
      request.bindings.push(...this.own());
    } else if (!request.handled) {
      const binding = this.find(request.name);
      if (binding) {
        request.handled = true;
        binding.run(request.event);
      }
    }
  }

  private find(name: string): Binding | undefined {
    return this.bindings.find((b) => b.keys.includes(name) && (!b.when || b.when()));
  }

  private own(): Binding[] {
    return this.bindings.filter((b) => !b.when || b.when());
  }

  add(...bindings: Binding[]): this {
    this.bindings.push(...bindings);
    return this;
  }

  list(): readonly Binding[] {
    return this.bindings;
  }

  /** The bindings that apply now (what the "?" overlay lists): this keymap's, then those of its
   *  scope's other keymaps for keys this one does not take. */
  active(): Binding[] {
    const own = this.own();
    const request: ScopeRequest = { kind: "list", bindings: [] };
    this.ask(request);
    const taken = new Set(own.flatMap((b) => b.keys));
    const shared = request.bindings.filter((b) => !b.keys.some((k) => taken.has(k)));
    return [...own, ...shared];
  }

  /** Run the binding for this event (this keymap's, else one of its scope's); returns whether one
   *  ran. The host's keys (HOST_KEYS) are never handled; an Escape no binding wants releases the
   *  focus (and still reaches the host). */
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
    const binding = this.find(name);
    if (!binding) {
      const offered: ScopeRequest = { kind: "key", name, event: e, handled: false };
      this.ask(offered); // another widget of the scope may take it
      if (offered.handled) {
        e.preventDefault();
        e.stopPropagation();
        return true;
      }
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
    this.root.removeEventListener(SCOPE_EVENT, this.scopeListener);
    this.unfocus();
    this.root.removeAttribute("data-hitl-keymap");
    this.bindings = [];
  }
}

import { afterEach, describe, expect, it, vi } from "vitest";
import { KEY_SCOPE_CLASS, Keymap, keyLabel, keyName, textBoxKeys } from "./keyboard";

const ev = (init: KeyboardEventInit) => new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });

describe("keyName", () => {
  it("names plain keys as KeyboardEvent.key", () => {
    expect(keyName(ev({ key: "1" }))).toBe("1");
    expect(keyName(ev({ key: "a" }))).toBe("a");
    expect(keyName(ev({ key: "Enter" }))).toBe("Enter");
    expect(keyName(ev({ key: "ArrowLeft" }))).toBe("ArrowLeft");
    expect(keyName(ev({ key: "Backspace" }))).toBe("Backspace");
  });

  it("names the space bar Space, with or without modifiers", () => {
    expect(keyName(ev({ key: " " }))).toBe("Space");
    expect(keyName(ev({ key: " ", ctrlKey: true }))).toBe("Ctrl+Space");
  });

  it("prefixes Ctrl (Meta counts as Ctrl) and Alt, upper-casing letters under Ctrl", () => {
    expect(keyName(ev({ key: "z", ctrlKey: true }))).toBe("Ctrl+Z");
    expect(keyName(ev({ key: "z", metaKey: true }))).toBe("Ctrl+Z");
    expect(keyName(ev({ key: "x", altKey: true }))).toBe("Alt+x");
    expect(keyName(ev({ key: "Delete", ctrlKey: true, altKey: true }))).toBe("Ctrl+Alt+Delete");
    expect(keyName(ev({ key: "z", ctrlKey: true, metaKey: true }))).toBe("Ctrl+Z");
  });

  it("folds Shift into the key", () => {
    expect(keyName(ev({ key: "?", shiftKey: true }))).toBe("?");
    expect(keyName(ev({ key: "A", shiftKey: true }))).toBe("A");
    expect(keyName(ev({ key: "ArrowRight", shiftKey: true }))).toBe("ArrowRight");
  });
});

describe("keyLabel", () => {
  it("prettifies arrows and keeps the rest", () => {
    expect(keyLabel("ArrowLeft")).toBe("←");
    expect(keyLabel("ArrowRight")).toBe("→");
    expect(keyLabel("ArrowUp")).toBe("↑");
    expect(keyLabel("ArrowDown")).toBe("↓");
    expect(keyLabel("Ctrl+Z")).toBe("Ctrl+Z");
    expect(keyLabel("Space")).toBe("Space");
    expect(keyLabel("Alt+ArrowLeft")).toBe("Alt+←");
  });
});

describe("Keymap", () => {
  let cleanup: Array<() => void> = [];
  afterEach(() => {
    cleanup.forEach((f) => f());
    cleanup = [];
    document.body.replaceChildren();
  });

  /** document > outer (an ancestor, e.g. JupyterLab's notebook panel) > root (the widget) */
  function setup() {
    const outer = document.createElement("div");
    const root = document.createElement("div");
    outer.append(root);
    document.body.append(outer);
    const keymap = new Keymap(root);
    const seenByAncestor: string[] = [];
    const seenByDocument: string[] = [];
    const onOuter = (e: Event) => seenByAncestor.push((e as KeyboardEvent).key);
    const onDoc = (e: Event) => seenByDocument.push((e as KeyboardEvent).key);
    outer.addEventListener("keydown", onOuter);
    document.addEventListener("keydown", onDoc);
    cleanup.push(() => document.removeEventListener("keydown", onDoc));
    return { outer, root, keymap, seenByAncestor, seenByDocument };
  }

  it("makes the root focusable and does not tell Lumino to skip the host's shortcuts", () => {
    const { root } = setup();
    expect(root.tabIndex).toBe(0);
    expect(root.getAttribute("tabindex")).toBe("0");
    expect(root.hasAttribute("data-lm-suppress-shortcuts")).toBe(false);
  });

  it("hides a widget's key (not a host key) from a host reading keys in the capture phase (Notebook 7), for that event only", async () => {
    const { root, keymap } = setup();
    keymap.add({ keys: ["ArrowDown"], description: "down", run: vi.fn() });
    const button = document.createElement("button");
    root.append(button);
    const marked: Array<[string, boolean]> = []; // what Lumino's document capture listener would see
    const onCapture = (e: Event) => marked.push([(e as KeyboardEvent).key, (e.target as HTMLElement).hasAttribute("data-lm-suppress-shortcuts")]);
    document.addEventListener("keydown", onCapture, true);
    cleanup.push(() => document.removeEventListener("keydown", onCapture, true));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0)); // each real key press is its own task
    const press = async (el: HTMLElement, init: KeyboardEventInit) => { el.dispatchEvent(ev(init)); await tick(); };
    await press(root, { key: "ArrowDown" });
    await press(root, { key: "d" }); // unbound: still never the host's
    await press(button, { key: "ArrowDown" }); // a focused button of the widget
    await press(root, { key: "Shift", shiftKey: true }); // a lone modifier: the start of a host key
    await press(root, { key: "Enter", shiftKey: true }); // the host's: it runs the cell
    const outside = document.createElement("div");
    document.body.append(outside);
    await press(outside, { key: "ArrowDown" }); // not a widget's
    expect(marked).toEqual([["ArrowDown", true], ["d", true], ["ArrowDown", true], ["Shift", false], ["Enter", false], ["ArrowDown", false]]);
    expect(root.hasAttribute("data-lm-suppress-shortcuts")).toBe(false);
    expect(button.hasAttribute("data-lm-suppress-shortcuts")).toBe(false);
  });

  it("never takes the host's keys (run, save, palette), even where a binding names them", () => {
    const { root, keymap, seenByDocument } = setup();
    const enter = vi.fn();
    const save = vi.fn();
    keymap.add({ keys: ["Enter"], description: "accept", run: enter }, { keys: ["Ctrl+S"], description: "s", run: save });
    const events = [
      ev({ key: "Enter", shiftKey: true }), ev({ key: "Enter", ctrlKey: true }), ev({ key: "Enter", metaKey: true }),
      ev({ key: "Enter", altKey: true }), ev({ key: "s", ctrlKey: true }), ev({ key: "S", ctrlKey: true, shiftKey: true }),
      ev({ key: "C", ctrlKey: true, shiftKey: true }),
    ];
    for (const e of events) root.dispatchEvent(e);
    expect(enter).not.toHaveBeenCalled();
    expect(save).not.toHaveBeenCalled();
    expect(events.every((e) => !e.defaultPrevented)).toBe(true);
    expect(seenByDocument).toEqual(["Enter", "Enter", "Enter", "Enter", "s", "S", "C"]);
    root.dispatchEvent(ev({ key: "Enter" })); // plain Enter is still the widget's
    expect(enter).toHaveBeenCalledTimes(1);
  });

  it("releases the focus to the enclosing notebook on an Escape no binding wants", () => {
    const { outer, root, keymap, seenByDocument } = setup();
    outer.className = "jp-Notebook";
    outer.tabIndex = 0;
    let helpOpen = true;
    const close = vi.fn(() => { helpOpen = false; });
    keymap.add({ keys: ["Escape"], description: "close help", run: close, when: () => helpOpen });
    root.focus();
    root.dispatchEvent(ev({ key: "Escape" })); // first Escape: the widget's (closes the help)
    expect(close).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(root);
    expect(seenByDocument).toEqual([]);
    root.dispatchEvent(ev({ key: "Escape" })); // second: leaves the widget, and reaches the host
    expect(close).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(outer);
    expect(seenByDocument).toEqual(["Escape"]);
  });

  it("runs a bound key, prevents its default and stops it before any ancestor or the document", () => {
    const { root, keymap, seenByAncestor, seenByDocument } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["1"], description: "one", run });
    const e = ev({ key: "1" });
    root.dispatchEvent(e);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toBe(e);
    expect(e.defaultPrevented).toBe(true);
    expect(seenByAncestor).toEqual([]);
    expect(seenByDocument).toEqual([]);
  });

  it("handles keys from descendants of the root (e.g. a focused button) the same way", () => {
    const { root, keymap, seenByAncestor } = setup();
    const button = document.createElement("button");
    root.append(button);
    const run = vi.fn();
    keymap.add({ keys: ["Space"], description: "skip", run });
    const e = ev({ key: " " });
    button.dispatchEvent(e);
    expect(run).toHaveBeenCalledTimes(1);
    expect(e.defaultPrevented).toBe(true);
    expect(seenByAncestor).toEqual([]);
  });

  it("keeps unbound keys from the host (JupyterLab's d d, m, a) without preventing their default", () => {
    const { root, keymap, seenByAncestor, seenByDocument } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["1"], description: "one", run });
    const events = ["x", "d", "m", "Tab"].map((key) => ev({ key }));
    for (const e of events) root.dispatchEvent(e);
    expect(run).not.toHaveBeenCalled();
    expect(events.every((e) => !e.defaultPrevented)).toBe(true);
    expect(seenByAncestor).toEqual([]);
    expect(seenByDocument).toEqual([]);
  });

  it("matches modifiers exactly: Ctrl+Z is not z, and Ctrl+1 is not 1", () => {
    const { root, keymap } = setup();
    const undo = vi.fn();
    const one = vi.fn();
    keymap.add({ keys: ["Ctrl+Z"], description: "undo", run: undo }, { keys: ["1"], description: "one", run: one });
    root.dispatchEvent(ev({ key: "z" }));
    expect(undo).not.toHaveBeenCalled();
    root.dispatchEvent(ev({ key: "z", ctrlKey: true }));
    root.dispatchEvent(ev({ key: "z", metaKey: true }));
    expect(undo).toHaveBeenCalledTimes(2);
    const e = ev({ key: "1", ctrlKey: true });
    root.dispatchEvent(e);
    expect(one).not.toHaveBeenCalled();
    expect(e.defaultPrevented).toBe(false);
  });

  it("a binding with several keys runs for each", () => {
    const { root, keymap } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["Backspace", "Ctrl+Z"], description: "undo", run });
    root.dispatchEvent(ev({ key: "Backspace" }));
    root.dispatchEvent(ev({ key: "z", ctrlKey: true }));
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("gates bindings with `when`: a gated key is not handled and not stopped", () => {
    const { root, keymap, seenByAncestor } = setup();
    let enabled = false;
    const run = vi.fn();
    keymap.add({ keys: ["Escape"], description: "close", run, when: () => enabled });
    const e1 = ev({ key: "Escape" });
    root.dispatchEvent(e1);
    expect(run).not.toHaveBeenCalled();
    expect(e1.defaultPrevented).toBe(false);
    expect(seenByAncestor).toEqual(["Escape"]);
    enabled = true;
    const e2 = ev({ key: "Escape" });
    root.dispatchEvent(e2);
    expect(run).toHaveBeenCalledTimes(1);
    expect(e2.defaultPrevented).toBe(true);
    expect(seenByAncestor).toEqual(["Escape"]);
  });

  it("falls through to the next binding for the same key when the first is gated off", () => {
    const { root, keymap } = setup();
    const first = vi.fn();
    const second = vi.fn();
    keymap.add(
      { keys: ["Enter"], description: "first", run: first, when: () => false },
      { keys: ["Enter"], description: "second", run: second },
    );
    root.dispatchEvent(ev({ key: "Enter" }));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });

  it("ignores keys typed into inputs, textareas and selects inside the widget", () => {
    const { root, keymap, seenByAncestor } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["1", "Space", "Backspace"], description: "x", run });
    for (const tag of ["input", "textarea", "select"] as const) {
      const field = document.createElement(tag);
      root.append(field);
      for (const key of ["1", " ", "Backspace"]) {
        const e = ev({ key });
        field.dispatchEvent(e);
        expect(e.defaultPrevented).toBe(false);
      }
    }
    expect(run).not.toHaveBeenCalled();
    expect(seenByAncestor).toEqual(["1", " ", "Backspace", "1", " ", "Backspace", "1", " ", "Backspace"]);
  });

  it("ignores keys during IME composition", () => {
    const { root, keymap } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["Enter"], description: "x", run });
    const e = ev({ key: "Enter", isComposing: true });
    root.dispatchEvent(e);
    expect(run).not.toHaveBeenCalled();
    expect(e.defaultPrevented).toBe(false);
  });

  it("handle() reports whether a binding ran", () => {
    const { root, keymap } = setup();
    keymap.add({ keys: ["a"], description: "a", run: () => {} });
    const hit = ev({ key: "a" });
    Object.defineProperty(hit, "target", { value: root });
    expect(keymap.handle(hit)).toBe(true);
    expect(keymap.handle(ev({ key: "b" }))).toBe(false);
  });

  it("list() returns the bindings in the order they were added", () => {
    const { keymap } = setup();
    const a = { keys: ["a"], description: "A", run: () => {} };
    const b = { keys: ["b"], description: "B", run: () => {} };
    keymap.add(a).add(b);
    expect(keymap.list()).toEqual([a, b]);
  });

  it("dispose() removes the listener and the bindings", () => {
    const { root, keymap, seenByAncestor } = setup();
    const run = vi.fn();
    keymap.add({ keys: ["1"], description: "one", run });
    keymap.dispose();
    const e = ev({ key: "1" });
    root.dispatchEvent(e);
    expect(run).not.toHaveBeenCalled();
    expect(e.defaultPrevented).toBe(false);
    expect(seenByAncestor).toEqual(["1"]);
    expect(keymap.list()).toEqual([]);
  });

  it("Shift+Enter makes the next notebook cell the focus target, so the host runs that cell", () => {
    const nb = document.createElement("div");
    nb.className = "jp-Notebook";
    const cells = [0, 1, 2].map(() => { const c = document.createElement("div"); c.className = "jp-Cell"; nb.append(c); return c; });
    const root = document.createElement("div");
    cells[1].append(root);
    document.body.append(nb);
    new Keymap(root);
    const focusins: Element[] = [];
    nb.addEventListener("focusin", (e) => focusins.push(e.target as Element));
    const seen: string[] = [];
    const onDoc = (e: Event) => seen.push((e as KeyboardEvent).key);
    document.addEventListener("keydown", onDoc);
    cleanup.push(() => document.removeEventListener("keydown", onDoc));
    root.dispatchEvent(ev({ key: "Enter", shiftKey: true }));
    expect(focusins).toEqual([cells[2]]);
    expect(seen).toEqual(["Enter"]); // and the host still gets the key
    const last = document.createElement("div");
    cells[2].append(last);
    new Keymap(last);
    last.dispatchEvent(ev({ key: "Enter", shiftKey: true })); // the last cell: nothing to move to
    expect(focusins).toEqual([cells[2]]);
  });

  describe("a key scope (widgets shown as one tool)", () => {
    /** scope > [a's root, b's root], each with its keymap; `outside` is a keymap beside the scope */
    function scoped() {
      const scope = document.createElement("div");
      scope.className = KEY_SCOPE_CLASS;
      const a = document.createElement("div");
      const b = document.createElement("div");
      const wrapB = document.createElement("div"); // roots sit in the host's own containers
      wrapB.append(b);
      scope.append(a, wrapB);
      const outside = document.createElement("div");
      document.body.append(scope, outside);
      const seen: string[] = [];
      const onDoc = (e: Event) => seen.push((e as KeyboardEvent).key);
      document.addEventListener("keydown", onDoc);
      cleanup.push(() => document.removeEventListener("keydown", onDoc));
      return { a, b, outside, ka: new Keymap(a), kb: new Keymap(b), ko: new Keymap(outside), seen };
    }

    it("a key the focused widget does not bind runs the binding of another widget of its scope", () => {
      const { a, b, ka, kb, seen } = scoped();
      const retrain = vi.fn();
      const label = vi.fn();
      ka.add({ keys: ["1"], description: "label", run: label });
      kb.add({ keys: ["r"], description: "retrain", run: retrain });
      const e = ev({ key: "r" });
      a.dispatchEvent(e); // the focus is in a (the labelling part); r is b's
      expect(retrain).toHaveBeenCalledTimes(1);
      expect(retrain.mock.calls[0][0]).toBe(e);
      expect(e.defaultPrevented).toBe(true);
      b.dispatchEvent(ev({ key: "1" })); // and the other way round
      expect(label).toHaveBeenCalledTimes(1);
      expect(seen).toEqual([]);
      expect(ka.scoped()).toBe(true);
    });

    it("the focused widget's own binding wins; a key no widget of the scope binds still stops", () => {
      const { a, ka, kb, seen } = scoped();
      const mine = vi.fn();
      const theirs = vi.fn();
      ka.add({ keys: ["?"], description: "help", run: mine });
      kb.add({ keys: ["?"], description: "other help", run: theirs });
      a.dispatchEvent(ev({ key: "?" }));
      expect(mine).toHaveBeenCalledTimes(1);
      expect(theirs).not.toHaveBeenCalled();
      const stray = ev({ key: "d" });
      a.dispatchEvent(stray);
      expect(stray.defaultPrevented).toBe(false);
      expect(seen).toEqual([]);
    });

    it("gated bindings of the scope count only while their `when` holds", () => {
      const { a, kb } = scoped();
      let open = false;
      const close = vi.fn();
      kb.add({ keys: ["Escape"], description: "close", run: close, when: () => open });
      a.dispatchEvent(ev({ key: "Escape" }));
      expect(close).not.toHaveBeenCalled();
      open = true;
      a.dispatchEvent(ev({ key: "Escape" }));
      expect(close).toHaveBeenCalledTimes(1);
    });

    it("active() lists the scope's bindings after the keymap's own, without keys it takes itself", () => {
      const { ka, kb, ko } = scoped();
      ka.add({ keys: ["1"], description: "label", run: () => {} }, { keys: ["?"], description: "help", run: () => {} });
      kb.add({ keys: ["r"], description: "retrain", run: () => {} }, { keys: ["?"], description: "b's help", run: () => {} });
      expect(ka.active().map((b) => b.description)).toEqual(["label", "help", "retrain"]);
      expect(ko.active()).toEqual([]);
      expect(ko.scoped()).toBe(false);
    });

    it("keymaps outside the scope share nothing; a disposed keymap leaves its scope", () => {
      const { a, outside, kb, ko } = scoped();
      const retrain = vi.fn();
      const other = vi.fn();
      kb.add({ keys: ["r"], description: "retrain", run: retrain });
      ko.add({ keys: ["x"], description: "x", run: other });
      outside.dispatchEvent(ev({ key: "r" }));
      a.dispatchEvent(ev({ key: "x" }));
      expect(retrain).not.toHaveBeenCalled();
      expect(other).not.toHaveBeenCalled();
      kb.dispose();
      a.dispatchEvent(ev({ key: "r" }));
      expect(retrain).not.toHaveBeenCalled();
    });
  });
});

describe("textBoxKeys", () => {
  function box() {
    const outer = document.createElement("div");
    const input = document.createElement("input");
    outer.append(input);
    document.body.append(outer);
    const heard: string[] = [];
    outer.addEventListener("keydown", (e) => heard.push(keyName(e)));
    const enter = vi.fn();
    const escape = vi.fn();
    textBoxKeys(input, { enter, escape });
    const press = (init: KeyboardEventInit) => {
      const e = ev(init);
      input.dispatchEvent(e);
      return e;
    };
    return { heard, enter, escape, press };
  }

  it("lets the host's keys through untouched", () => {
    const { heard, enter, press } = box();
    for (const init of [{ key: "Enter", shiftKey: true }, { key: "Enter", ctrlKey: true }, { key: "s", ctrlKey: true }, { key: "s", metaKey: true }]) {
      expect(press(init).defaultPrevented).toBe(false);
    }
    expect(heard).toEqual(["Enter", "Ctrl+Enter", "Ctrl+S", "Ctrl+S"]);
    expect(enter).not.toHaveBeenCalled();
  });

  it("runs enter and escape, and keeps them and the typing in the box", () => {
    const { heard, enter, escape, press } = box();
    expect(press({ key: "Enter" }).defaultPrevented).toBe(true);
    expect(press({ key: "Escape" }).defaultPrevented).toBe(true);
    press({ key: "a" });
    press({ key: "Enter", isComposing: true }); // an IME's Enter picks a word: not a save
    expect([enter.mock.calls.length, escape.mock.calls.length]).toEqual([1, 1]);
    expect(heard).toEqual([]);
  });
});

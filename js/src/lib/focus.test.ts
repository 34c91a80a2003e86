import { afterEach, describe, expect, it } from "vitest";
import { mayTakeFocus, outputMates, refocusAfterMouse } from "./focus";

/** A notebook of `n` cells, each with a widget root; cell `active` carries jp-mod-active. */
function notebook(n: number, active: number): HTMLElement[] {
  const nb = document.createElement("div");
  nb.className = "jp-Notebook";
  const roots: HTMLElement[] = [];
  for (let i = 0; i < n; i++) {
    const cell = document.createElement("div");
    cell.className = i === active ? "jp-Cell jp-mod-active" : "jp-Cell";
    const root = document.createElement("div");
    root.className = "hitl-root";
    root.tabIndex = 0;
    cell.append(root);
    nb.append(cell);
    roots.push(root);
  }
  document.body.append(nb);
  return roots;
}

describe("mayTakeFocus", () => {
  afterEach(() => document.body.replaceChildren());

  it("in a notebook: only the widget of the active cell or of the cell just before it", () => {
    const roots = notebook(5, 3);
    expect(roots.map((r) => mayTakeFocus(r))).toEqual([false, false, true, true, false]);
  });

  it("never takes the focus from another widget that has it", () => {
    const roots = notebook(3, 2);
    roots[0].focus();
    expect(mayTakeFocus(roots[1])).toBe(false); // the cell before the active one, but widget 0 has the focus
    roots[0].blur();
    expect(mayTakeFocus(roots[1])).toBe(true);
  });

  it("outside a notebook: the first widget of a burst only", () => {
    const a = document.createElement("div");
    const b = document.createElement("div");
    const c = document.createElement("div");
    document.body.append(a, b, c);
    expect(mayTakeFocus(a, 10_000)).toBe(true);
    expect(mayTakeFocus(b, 10_500)).toBe(false);
    expect(mayTakeFocus(c, 20_000)).toBe(true);
  });
});

describe("refocusAfterMouse", () => {
  afterEach(() => document.body.replaceChildren());

  function widget() {
    const root = document.createElement("div");
    root.tabIndex = 0;
    const button = document.createElement("button");
    const label = document.createElement("span");
    button.append(label);
    const input = document.createElement("input");
    root.append(button, input);
    document.body.append(root);
    return { root, button, label, input, off: refocusAfterMouse(root) };
  }

  it("a mouse click on a button (on its label too) leaves the focus on the root, not the button", () => {
    const { root, button, label } = widget();
    button.focus(); // what the browser does on the mouse press
    label.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(document.activeElement).toBe(root);
  });

  it("inside a shadow root (marimo) too: the click leaves the focus on the root", () => {
    const host = document.createElement("div");
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "open" });
    const root = document.createElement("div");
    root.tabIndex = 0;
    const button = document.createElement("button");
    root.append(button);
    shadow.append(root);
    refocusAfterMouse(root);
    button.focus();
    button.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(shadow.activeElement).toBe(root);
  });

  it("a slider let go gives the focus back to the root (it would take the arrow keys)", () => {
    const { root, input } = widget();
    input.type = "range";
    input.focus();
    input.dispatchEvent(new PointerEvent("pointerup", { bubbles: true }));
    expect(document.activeElement).toBe(root);
  });

  it("also when the click's handler rebuilt the buttons (the clicked one is gone, the focus with it)", () => {
    const { root, button } = widget();
    button.addEventListener("click", () => button.remove()); // e.g. a repaint of the reason bar
    button.focus();
    button.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(document.activeElement).toBe(root);
  });

  it("a keyboard activation (detail 0) keeps the focus on the button", () => {
    const { button } = widget();
    button.focus();
    button.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 0 }));
    expect(document.activeElement).toBe(button);
  });

  it("leaves inputs alone, and stops once removed", () => {
    const { button, input, off } = widget();
    input.focus();
    input.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(document.activeElement).toBe(input);
    off();
    button.focus();
    button.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(document.activeElement).toBe(button);
  });
});

describe("outputMates", () => {
  afterEach(() => document.body.replaceChildren());

  /** marimo's vstack of two widgets, each in its own shadow root */
  function shadowed(className: string, parent: HTMLElement): HTMLElement {
    const host = document.createElement("marimo-anywidget");
    parent.append(host);
    const el = document.createElement("div");
    el.className = className;
    host.attachShadow({ mode: "open" }).append(el);
    return el;
  }

  it("finds a widget shown beside this one across shadow roots (marimo)", () => {
    const stack = document.createElement("div");
    document.body.append(stack);
    const view = shadowed("hitl-root hitl-agreement", stack);
    const classify = shadowed("hitl-root hitl-classify", stack);
    expect(outputMates(view, ".hitl-classify")).toEqual([classify]);
  });

  it("stays inside JupyterLab's output area", () => {
    const [a, b] = ["jp-OutputArea-output", "jp-OutputArea-output"].map((c) => {
      const out = document.createElement("div");
      out.className = c;
      document.body.append(out);
      return out;
    });
    const view = document.createElement("div");
    const mine = document.createElement("div");
    mine.className = "hitl-classify";
    a.append(view, mine);
    const other = document.createElement("div");
    other.className = "hitl-classify";
    b.append(other);
    expect(outputMates(view, ".hitl-classify")).toEqual([mine]);
  });
});

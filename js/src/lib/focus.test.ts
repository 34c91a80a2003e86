import { afterEach, describe, expect, it } from "vitest";
import { mayTakeFocus } from "./focus";

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

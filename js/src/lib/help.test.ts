import { describe, expect, it } from "vitest";
import { HelpOverlay, helpButton, helpRows } from "./help";
import { Keymap } from "./keyboard";

function setup() {
  const root = document.createElement("div");
  const keymap = new Keymap(root);
  keymap.add(
    { keys: ["1"], description: "class 1", run: () => {} },
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last change", run: () => {} },
    { keys: ["ArrowLeft"], description: "previous item", run: () => {} },
    { keys: ["Escape"], description: "close this help", run: () => {}, when: () => false },
  );
  const help = new HelpOverlay(keymap, "Shortcuts");
  root.append(help.node);
  return { root, keymap, help };
}

const rows = (help: HelpOverlay) =>
  [...help.node.querySelectorAll("tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent));

describe("HelpOverlay", () => {
  it("starts hidden, as a labelled dialog", () => {
    const { help } = setup();
    expect(help.node.hidden).toBe(true);
    expect(help.open).toBe(false);
    expect(help.node.getAttribute("role")).toBe("dialog");
    expect(help.node.getAttribute("aria-label")).toBe("Shortcuts");
    expect(help.node.querySelector(".hitl-help-title")?.textContent).toBe("Shortcuts");
  });

  it("lists the bindings that apply now (not gated-off ones) with pretty keys and their description", () => {
    const { help } = setup();
    help.toggle();
    expect(help.open).toBe(true);
    expect(help.node.hidden).toBe(false);
    expect(rows(help)).toEqual([
      ["1", "class 1"],
      ["Backspace / Ctrl+Z", "undo the last change"],
      ["←", "previous item"],
      ["Escape", "leave the widget (back to the notebook)"], // the Keymap's own Escape, listed though unbound
    ]);
    const kbds = [...help.node.querySelectorAll("tr")][1].querySelectorAll("kbd");
    expect([...kbds].map((k) => k.textContent)).toEqual(["Backspace", "Ctrl+Z"]); // each key its own <kbd>
    expect(help.node.querySelector(".hitl-help-title")?.textContent).toBe("Shortcuts");
    expect(help.node.querySelector(".hitl-help-hint")?.textContent).toMatch(/Esc/);
  });

  it("toggle() flips, toggle(force) sets", () => {
    const { help } = setup();
    help.toggle();
    help.toggle();
    expect(help.open).toBe(false);
    help.toggle(false);
    expect(help.open).toBe(false);
    help.toggle(true);
    help.toggle(true);
    expect(help.open).toBe(true);
    expect(help.node.querySelectorAll("table").length).toBe(1); // refilled, not appended twice
    expect(help.node.querySelectorAll(".hitl-help-title").length).toBe(1);
  });

  it("is rebuilt from the keymap each time it opens, so it cannot go stale", () => {
    const { help, keymap } = setup();
    help.toggle(true);
    help.toggle(false);
    keymap.add({ keys: ["?"], description: "show / hide these shortcuts", run: () => {} });
    help.toggle(true);
    expect(rows(help).length).toBe(5);
    expect(rows(help)[3]).toEqual(["?", "show / hide these shortcuts"]);
  });

  it("shows descriptions as literal text", () => {
    const root = document.createElement("div");
    const keymap = new Keymap(root);
    keymap.add({ keys: ["x"], description: `<img src=x onerror="window.__hitlPwned = 1">`, run: () => {} });
    const help = new HelpOverlay(keymap);
    help.toggle(true);
    expect(help.node.querySelector("img")).toBeNull();
    expect(rows(help)[0]).toEqual(["x", `<img src=x onerror="window.__hitlPwned = 1">`]);
    expect(help.node.getAttribute("aria-label")).toBe("Keyboard shortcuts");
  });
});

describe("helpRows", () => {
  const run = () => {};
  it("lists Escape once: its bindings' meanings in the order tried, then leaving the widget", () => {
    const rows = helpRows([
      { keys: ["Escape"], description: "close this help", run },
      { keys: ["Delete", "Backspace"], description: "delete", run },
      { keys: ["Escape"], description: () => "clear the selection", run },
    ]);
    expect(rows).toEqual([
      { keys: ["Escape"], description: "close this help; else: clear the selection; else: leave the widget (back to the notebook)" },
      { keys: ["Delete", "Backspace"], description: "delete" },
    ]);
  });
  it("does not say 'leave the widget' twice when a description already does", () => {
    const rows = helpRows([{ keys: ["Escape"], description: "cancel a reject (else: leave the widget)", run }]);
    expect(rows).toEqual([{ keys: ["Escape"], description: "cancel a reject (else: leave the widget)" }]);
  });
  it("keeps bindings of different key lists apart", () => {
    const rows = helpRows([
      { keys: ["a", "A"], description: "accept all", run },
      { keys: ["a"], description: "other", run },
    ]);
    expect(rows.map((r) => r.description)).toEqual(["accept all", "other", "leave the widget (back to the notebook)"]);
  });
});

describe("helpButton", () => {
  it('is a "?" button named "keyboard shortcuts" for screen readers and as a tooltip', () => {
    const b = helpButton();
    expect(b.tagName).toBe("BUTTON");
    expect(b.textContent).toBe("?");
    expect(b.getAttribute("aria-label")).toBe("keyboard shortcuts");
    expect(b.title).toBe("keyboard shortcuts");
  });
});

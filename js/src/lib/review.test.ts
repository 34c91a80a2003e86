import { describe, expect, it, vi } from "vitest";
import { IntentChannel } from "./channel";
import { HelpOverlay } from "./help";
import { Keymap } from "./keyboard";
import { StatusLine } from "./status";
import {
  focusOnClick, headerRow, helpKeys, kernelMessages, listen, navButtons, navRow, showProgress, showSaved, startView, wireNav,
} from "./review";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

const statusText = (s: StatusLine) => (s.node.querySelector(".hitl-status-message") as HTMLElement).textContent;

describe("headerRow", () => {
  it("puts title, spacer, position and progress in one row", () => {
    const { header, title, position, progress } = headerRow();
    expect([...header.children]).toEqual([title, header.children[1], position, progress]);
    expect(header.children[1].className).toBe("hitl-spacer");
  });
});

describe("listen", () => {
  it("registers every handler and removes them all", () => {
    const model = createFakeModel({ a: 1, b: 2 });
    const seen: string[] = [];
    const stop = listen(model, { "change:a": () => seen.push("a"), "change:a change:b": () => seen.push("ab") });
    model.kernelSet("a", 5);
    model.kernelSet("b", 6);
    expect(seen).toEqual(["a", "ab", "ab"]);
    stop();
    expect(model.totalListeners()).toBe(0);
    model.kernelSet("a", 7);
    expect(seen).toHaveLength(3);
  });

  it("gives each event name its own model.on (marimo's model does not split \"change:a change:b\")", () => {
    const on: string[] = [];
    const off: string[] = [];
    const model = { on: (name: string) => on.push(name), off: (name: string) => off.push(name) };
    const stop = listen(model as unknown as Parameters<typeof listen>[0], { "change:a  change:b": () => {}, "msg:custom": () => {} });
    expect(on).toEqual(["change:a", "change:b", "msg:custom"]);
    stop();
    expect(off).toEqual(["change:a", "change:b", "msg:custom"]);
  });
});

describe("kernelMessages", () => {
  it("routes items, refusals, invalidate and other messages; intent replies go to the channel", () => {
    const model = createFakeModel({});
    const channel = new IntentChannel(model);
    const status = new StatusLine();
    const items = vi.fn();
    const invalidate = vi.fn();
    const other = vi.fn();
    const on = kernelMessages(channel, status, { items, invalidate, other });
    const buffers = [new DataView(new ArrayBuffer(2))];
    on({ type: "items", items: [{ id: 1 }] }, buffers);
    expect(items).toHaveBeenCalledWith([{ id: 1 }], buffers);
    on({ type: "refused", message: "bad id" });
    expect(statusText(status)).toBe("refused: bad id");
    on({ type: "invalidate" });
    expect(invalidate).toHaveBeenCalledTimes(1);
    on({ type: "mask", item_id: 3 });
    expect(other).toHaveBeenCalledWith({ type: "mask", item_id: 3 }, []);
    on({ type: "ack", client: channel.client, seq: 99 }); // our (late) reply: the channel's, routed nowhere else
    expect(other).toHaveBeenCalledTimes(1);
    channel.dispose();
  });

  it("ignores what has no route", () => {
    const channel = new IntentChannel(createFakeModel({}));
    const on = kernelMessages(channel, new StatusLine(), {});
    expect(() => on({ type: "items", items: [] })).not.toThrow();
    expect(() => on({ type: "invalidate" })).not.toThrow();
    channel.dispose();
  });
});

describe("startView", () => {
  it("listens, paints once, and cleans up in order", () => {
    const model = createFakeModel({ version: "" });
    const root = document.createElement("div");
    const order: string[] = [];
    const paint = vi.fn();
    const stop = startView(model, root, new StatusLine(), {
      on: { "change:x": paint },
      paint,
      dispose: [() => order.push("fn"), { dispose: () => order.push("obj") }],
    });
    expect(paint).toHaveBeenCalledTimes(1);
    model.kernelSet("x", 1);
    expect(paint).toHaveBeenCalledTimes(2);
    stop();
    expect(model.totalListeners()).toBe(0);
    expect(order).toEqual(["fn", "obj"]);
  });
});

describe("helpKeys", () => {
  it("? toggles the overlay and Escape closes it only while open", () => {
    const root = document.createElement("div");
    const keymap = new Keymap(root);
    const help = new HelpOverlay(keymap);
    const [toggle, close] = helpKeys(help);
    expect(toggle.keys).toEqual(["?"]);
    expect(close.when!()).toBe(false);
    toggle.run(new KeyboardEvent("keydown"));
    expect(help.open).toBe(true);
    expect(close.when!()).toBe(true);
    close.run(new KeyboardEvent("keydown"));
    expect(help.open).toBe(false);
    keymap.dispose();
  });
});

describe("navButtons and wireNav", () => {
  it("builds prev / next / undo / ? / retry (hidden) with the given labels", () => {
    const b = navButtons("← query", "next query");
    expect([b.prev, b.next, b.undoButton, b.helpButton, b.retry].map((x) => x.textContent)).toEqual([
      "← query", "next query", "undo (⌫)", "?", "retry unsaved",
    ]);
    expect(b.retry.hidden).toBe(true);
    expect(b.retry.className).toBe("hitl-button hitl-retry");
    expect(navButtons("a", "b", "undo (Ctrl+Z)").undoButton.textContent).toBe("undo (Ctrl+Z)");
  });

  it("wires the buttons to step, undo, help and retry", () => {
    const model = createFakeModel({});
    const channel = new IntentChannel(model);
    const retryFailed = vi.spyOn(channel, "retryFailed");
    const root = document.createElement("div");
    const help = new HelpOverlay(new Keymap(root));
    const b = navButtons("prev", "next");
    root.append(b.prev, b.next, b.undoButton, b.helpButton, b.retry);
    const steps: number[] = [];
    const undo = vi.fn();
    wireNav(root, b, { step: (d) => steps.push(d), undo, help, channel });
    b.next.click();
    b.prev.click();
    b.next.click();
    expect(steps).toEqual([1, -1, 1]);
    b.undoButton.click();
    expect(undo).toHaveBeenCalledTimes(1);
    b.helpButton.click();
    expect(help.open).toBe(true);
    b.retry.click();
    expect(retryFailed).toHaveBeenCalledTimes(1);
    channel.dispose();
  });
});

describe("focusOnClick", () => {
  it("focuses the root on a press anywhere but a button or an input", () => {
    const root = document.createElement("div");
    root.tabIndex = 0;
    const text = document.createElement("span");
    const button = document.createElement("button");
    const inner = document.createElement("span"); // inside the button
    button.append(inner);
    const input = document.createElement("input");
    root.append(text, button, input);
    document.body.append(root);
    focusOnClick(root);
    const press = (target: HTMLElement) => target.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    for (const target of [inner, button, input]) {
      input.focus();
      press(target);
      expect(document.activeElement).toBe(input);
    }
    press(text);
    expect(document.activeElement).toBe(root);
    input.focus();
    press(root);
    expect(document.activeElement).toBe(root);
    root.remove();
  });
});

describe("showSaved", () => {
  it("shows the channel's counts and the retry button only while something failed", () => {
    const status = new StatusLine();
    const retry = document.createElement("button");
    const badge = () => (status.node.querySelector(".hitl-status-saved") as HTMLElement).textContent;
    showSaved(status, { pendingCount: 2, failedCount: 0 } as IntentChannel, retry);
    expect(badge()).toBe("2 unsaved");
    expect(retry.hidden).toBe(true);
    showSaved(status, { pendingCount: 2, failedCount: 1 } as IntentChannel, retry);
    expect(badge()).toBe("1 not saved");
    expect(retry.hidden).toBe(false);
    showSaved(status, { pendingCount: 0, failedCount: 0 } as IntentChannel, retry);
    expect(badge()).toBe("all saved");
    expect(retry.hidden).toBe(true);
  });
});

describe("showProgress", () => {
  function nodes() {
    const { position, progress } = headerRow();
    const retry = document.createElement("button");
    return { progress, position, status: new StatusLine(), nav: { retry } };
  }

  it("writes the done text, the position counting the noun, and the saved badge", () => {
    const n = nodes();
    const stepper = { total: 10, positionText: (noun = "item") => `${noun} 4 / 10` };
    const ledger = { done: (total: number) => Math.min(total, 3), pendingCount: 0, failedCount: 2 };
    showProgress(n, stepper, ledger, (done, total) => `linked ${done} of ${total}`, "image");
    expect(n.progress.textContent).toBe("linked 3 of 10");
    expect(n.position.textContent).toBe("image 4 / 10");
    expect(n.nav.retry.hidden).toBe(false); // something failed: retry shows
    showProgress(n, stepper, { ...ledger, failedCount: 0 }, (done, total) => `${done}/${total}`);
    expect(n.progress.textContent).toBe("3/10");
    expect(n.position.textContent).toBe("item 4 / 10"); // no noun: the stepper's default
    expect(n.nav.retry.hidden).toBe(true);
  });
});

describe("navRow", () => {
  it("puts a spacer, prev, next, undo, the extra buttons, retry and help in one nav row", () => {
    const nav = navButtons("← a", "b →");
    const redo = document.createElement("button");
    const row = navRow(nav, redo);
    expect(row.className).toBe("hitl-row hitl-nav");
    expect([...row.children].slice(1)).toEqual([nav.prev, nav.next, nav.undoButton, redo, nav.retry, nav.helpButton]);
    expect(row.children[0].className).toBe("hitl-spacer");
    expect(navRow(navButtons("p", "n")).children).toHaveLength(6);
  });
});

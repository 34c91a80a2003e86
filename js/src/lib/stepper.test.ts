import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ItemCache } from "./items";
import { listen } from "./review";
import {
  followPosition, kernelPosition, paintCurrent, PositionSync, receiveItems, Stepper, StepperParts, stepKeys, stepperListeners,
} from "./stepper";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";
import { fakeStepper } from "./fake_stepper";

/** A stepper over `order` whose hooks write what they see into `log`. */
function make(order: unknown[], position = 0, extra: Partial<StepperParts> = {}) {
  const model = createFakeModel({ order, position, n_done: 0 });
  const log: string[] = [];
  const stepper: Stepper = new Stepper(model, {
    behind: 2,
    ahead: 3,
    paint: () => log.push(`paint ${stepper.pos}`),
    paintProgress: () => log.push("progress"),
    leave: () => log.push(`leave ${String(stepper.current())}`),
    enter: () => log.push(`enter ${String(stepper.current())}`),
    restart: () => log.push(`restart ${stepper.pos}`),
    ...extra,
  });
  return { model, stepper, log };
}

const savedPositions = (model: { saved: Array<{ position: number }> }) => model.saved.map((s) => s.position);

describe("Stepper", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts at the model's position (never below 0)", () => {
    expect(make([1, 2, 3], 2).stepper.pos).toBe(2);
    expect(make([1, 2, 3], -4).stepper.pos).toBe(0);
    expect(make(["a", "b"], 1).stepper.current()).toBe("b");
  });

  it("steps: leave on the old item, enter on the new one, paint, then tell the kernel once stepping pauses", () => {
    const { model, stepper, log } = make(["a", "b", "c", "d"]);
    stepper.step(1);
    stepper.step(1);
    expect(log).toEqual(["leave a", "enter b", "paint 1", "leave b", "enter c", "paint 2"]);
    expect(model.saved).toEqual([]); // not one save per step
    vi.advanceTimersByTime(250);
    expect(savedPositions(model)).toEqual([2]);
    expect(model.get("position")).toBe(2);
  });

  it("clamps to 0..len(order); len(order) is the end screen, saved as the last item", () => {
    const { model, stepper } = make(["a", "b", "c"], 1);
    stepper.go(-5);
    expect(stepper.pos).toBe(0);
    expect(stepper.atEnd()).toBe(false);
    stepper.go(99);
    expect(stepper.pos).toBe(3);
    expect(stepper.atEnd()).toBe(true);
    expect(stepper.current()).toBeUndefined();
    stepper.step(1);
    expect(stepper.pos).toBe(3);
    vi.advanceTimersByTime(250);
    expect(savedPositions(model)).toEqual([2]);
  });

  it("seeks an item: always repaints by default, leaves a shown item alone when asked, and reports a missing one", () => {
    const { stepper, log } = make(["a", "b", "c"], 1);
    expect(stepper.seek("c")).toBe(true);
    expect(stepper.pos).toBe(2);
    log.length = 0;
    expect(stepper.seek("c")).toBe(true); // shown already: stepped to again
    expect(log).toEqual(["leave c", "enter c", "paint 2"]);
    log.length = 0;
    expect(stepper.seek("c", false)).toBe(true); // shown already: nothing happens
    expect(stepper.seek("zz")).toBe(false);
    expect(log).toEqual([]);
    expect(stepper.seek("a", false)).toBe(true);
    expect(stepper.pos).toBe(0);
  });

  it("restarts at a position of a new order: its own hook and a paint, no step and no save", () => {
    const { model, stepper, log } = make(["a", "b", "c"], 2);
    model.set("order_window", { version: 9, total: 2, start: 0, ids: ["x", "y"] });
    stepper.restart(1);
    expect(log).toEqual(["restart 1", "paint 1"]);
    expect(stepper.current()).toBe("y");
    vi.advanceTimersByTime(2000);
    expect(model.saved).toEqual([]);
  });

  it("repaints the view for the item shown, and only the progress for another", () => {
    const { stepper, log } = make(["a", "b"]);
    stepper.repaint("a");
    stepper.repaint("b");
    expect(log).toEqual(["paint 0", "progress"]);
  });

  it("names the position, or the end", () => {
    const { stepper } = make(["a", "b", "c"], 1);
    expect(stepper.positionText()).toBe("item 2 / 3");
    expect(stepper.positionText("query")).toBe("query 2 / 3");
    stepper.go(3);
    expect(stepper.positionText("image")).toBe("end");
  });

  it("names an item by its place in the order (never by its internal id, unless it is not there)", () => {
    const { stepper } = make([829, 17, "x1"], 0);
    expect(stepper.placeText(829)).toBe("item 1");
    expect(stepper.placeText("x1", "image")).toBe("image 3");
    expect(stepper.placeText(5)).toBe("item 5"); // not in the order: its id
    expect(stepper.placeText("gone")).toBe('item "gone"');
  });

  it("placeOf counts as the header does (1-based place in the order), not the internal id", () => {
    expect(make([829, 17, 4]).stepper.placeOf(17)).toBe("item 2");
    expect(make([[1, "a"], [2, "b"]]).stepper.placeOf([2, "b"] as unknown as number)).toBe("item 2");
    expect(make([829]).stepper.placeOf(5)).toBe("an item no longer in the queue");
  });

  it("placeOf names the unit the widget counts in (the video widgets: \"video 2\"), items by default", () => {
    expect(make([829, 17, 4]).stepper.placeOf(17, "video")).toBe("video 2");
    expect(make([829]).stepper.placeOf(5, "video")).toBe("a video no longer in the queue");
    expect(make([829, 17]).stepper.placeOf(829, "image")).toBe("image 1");
  });

  it("tells the status line which item it shows on every step and restart", () => {
    const told: unknown[] = [];
    const { stepper } = make(["a", "b"], 0, { status: { showing: (id: unknown) => told.push(id) } });
    stepper.step(1);
    stepper.step(1); // the end screen: none
    stepper.restart(0);
    expect(told).toEqual(["a", "b", undefined, "a"]);
  });

  it("keeps the window of `behind` items back and `ahead` forward (the current one included)", () => {
    const { stepper } = make([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0);
    expect(stepper.nearby()).toEqual([0, 1, 2]);
    stepper.go(5);
    expect(stepper.nearby()).toEqual([3, 4, 5, 6, 7]);
    stepper.go(9);
    expect(stepper.nearby()).toEqual([7, 8, 9]);
  });

  it("prefetches the window through the cache's read-ahead", () => {
    const { model, stepper } = make([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4);
    const cache = new ItemCache(model);
    stepper.prefetch(cache);
    expect(model.sentContents("fetch").map((c: { ids: number[] }) => c.ids)).toEqual([[2, 3, 4, 5, 6]]);
  });

  it("routes items into the cache (repainting when the shown one arrives) and empties it on invalidate", async () => {
    const { model, stepper, log } = make(["a", "b"], 1, { enter: undefined, leave: undefined });
    const cache = new ItemCache(model);
    const routes = stepper.itemRoutes(cache);
    routes.items!([{ id: "a", kind: "text", text: "A" }], []);
    await vi.runAllTimersAsync();
    expect(cache.has("a")).toBe(true);
    expect(log).toEqual([]); // not the item shown
    routes.items!([{ id: "b", kind: "text", text: "B" }], []);
    await vi.runAllTimersAsync();
    expect(log).toEqual(["paint 1"]);
    routes.invalidate!();
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(false);
    expect(log).toEqual(["paint 1", "paint 1"]);
    // with a hook: it runs once the cache is empty, before the paint
    const hooked = stepper.itemRoutes(cache, () => log.push(`invalidated ${cache.has("b")}`));
    routes.items!([{ id: "b", kind: "text", text: "B" }], []);
    await vi.runAllTimersAsync();
    log.length = 0;
    hooked.invalidate!();
    expect(log).toEqual(["invalidated false", "paint 1"]);
  });

  it("listens to the kernel: messages, its position, a new order (restart at its position), n_done", () => {
    const { model, stepper, log } = make(["a", "b", "c"], 0);
    const messages: unknown[] = [];
    const stop = listen(model, stepper.listeners((m: unknown) => messages.push(m)));
    model.kernelSend({ type: "x" });
    expect(messages).toEqual([{ type: "x" }]);
    model.kernelSet("position", 2);
    expect(stepper.pos).toBe(2);
    expect(log).toEqual(["leave a", "enter c", "paint 2"]);
    log.length = 0;
    model.kernelSet("order", ["x", "y", "z", "w"]); // the kernel's position (2) in the new order
    expect(log).toEqual(["restart 2", "paint 2"]);
    expect(stepper.current()).toBe("z");
    log.length = 0;
    model.kernelSet("n_done", 1);
    expect(log).toEqual(["progress"]);
    stop();
    expect(model.totalListeners()).toBe(0);
  });

  it("saves an unsaved position when disposed", () => {
    const { model, stepper } = make(["a", "b", "c"]);
    stepper.step(1);
    stepper.dispose();
    expect(savedPositions(model)).toEqual([1]);
  });
});

describe("stepKeys", () => {
  it("binds the next and previous keys to steps of +1 and -1", () => {
    const { stepper } = make(["a", "b", "c"], 1, { leave: undefined, enter: undefined });
    const [next, prev] = stepKeys(stepper, ["Enter", "]"], ["["], "query");
    expect(next.keys).toEqual(["Enter", "]"]);
    expect(next.description).toBe("next query");
    expect(prev.keys).toEqual(["["]);
    expect(prev.description).toBe("previous query");
    next.run(new KeyboardEvent("keydown"));
    expect(stepper.pos).toBe(2);
    prev.run(new KeyboardEvent("keydown"));
    prev.run(new KeyboardEvent("keydown"));
    expect(stepper.pos).toBe(0);
    expect(stepKeys(stepper, ["ArrowRight"], ["ArrowLeft"])[0].description).toBe("next item");
  });
});

describe("stepperListeners", () => {
  it("routes messages, restarts at the kernel's position on a new order, follows the kernel, repaints progress", () => {
    const model = createFakeModel({ order: [1, 2, 3], position: 0, n_done: 0 });
    let pos = 0;
    const seen: string[] = [];
    const stop = listen(model, stepperListeners(model, {
      onMessage: (m: unknown) => seen.push(`msg ${JSON.stringify(m)}`),
      shown: () => pos,
      go: (to) => { pos = to; seen.push(`go ${to}`); },
      restart: (at) => { pos = at; seen.push(`restart ${at}`); },
      paintProgress: () => seen.push("progress"),
    }));
    model.kernelSend({ type: "x" });
    model.kernelSet("position", 2);
    model.kernelSet("position", 2); // already shown: no move
    model.kernelSet("order", [7, 8]); // position 2 is now the end screen
    model.kernelSet("n_done", 1);
    expect(seen).toEqual(['msg {"type":"x"}', "go 2", "restart 2", "progress"]);
    stop();
    expect(model.totalListeners()).toBe(0);
  });
});

describe("position sync", () => {
  it("clamps the kernel's position to 0..len(order)", () => {
    expect(kernelPosition(createFakeModel({ position: 9, order: [1, 2, 3] }))).toBe(3);
    expect(kernelPosition(createFakeModel({ position: -2, order: [1, 2, 3] }))).toBe(0);
    expect(kernelPosition(createFakeModel({ position: 1, order: [1, 2, 3] }))).toBe(1);
  });

  it("goes to the kernel's position unless the view shows it (the end screen counts as the last item)", () => {
    const model = createFakeModel({ position: 0, order: [1, 2, 3] });
    let shown = 3;
    const go = vi.fn();
    const onPosition = followPosition(model, () => shown, go);
    model.set("position", 2);
    onPosition();
    expect(go).not.toHaveBeenCalled();
    shown = 0;
    onPosition();
    expect(go).toHaveBeenCalledWith(2);
  });
});

describe("PositionSync", () => {
  it("saves the newest position once stepping pauses, clamped to the last item, and skips a save that changes nothing", () => {
    vi.useFakeTimers();
    try {
      const model = createFakeModel({ position: 0, order: [1, 2, 3] });
      const sync = new PositionSync(model, 100, 1000);
      sync.set(1);
      sync.set(5); // the end screen: saved as the last item
      vi.advanceTimersByTime(99);
      expect(model.saved).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(model.saved.map((s: any) => s.position)).toEqual([2]);
      expect(model.saved[0]._position_order).toBe(model.get("order_window").version); // the kernel checks it
      sync.set(2); // already the kernel's: nothing to send
      vi.advanceTimersByTime(100);
      expect(model.saved.length).toBe(1);
      sync.set(0);
      sync.dispose(); // closing the view saves at once
      expect(model.saved.map((s: any) => s.position)).toEqual([2, 0]);
      vi.advanceTimersByTime(1000);
      expect(model.saved.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("drops a pending position when the kernel replaces the order (a new batch starts where the kernel says)", () => {
    vi.useFakeTimers();
    try {
      const model = createFakeModel({ position: 0, order: [1, 2, 3] });
      const sync = new PositionSync(model, 100, 1000);
      sync.set(2); // the end of a batch
      model.kernelSet("order", [7, 8, 9]); // the next batch, before the save left
      vi.advanceTimersByTime(100);
      expect(model.saved).toEqual([]);
      expect(model.get("position")).toBe(0);
      sync.set(1); // steps in the new order are saved as usual, with the order's version
      vi.advanceTimersByTime(100);
      expect(model.saved.map((s: any) => [s.position, s._position_order])).toEqual([[1, model.get("order_window").version]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("saves at least every `most` ms while steps keep coming", () => {
    vi.useFakeTimers();
    try {
      const model = createFakeModel({ position: 0, order: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
      const sync = new PositionSync(model, 100, 300);
      for (let pos = 1; pos <= 10; pos++) {
        sync.set(pos);
        vi.advanceTimersByTime(50); // never a 100 ms pause
      }
      // the step taken at 250 ms is saved at 300 ms; the steps after it wait for a pause
      expect(model.saved.map((s: any) => s.position)).toEqual([6]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("receiveItems", () => {
  it("caches the items with the nearby ids kept, and repaints only when the shown item arrived", async () => {
    const receive = vi.fn(() => Promise.resolve());
    const cache = { receive } as unknown as import("./items").ItemCache;
    const paint = vi.fn();
    let shown: number | undefined = 2;
    const route = receiveItems(cache, () => [1, 2, 3], () => shown, paint);
    route([{ id: 5, kind: "text" }], []);
    await Promise.resolve();
    await Promise.resolve();
    expect(receive).toHaveBeenCalledWith([{ id: 5, kind: "text" }], [], [1, 2, 3]);
    expect(paint).not.toHaveBeenCalled();
    route([{ id: 2, kind: "text" }], []);
    await Promise.resolve();
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
    shown = undefined;
    route([{ id: 2, kind: "text" }], []);
    await Promise.resolve();
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
  });
});

describe("receiveItems with compound ids", () => {
  it("matches the shown item by key, not by identity", async () => {
    const cache = { receive: vi.fn(() => Promise.resolve()) } as unknown as import("./items").ItemCache;
    const paint = vi.fn();
    const route = receiveItems(cache, () => [], () => [0, "a"] as unknown as number, paint);
    route([{ id: [0, "a"] as unknown as number, kind: "text" }], []);
    await Promise.resolve();
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
  });
});

describe("paintCurrent", () => {
  function setup(position: number) {
    const { model, paint, stepper, cache } = fakeStepper(position);
    const log: string[] = [];
    // the view draws only text items: an error item is "no such item"
    const paintNow = () => paintCurrent(stepper, cache, {
      item: () => {
        const info = cache.get(stepper.current()!);
        return info?.kind === "text" ? info.text : undefined;
      },
      end: () => log.push("end"),
      wait: (message) => log.push(`wait ${message}`),
      show: (id, text) => log.push(`show ${String(id)} ${text}`),
    });
    return { model, stepper, cache, paint, log, paintNow };
  }

  it("paints the end screen past the last item, asking for nothing", () => {
    const { model, log, paintNow } = setup(2);
    paintNow();
    expect(log).toEqual(["end"]);
    expect(model.sentContents("fetch")).toEqual([]);
  });

  it("says loading… and asks for the window until the item is here, then repaints and shows it", async () => {
    const { model, cache, paint, log, paintNow } = setup(0);
    paintNow();
    expect(log).toEqual(["wait loading…"]);
    expect(model.sentContents("fetch")[0].ids).toEqual(["a", "b"]);
    await cache.receive([{ id: "a", kind: "text", text: "hello" }], []);
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
    paintNow();
    expect(log).toEqual(["wait loading…", "show a hello"]);
  });

  it("says the error the cache holds for an item it cannot show", async () => {
    const { cache, log, paintNow } = setup(0);
    await cache.receive([{ id: "a", kind: "error", error: "broken file" }], []);
    paintNow();
    expect(log).toEqual(["wait broken file"]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ItemCache } from "./items";
import { CHUNK, OrderWindow } from "./order";
import { Stepper } from "./stepper";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

const N = 1_000_000;
/** The id at place p of the kernel's queue (not p itself, so a place is never mistaken for an id). */
const idAt = (p: number) => `img-${N - 1 - p}`;

interface Sent { type: string; start?: number; count?: number; find?: string }

/** A model as ReviewWidget syncs a queue of N ids: the window around `position` only. */
function bigModel(position = 0, version = 1) {
  const start = Math.max(0, position - 128);
  const ids = Array.from({ length: 512 }, (_, k) => idAt(start + k));
  return createFakeModel({ position, n_done: 0, order_window: { version, total: N, start, ids } });
}

/** Play ReviewWidget._on_order for every "order" read sent since the last call. */
function answer(model: ReturnType<typeof createFakeModel>, version = 1) {
  const asked = (model.sentContents("order") as Sent[]).splice(0);
  model.sent.length = 0;
  for (const m of asked) {
    if (m.find !== undefined) {
      const at = N - 1 - Number(m.find.slice(4));
      const start = at - (at % (m.count ?? CHUNK));
      const ids = Array.from({ length: Math.min(m.count ?? CHUNK, N - start) }, (_, k) => idAt(start + k));
      model.kernelSend({ type: "order", version, total: N, start, ids, find: m.find, position: at });
    } else {
      const start = m.start ?? 0;
      const ids = Array.from({ length: Math.max(0, Math.min(m.count ?? 0, N - start)) }, (_, k) => idAt(start + k));
      model.kernelSend({ type: "order", version, total: N, start, ids });
    }
  }
  return asked;
}

/** An OrderWindow on `model` that takes the kernel's "order" messages (as the Stepper routes them). */
function windowOn(model: ReturnType<typeof createFakeModel>, arrived?: () => void) {
  const order = new OrderWindow(model, arrived);
  model.on("msg:custom", (msg: Record<string, unknown>) => order.receive(msg));
  return order;
}

describe("OrderWindow", () => {
  it("holds the synced window and answers places and ids in it", () => {
    const model = bigModel(1000);
    const order = windowOn(model);
    expect(order.total).toBe(N);
    expect(order.get(1000)).toBe(idAt(1000));
    expect(order.get(872)).toBe(idAt(872));
    expect(order.get(871)).toBeUndefined();
    expect(order.get(N)).toBeUndefined();
    expect(order.indexOf(idAt(1200))).toBe(1200);
    expect(order.indexOf(idAt(5))).toBe(-1); // far away: not held
    expect(order.complete()).toBe(false);
    expect(order.slice(1380, 1500)).toEqual([idAt(1380), idAt(1381), idAt(1382), idAt(1383)]); // stops at the first not held
  });

  it("asks for whole chunks once, takes the kernel's answer, and drops one of another version", () => {
    const model = bigModel(0);
    const arrived = vi.fn();
    const order = windowOn(model, arrived);
    order.need(600, 700);
    order.need(650, 760); // the same chunks: not asked again while on their way
    expect(model.sentContents("order")).toEqual([{ type: "order", start: 512, count: CHUNK }]);
    answer(model);
    expect(arrived).toHaveBeenCalled();
    expect(order.get(700)).toBe(idAt(700));
    model.kernelSend({ type: "order", version: 0, total: N, start: 5000, ids: [idAt(5000)] });
    expect(order.get(5000)).toBeUndefined();
  });

  it("the last chunk is short, and nothing is asked past the end", () => {
    const model = bigModel(N - 1);
    const order = windowOn(model);
    expect(order.get(N - 1)).toBe(idAt(N - 1));
    order.need(N - 10, N + 1000);
    expect(model.sentContents("order")).toEqual([]); // held by the synced window
    order.need(N - 700, N);
    answer(model);
    expect(order.get(N - 700)).toBe(idAt(N - 700));
  });

  it("keeps a bounded number of chunks, the ones near the view", () => {
    const model = bigModel(0);
    const order = windowOn(model);
    for (let c = 2; c < 200; c += 1) {
      order.need(c * CHUNK, c * CHUNK + 1);
      answer(model);
    }
    expect(order.get(199 * CHUNK)).toBe(idAt(199 * CHUNK)); // near where the view asked last
    expect(order.get(2 * CHUNK)).toBeUndefined(); // far: dropped
    expect(order.get(0)).toBe(idAt(0)); // the synced window stays
  });

  it("finds an id far away through the kernel; an id of a short queue held whole is known at once", () => {
    const model = bigModel(0);
    const order = windowOn(model);
    const found = vi.fn();
    order.find(idAt(654_321), found);
    order.find(idAt(654_321), found); // asked once
    expect(model.sentContents("order")).toEqual([{ type: "order", find: idAt(654_321), count: CHUNK }]);
    answer(model);
    expect(found.mock.calls).toEqual([[654_321], [654_321]]);
    expect(order.get(654_321)).toBe(idAt(654_321));
    const small = new OrderWindow(createFakeModel({ order: ["a", "b"] }));
    const none = vi.fn();
    small.find("zz", none);
    expect(none).toHaveBeenCalledWith(-1);
  });
});

describe("Stepper over a queue of a million", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function make(position = 0) {
    const model = bigModel(position);
    const log: string[] = [];
    const stepper: Stepper = new Stepper(model, {
      behind: 2, ahead: 8, paint: () => log.push(`paint ${stepper.pos} ${String(stepper.current())}`), paintProgress: () => undefined,
    });
    const off = Object.entries(stepper.listeners(() => log.push("message"))).map(([ev, fn]) => {
      model.on(ev, fn);
      return () => model.off(ev, fn);
    });
    return { model, stepper, log, off };
  }

  it("pages across window boundaries without waiting: the chunk ahead is asked for before it is needed", () => {
    const { model, stepper, log } = make(0);
    const cache = new ItemCache(model);
    for (let k = 0; k < 1500; k += 1) {
      stepper.step(1);
      stepper.prefetch(cache);
      answer(model); // the kernel answers between key presses (one round trip, ~20 ms)
      expect(stepper.pos).toBe(k + 1); // never held back
      expect(stepper.current()).toBe(idAt(k + 1));
    }
    expect(log[log.length - 1]).toBe(`paint 1500 ${idAt(1500)}`);
    expect(stepper.positionText()).toBe(`item 1501 / ${N}`);
    vi.advanceTimersByTime(2000);
    expect(model.get("position")).toBe(1500);
  });

  it("prefetches the items around the position from the windows held", () => {
    const { model, stepper } = make(300);
    stepper.prefetch(new ItemCache(model));
    const fetched = model.sentContents("fetch").flatMap((m: { ids: string[] }) => m.ids);
    expect(fetched).toEqual([idAt(298), idAt(299), idAt(300), idAt(301), idAt(302), idAt(303), idAt(304), idAt(305), idAt(306), idAt(307)]);
    expect(stepper.nearby()).toEqual(fetched);
  });

  it("a jump to a place not held waits for its window, then paints and saves it", () => {
    const { model, stepper, log } = make(0);
    stepper.go(500_000);
    expect(stepper.pos).toBe(0);
    expect(log).toEqual([]);
    stepper.step(1); // a key press meanwhile counts from where the view is going
    answer(model);
    expect(stepper.pos).toBe(500_001);
    expect(log).toEqual([`paint 500001 ${idAt(500_001)}`]);
    vi.advanceTimersByTime(2000);
    expect(model.get("position")).toBe(500_001);
  });

  it("seeks an id far away by asking the kernel where it is", () => {
    const { model, stepper, log } = make(0);
    expect(stepper.seek(idAt(765_432))).toBe(true);
    expect(model.sentContents("order")).toEqual([{ type: "order", find: idAt(765_432), count: CHUNK }]);
    answer(model);
    expect(stepper.pos).toBe(765_432);
    expect(stepper.placeText(idAt(765_432))).toBe("item 765433");
    expect(log).toEqual([`paint 765432 ${idAt(765_432)}`]);
    stepper.seek(idAt(3)); // held: at once
    expect(stepper.pos).toBe(3);
  });

  it("follows the kernel's position to a far place, and a new order restarts it", () => {
    const { model, stepper, log } = make(0);
    model.kernelSet("position", 900_000);
    answer(model);
    expect(stepper.pos).toBe(900_000);
    expect(stepper.current()).toBe(idAt(900_000));
    log.length = 0;
    model.kernelSet("order_window", { version: 2, total: 3, start: 0, ids: ["x", "y", "z"] });
    model.kernelSend({ type: "order", version: 1, total: N, start: 0, ids: [idAt(0)] }); // a late answer about the old queue
    expect(stepper.total).toBe(3);
    expect(stepper.pos).toBe(3); // the kernel's position clamped to the new queue: its end screen
    expect(stepper.atEnd() && stepper.current() === undefined).toBe(true);
    expect(log).toEqual(["paint 3 undefined"]);
    stepper.step(-1);
    expect(stepper.current()).toBe("z");
  });

  it("the kernel's jump wins over a step not yet saved: the view goes there and saves nothing older", () => {
    const { model, stepper } = make(0);
    stepper.go(10); // saved once stepping pauses (250 ms)
    model.kernelSet("position", 900_000); // far: its window is asked for
    vi.advanceTimersByTime(250); // the pause ends while the window is on its way
    expect(model.get("position")).toBe(900_000); // the older step is not saved over the kernel's
    answer(model);
    expect(stepper.pos).toBe(900_000);
    vi.advanceTimersByTime(2000);
    expect(model.get("position")).toBe(900_000);
    expect(model.saved.map((s: { position: number }) => s.position)).toEqual([]);
  });

  it("saving the position does not cancel a step that waits for its window", () => {
    const { model, stepper } = make(0);
    stepper.go(383); // the synced window holds 0..511
    vi.advanceTimersByTime(200);
    stepper.go(2000); // not held: waits for its window
    vi.advanceTimersByTime(250); // 383 is saved meanwhile
    expect(model.get("position")).toBe(383);
    answer(model);
    expect(stepper.pos).toBe(2000);
    vi.advanceTimersByTime(250);
    expect(model.get("position")).toBe(2000);
  });

  it("a synced window moved by the kernel in the same queue keeps the view where it is", () => {
    const { model, stepper, log } = make(0);
    stepper.go(10);
    log.length = 0;
    model.kernelSet("order_window", { version: 1, total: N, start: 4000, ids: [idAt(4000)] });
    expect(stepper.pos).toBe(10);
    expect(stepper.current()).toBe(idAt(10));
    expect(log).toEqual([]);
    expect(stepper.idAt(4000)).toBe(idAt(4000));
  });
});

import { describe, expect, it, vi } from "vitest";
import type { AnyModel } from "@anywidget/types";
import type { ClassName } from "./classes";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import { cycleStep, NUDGE_COMMIT_MS, openProposals, ShapeState, withDraft } from "./shape_state";
import { Viewport } from "./viewport";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Model = { classes: ClassName[] };
type Item = ItemInfo & { tag: string };
type Sel = { kind: "shape" | "proposal"; id: string } | null;

function setup(current: ItemId | null = 3) {
  const model = createFakeModel({ classes: ["cat", 2, "dog"] }) as AnyModel<Model>;
  const items = new Map<ItemId, Item>([[3, { id: 3, kind: "image", tag: "three" }]]);
  const cache = { get: (id: ItemId) => items.get(id) } as unknown as ItemCache;
  const viewport = new Viewport();
  viewport.setImage(640, 480);
  return new ShapeState<Model, Item, Sel>(model, cache, viewport, () => current ?? undefined);
}

describe("ShapeState", () => {
  it("an automatic selection is not chosen; one the person chose is, until cleared", () => {
    const s = setup();
    expect(s.selection).toBeNull();
    expect(s.chosen).toBe(false);
    s.selection = { kind: "shape", id: "a" };
    expect(s.selection).toEqual({ kind: "shape", id: "a" });
    expect(s.chosen).toBe(false);
    s.choose({ kind: "proposal", id: "p0" });
    expect(s.chosen).toBe(true);
    s.selection = { kind: "shape", id: "b" };
    expect(s.chosen).toBe(false);
    s.choose({ kind: "shape", id: "b" });
    s.choose(null);
    expect(s.selection).toBeNull();
    expect(s.chosen).toBe(false);
  });

  it("reads the classes, the item shown and the image's size", () => {
    const s = setup();
    expect(s.classes()).toEqual(["cat", 2, "dog"]);
    expect(s.classIndex(2)).toBe(1);
    expect(s.classIndex("2")).toBe(-1);
    expect(s.item()?.tag).toBe("three");
    expect(s.imageSize()).toEqual({ w: 640, h: 480 });
    expect(setup(null).item()).toBeUndefined();
    expect(setup(9).item()).toBeUndefined();
  });
});

describe("ShapeState nudges", () => {
  it("flushSoon flushes once, NUDGE_COMMIT_MS after the last call; stopNudge cancels it", () => {
    vi.useFakeTimers();
    try {
      const s = setup();
      const flush = vi.fn();
      s.flushSoon(flush);
      vi.advanceTimersByTime(NUDGE_COMMIT_MS - 1);
      s.flushSoon(flush);
      vi.advanceTimersByTime(NUDGE_COMMIT_MS - 1);
      expect(flush).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(flush).toHaveBeenCalledTimes(1);
      s.flushSoon(flush);
      s.stopNudge();
      expect(s.nudgeTimer).toBeNull();
      vi.advanceTimersByTime(NUDGE_COMMIT_MS * 2);
      expect(flush).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("openProposals", () => {
  const proposals = [{ id: "p0" }, { id: "p1" }, { id: "p2" }, { id: "p3" }];

  it("leaves out the rejected, those a stored shape came from, and the one held by a draft", () => {
    const shapes = [{ id: "a", proposal: null }, { id: "p1", proposal: "p1" }, { id: "b" }];
    expect(openProposals(proposals, shapes, ["p2"]).map((p) => p.id)).toEqual(["p0", "p3"]);
    expect(openProposals(proposals, shapes, ["p2"], "p3").map((p) => p.id)).toEqual(["p0"]);
  });

  it("takes missing lists as empty", () => {
    expect(openProposals(proposals, undefined, undefined).map((p) => p.id)).toEqual(["p0", "p1", "p2", "p3"]);
    expect(openProposals(undefined, [{ id: "a", proposal: "p0" }], ["p1"])).toEqual([]);
  });
});

describe("withDraft", () => {
  it("puts the draft in place of the shape of its id, or at the end, leaving the list as it was", () => {
    const shapes = [{ id: "a", v: 1 }, { id: "b", v: 2 }];
    expect(withDraft(shapes, { id: "a", v: 9 })).toEqual([{ id: "a", v: 9 }, { id: "b", v: 2 }]);
    expect(withDraft(shapes, { id: "c", v: 3 })).toEqual([{ id: "a", v: 1 }, { id: "b", v: 2 }, { id: "c", v: 3 }]);
    expect(shapes).toEqual([{ id: "a", v: 1 }, { id: "b", v: 2 }]);
  });
});

describe("cycleStep", () => {
  it("steps around a cycle; from no selection, forward gives the first and back the last", () => {
    expect(cycleStep(-1, 1, 4)).toBe(0);
    expect(cycleStep(-1, -1, 4)).toBe(3);
    expect(cycleStep(0, 1, 4)).toBe(1);
    expect(cycleStep(3, 1, 4)).toBe(0);
    expect(cycleStep(0, -1, 4)).toBe(3);
    expect(cycleStep(2, -1, 4)).toBe(1);
    expect(cycleStep(0, 1, 1)).toBe(0);
  });
});

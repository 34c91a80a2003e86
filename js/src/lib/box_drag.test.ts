import { describe, expect, it } from "vitest";
import { BoxDrag } from "./box_drag";
import type { Box } from "./boxes";

function setup(allowed = true) {
  const canvas = document.createElement("canvas");
  canvas.getBoundingClientRect = () => ({ left: 100, top: 50, width: 240, height: 160 }) as DOMRect; // a 60x40 image, 4x
  document.body.append(canvas);
  const kept: Box[] = [];
  let changes = 0;
  let refusals = 0;
  const drag = new BoxDrag(canvas, {
    size: () => [60, 40],
    allowed: () => allowed,
    refuse: () => (refusals += 1),
    changed: () => (changes += 1),
    keep: (b) => kept.push(b),
  });
  const stop = drag.listen();
  const mouse = (type: string, x: number, y: number, target: EventTarget = window) =>
    target.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true, cancelable: true }));
  return { drag, canvas, kept, mouse, stop, changes: () => changes, refusals: () => refusals };
}

describe("BoxDrag", () => {
  it("keyboard: starts in the middle, arrows move and resize, keep hands the box over", () => {
    const { drag, kept } = setup();
    expect(drag.start()).toBe(true);
    expect(drag.active()).toBe(true);
    expect(drag.box).toEqual([23, 15, 38, 25]);
    drag.nudge(new KeyboardEvent("keydown", { key: "ArrowLeft" })); // 60 / 32 -> 2 px
    drag.nudge(new KeyboardEvent("keydown", { key: "ArrowDown", shiftKey: true }));
    drag.keep();
    expect(kept).toEqual([[21, 15, 36, 27]]);
    expect(drag.active()).toBe(false);
  });
  it("mouse: a drag maps into image pixels; a click (under 2 px) keeps nothing", () => {
    const { canvas, kept, mouse, stop } = setup();
    mouse("mousedown", 140, 90, canvas);
    mouse("mousemove", 180, 150);
    mouse("mouseup", 180, 150);
    expect(kept).toEqual([[10, 10, 20, 25]]);
    mouse("mousedown", 140, 90, canvas);
    mouse("mouseup", 141, 91);
    expect(kept.length).toBe(1);
    stop();
    mouse("mousedown", 140, 90, canvas);
    mouse("mouseup", 180, 150);
    expect(kept.length).toBe(1); // no longer listening
  });
  it("refuses when not allowed (keys and mouse), and reset forgets without a repaint", () => {
    const { drag, canvas, kept, mouse, refusals, changes } = setup(false);
    expect(drag.start()).toBe(false);
    mouse("mousedown", 140, 90, canvas);
    mouse("mouseup", 180, 150);
    expect(refusals()).toBe(2);
    expect(kept).toEqual([]);
    const other = setup();
    other.drag.start();
    const before = other.changes();
    other.drag.reset();
    expect(other.drag.box).toBeNull();
    expect(other.changes()).toBe(before);
    expect(changes()).toBe(0);
  });
});

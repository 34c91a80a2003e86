// (tests only) A Stepper over a two-item queue ["a", "b"] at `position`, with its model, paint spy and item
// cache: the fixture of the tests of what paints a step (paintCurrent, paintImageStep).
import { vi } from "vitest";
import { ItemCache } from "./items";
import { Stepper } from "./stepper";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

export function fakeStepper(position: number) {
  const model = createFakeModel({ order: ["a", "b"], position, n_done: 0 });
  const paint = vi.fn();
  const stepper = new Stepper(model, { behind: 1, ahead: 2, paint, paintProgress: () => undefined });
  const cache = new ItemCache(model);
  return { model, paint, stepper, cache };
}

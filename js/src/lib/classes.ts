// Class keys and colours shared by the widgets that pick classes (classify, boxes, masks).
import type { Binding } from "./keyboard";

export type ClassName = string | number;

/** The key of each class: classes that are the digits 0-9 keep their digit; else 1-9, 0 pick the first ten. */
export function classKeys(classes: ClassName[]): string[] {
  const names = classes.map(String);
  if (names.every((n) => /^[0-9]$/.test(n)) && new Set(names).size === names.length) return names;
  return names.map((_, k) => (k < 10 ? String((k + 1) % 10) : ""));
}

const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];

/** The digit bindings of a class list (the keys of classKeys, read when pressed): a digit calls
 *  `pick` with its class's index; `description` is shown in the help, or made from the class. */
export function classDigitKeys(
  classes: () => ClassName[], pick: (k: number) => void, description: string | ((cls: ClassName) => string),
): Binding[] {
  return DIGITS.map((d) => ({
    keys: [d],
    description: typeof description === "string" ? description : () => description(classes()[classKeys(classes()).indexOf(d)]),
    run: () => pick(classKeys(classes()).indexOf(d)),
    when: () => classKeys(classes()).includes(d),
  }));
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#9a6324", "#469990"];

/** Colour of class (or segment) number k, as #rrggbb. */
export const classColour = (k: number): string => PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length];

/** [r, g, b] of a #rrggbb colour. */
export function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

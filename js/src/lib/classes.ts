// Class keys and colours shared by the drawing widgets (boxes, masks).

export type ClassName = string | number;

/** The key of each class: classes that are the digits 0-9 keep their digit; else 1-9, 0 pick the first ten. */
export function classKeys(classes: ClassName[]): string[] {
  const names = classes.map(String);
  if (names.every((n) => /^[0-9]$/.test(n)) && new Set(names).size === names.length) return names;
  return names.map((_, k) => (k < 10 ? String((k + 1) % 10) : ""));
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#9a6324", "#469990"];

/** Colour of class (or segment) number k, as #rrggbb. */
export const classColour = (k: number): string => PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length];

/** [r, g, b] of a #rrggbb colour. */
export function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

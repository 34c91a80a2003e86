// Keyboard focus in a grid of n cells laid out in rows of `columns` (reading order).

/** The cell index after an arrow key; stays put at the grid's edges. With `wrap` (a grid read in
 *  order, e.g. ranked results), → at a row's end goes to the next row's first cell and ← at a
 *  row's start to the previous row's last; without it (a matrix) they stay put at the row's edges. */
export function gridMove(index: number, n: number, columns: number, key: string, wrap = false): number {
  if (n <= 0) return 0;
  const cols = Math.max(1, Math.floor(columns));
  const i = Math.max(0, Math.min(index, n - 1));
  switch (key) {
    case "ArrowLeft":
      return i === 0 || (!wrap && i % cols === 0) ? i : i - 1;
    case "ArrowRight":
      return i + 1 >= n || (!wrap && i % cols === cols - 1) ? i : i + 1;
    case "ArrowUp":
      return i - cols >= 0 ? i - cols : i;
    case "ArrowDown":
      return i + cols < n ? i + cols : i;
    case "Home":
      return 0;
    case "End":
      return n - 1;
    default:
      return i;
  }
}

/** The next cell in reading order that satisfies `open` (e.g. not judged yet), else the next cell. */
export function nextOpen(index: number, n: number, open: (i: number) => boolean): number {
  for (let i = index + 1; i < n; i++) if (open(i)) return i;
  return Math.min(index + 1, Math.max(0, n - 1));
}

/** Lay `grid` (a CSS grid) out in `columns` equal columns that share the width, each at most
 *  `maxScale` x `thumb` (+ `pad` for the tile's frame): tiles grow to fill the widget instead of
 *  leaving half of it empty, without blowing small thumbnails up without limit. */
export function fillColumns(grid: HTMLElement, columns: number, thumb: number, pad = 16, gap = 8, maxScale = 2.5): void {
  const cols = Math.max(1, Math.floor(columns));
  grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  grid.style.maxWidth = `${Math.round(cols * (thumb * maxScale + pad) + (cols - 1) * gap)}px`;
}

// Word-span selection over a text cut into pieces ([substring, isWord]) by the kernel: the view
// renders each piece as text and selects by word index, so offsets never depend on UTF-16.
import { h } from "./dom";

export type Piece = [string, number];

export interface Span {
  t0: number; // first word, inclusive
  t1: number; // last word, inclusive
}

/** The span between an anchor and a cursor word, in order. */
export function spanOf(anchor: number, cursor: number): Span {
  return { t0: Math.min(anchor, cursor), t1: Math.max(anchor, cursor) };
}

/** Number of words in the pieces. */
export function wordCount(pieces: Piece[]): number {
  return pieces.reduce((n, p) => n + (p[1] ? 1 : 0), 0);
}

/**
 * Render the pieces: words become <span class="hitl-word" data-t="n">, the rest plain text nodes.
 * `classes(n)` adds classes to word n. All text goes through textContent / text nodes.
 */
export function renderPieces(pieces: Piece[], classes: (n: number) => string[] = () => []): DocumentFragment {
  const frag = document.createDocumentFragment();
  let n = 0;
  for (const [text, isWord] of pieces) {
    if (isWord) {
      const word = h("span", ["hitl-word", ...classes(n)].join(" "), text);
      word.dataset.t = String(n);
      frag.append(word);
      n += 1;
    } else {
      frag.append(document.createTextNode(text));
    }
  }
  return frag;
}

/** The word index of an element inside rendered pieces (or -1). */
export function wordIndex(target: EventTarget | null): number {
  const el = target instanceof Element ? target.closest(".hitl-word") : null;
  const t = el instanceof HTMLElement ? Number(el.dataset.t) : NaN;
  return Number.isInteger(t) ? t : -1;
}

/**
 * Words selected with the mouse over rendered pieces in `container`: a press on word n calls
 * `press(n)` (no native text selection: words are the unit; `root` takes the focus), and moving
 * over word n while the button is down calls `extend(n)` (the caller knows whether a drag is on).
 */
export function listenWordDrag(container: HTMLElement, root: HTMLElement, press: (n: number) => void, extend: (n: number) => void): void {
  container.addEventListener("mousedown", (e) => {
    const n = wordIndex(e.target);
    if (n < 0) return;
    e.preventDefault();
    root.focus({ preventScroll: true });
    press(n);
  });
  container.addEventListener("mouseover", (e) => {
    const n = wordIndex(e.target);
    if (n >= 0) extend(n);
  });
}

// When a widget may take the keyboard focus on its own: only when the person just ran its cell.
//
// In JupyterLab / Notebook 7 a cell's output is shown while its cell is the active one (Ctrl+Enter)
// or the one just before the active cell (Shift+Enter moved on). A widget in any other cell — Run
// All of a notebook with many widgets, a page reload — leaves the focus where it is. Outside a
// notebook (VS Code, marimo, a bare page) the first widget shown in a burst takes it.

const BURST_MS = 1500; // outside a notebook: widgets shown within this of the last one stay unfocused
let lastClaim = -Infinity;

/** The focused element as `node`'s tree sees it: inside a shadow root (marimo renders each widget
 *  in one) the document's activeElement is only the shadow host. */
export function activeIn(node: Node): Element | null {
  const tree = node.getRootNode() as Document | ShadowRoot;
  return "activeElement" in tree ? tree.activeElement : document.activeElement;
}

/** The focused element of the page, inside shadow roots too (another widget's, in marimo). */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

function deepQuery(node: ParentNode, selector: string): HTMLElement[] {
  const found = [...node.querySelectorAll<HTMLElement>(selector)];
  for (const el of node.querySelectorAll("*")) if (el.shadowRoot) found.push(...deepQuery(el.shadowRoot, selector));
  return found;
}

/** The elements matching `selector` shown with `root` in one output: JupyterLab's output area or
 *  ipywidgets box; in marimo, where each widget sits in its own shadow root, the nearest ancestor
 *  of root's host whose subtree (shadow roots included) holds one; else the document's. */
export function outputMates(root: HTMLElement, selector: string): HTMLElement[] {
  const box = root.closest(".jp-OutputArea-output, .widget-vbox, .jupyter-widgets");
  if (box) return [...box.querySelectorAll<HTMLElement>(selector)];
  const tree = root.getRootNode();
  if (tree instanceof ShadowRoot) {
    for (let e: Element | null = tree.host.parentElement, up = 0; e && up < 8; e = e.parentElement, up++) {
      const found = deepQuery(e, selector);
      if (found.length) return found;
    }
  }
  return [...document.querySelectorAll<HTMLElement>(selector)];
}

/** Whether `root`, just shown, may take the focus (see the module comment). */
export function mayTakeFocus(root: HTMLElement, now: number = performance.now()): boolean {
  const active = deepActive();
  if (active && active !== document.body && !root.contains(active) && active.closest(".hitl-root")) {
    return false; // another widget has it: the person is working there
  }
  const cell = root.closest(".jp-Cell");
  if (cell) {
    if (cell.classList.contains("jp-mod-active")) return true;
    const next = cell.nextElementSibling;
    return next !== null && next.classList.contains("jp-mod-active");
  }
  if (now - lastClaim < BURST_MS) return false;
  lastClaim = now;
  return true;
}

/** Focus `root` on the next frame if it may take the focus (mayTakeFocus). */
export function takeFocusWhenShown(root: HTMLElement): void {
  requestAnimationFrame(() => {
    if (root.isConnected && mayTakeFocus(root)) root.focus({ preventScroll: true });
  });
}

/** After a mouse click on one of `root`'s buttons (or a slider let go), give the focus back to `root`: a button keeps no
 *  focus ring that would show on the next item as if it were pre-selected (class buttons persist
 *  from item to item), and the widget's keys still work. A keyboard activation (Enter / Space on a
 *  focused button: a click with detail 0) leaves the focus on the button, for keyboard users.
 *  Keymap calls it on every widget root. */
export function refocusAfterMouse(root: HTMLElement): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.detail === 0) return;
    // the click reached the root, so the button was inside it (its handler may have removed it
    // since: a repaint that rebuilds the buttons, leaving the focus nowhere)
    const button = (e.target as Element | null)?.closest?.("button");
    if (!button) return;
    const active = activeIn(root);
    if (!active || active === button || button.contains(active) || active === document.body) {
      root.focus({ preventScroll: true });
    }
  };
  // a focused slider would take the widget's arrow keys
  const onPointerUp = (e: PointerEvent) => {
    const t = e.target;
    if (t instanceof HTMLInputElement && t.type === "range") root.focus({ preventScroll: true });
  };
  root.addEventListener("click", onClick);
  root.addEventListener("pointerup", onPointerUp);
  return () => {
    root.removeEventListener("click", onClick);
    root.removeEventListener("pointerup", onPointerUp);
  };
}

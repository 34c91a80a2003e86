// The image panel of the views that show an item's image beside a side panel (CoreferenceLinker,
// SceneGraphAnnotator, HallucinationFlagger): a canvas and, in its place, a message ("loading…",
// the item's error, the end screen); and how such a view paints a step.
import { h, setText } from "./dom";
import type { ItemCache, ItemInfo } from "./items";
import { paintCurrent, Stepper } from "./stepper";

/** The canvas and the message shown instead of it. */
export interface ImagePanel {
  canvas: HTMLCanvasElement;
  imageMessage: HTMLDivElement;
}

/** A canvas of class `canvasClass` and its message in a hitl-image box, beside `side` in a stage row. */
export function imageStage(canvasClass: string, side: HTMLElement): ImagePanel & { stage: HTMLDivElement } {
  const canvas = h("canvas", canvasClass);
  const imageMessage = h("div", "hitl-muted");
  const imageBox = h("div", "hitl-image");
  imageBox.append(canvas, imageMessage);
  const stage = h("div", "hitl-stage-row");
  stage.append(imageBox, side);
  return { canvas, imageMessage, stage };
}

/** Hide the canvas and show `text` in its place. */
export function showMessage(panel: ImagePanel, text: string): void {
  panel.canvas.hidden = true;
  setText(panel.imageMessage, text);
}

/** `info` when it holds an image to draw, the canvas shown; else undefined, the canvas hidden and
 *  the reason in its place: "loading…" (no item yet), the item's error, or that it has no image. */
export function showItemImage<I extends ItemInfo>(panel: ImagePanel, info: I | undefined): (I & { image: ImageBitmap }) | undefined {
  if (!info || info.kind !== "image" || !info.image) {
    showMessage(panel, !info ? "loading…" : info.error ?? "cannot show this image");
    return undefined;
  }
  panel.canvas.hidden = false;
  setText(panel.imageMessage, "");
  return info as I & { image: ImageBitmap };
}

/** What paintImageStep paints with. */
export interface ImageStepParts {
  root: HTMLElement;
  panel: ImagePanel;
  stepper: Stepper;
  cache: ItemCache;
  /** what the end screen says of the images: "All 5 images <done>. [ goes back." */
  done: string;
  /** the item shown (undefined while the cache lacks it) */
  item: () => ItemInfo | undefined;
  /** empty the side panel: on the end screen (`atEnd`) and while the item is on its way */
  clear: (atEnd: boolean) => void;
  /** paint the side panel of the item shown */
  side: () => void;
  /** draw the item's image (showItemImage) */
  image: () => void;
}

/** Paint the step shown: the end screen, or "loading…" until the item is here (the side panel
 *  empty), or the item: its side panel, its image, then a "hitl:painted" event ({id, position})
 *  on `root`. */
export function paintImageStep(p: ImageStepParts): void {
  const { stepper } = p;
  paintCurrent(stepper, p.cache, {
    item: p.item,
    end: () => {
      showMessage(p.panel, `All ${stepper.total} images ${p.done}. [ goes back.`);
      p.clear(true);
    },
    wait: (message) => {
      showMessage(p.panel, message);
      p.clear(false);
    },
    show: (id) => {
      p.side();
      p.image();
      p.root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
    },
  });
}

// Zoom and pan over an image, in image-pixel coordinates.
//
// A Viewport maps image pixels to CSS pixels of a canvas (screen = image * scale + offset) and
// back. Drawing is device-pixel-ratio aware (the canvas backing store has cssSize * dpr pixels)
// and only the visible part of the image is drawn (drawImage with a source rectangle), so a
// 3840x2160 image stays crisp and cheap at any zoom. PanZoom wires the wheel, +/- keys and
// space-drag (or middle-drag) to a Viewport. Shared by the box and segmentation canvases.

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const MAX_SCALE = 64; // CSS px per image px at the closest zoom

export class Viewport {
  /** CSS pixels per image pixel */
  scale = 1;
  /** CSS position of the image's origin */
  tx = 0;
  ty = 0;
  imageWidth = 1;
  imageHeight = 1;
  viewWidth = 1;
  viewHeight = 1;
  dpr = 1;

  /** Set the image size (image pixels) and fit it to the view. */
  setImage(width: number, height: number): void {
    this.imageWidth = Math.max(1, width);
    this.imageHeight = Math.max(1, height);
    this.fit();
  }

  /** Set the view size in CSS pixels (and the device pixel ratio); keeps the centre in place. */
  setView(width: number, height: number, dpr = 1): void {
    const centre = this.toImage(this.viewWidth / 2, this.viewHeight / 2);
    this.viewWidth = Math.max(1, width);
    this.viewHeight = Math.max(1, height);
    this.dpr = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
    this.tx = this.viewWidth / 2 - centre.x * this.scale;
    this.ty = this.viewHeight / 2 - centre.y * this.scale;
    this.constrain();
  }

  /** The scale at which the whole image fits the view. */
  get fitScale(): number {
    return Math.min(this.viewWidth / this.imageWidth, this.viewHeight / this.imageHeight);
  }

  get minScale(): number {
    return this.fitScale / 2;
  }

  /** Show the whole image, centred. */
  fit(): void {
    this.scale = this.fitScale;
    this.tx = (this.viewWidth - this.imageWidth * this.scale) / 2;
    this.ty = (this.viewHeight - this.imageHeight * this.scale) / 2;
  }

  /** Image pixel coordinates of a CSS point of the view. */
  toImage(sx: number, sy: number): Point {
    return { x: (sx - this.tx) / this.scale, y: (sy - this.ty) / this.scale };
  }

  /** CSS point of the view of an image pixel coordinate. */
  toScreen(ix: number, iy: number): Point {
    return { x: ix * this.scale + this.tx, y: iy * this.scale + this.ty };
  }

  /** An image rectangle in CSS pixels of the view. */
  rectToScreen(r: Rect): Rect {
    return { x: r.x * this.scale + this.tx, y: r.y * this.scale + this.ty, w: r.w * this.scale, h: r.h * this.scale };
  }

  /** Clamp an image point into the image. */
  clampToImage(p: Point): Point {
    return {
      x: Math.min(this.imageWidth, Math.max(0, p.x)),
      y: Math.min(this.imageHeight, Math.max(0, p.y)),
    };
  }

  /** The part of the image that is visible, in image pixels (empty w/h when none). */
  visibleRect(): Rect {
    const a = this.toImage(0, 0);
    const b = this.toImage(this.viewWidth, this.viewHeight);
    const x0 = Math.max(0, a.x);
    const y0 = Math.max(0, a.y);
    const x1 = Math.min(this.imageWidth, b.x);
    const y1 = Math.min(this.imageHeight, b.y);
    return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
  }

  /** Does an image rectangle intersect the visible part? */
  isVisible(r: Rect): boolean {
    const v = this.visibleRect();
    return r.x <= v.x + v.w && r.x + r.w >= v.x && r.y <= v.y + v.h && r.y + r.h >= v.y;
  }

  /** Zoom by `factor` keeping the image point under the CSS point (sx, sy) fixed. */
  zoomAt(factor: number, sx = this.viewWidth / 2, sy = this.viewHeight / 2): void {
    if (!Number.isFinite(factor) || factor <= 0) return;
    const anchor = this.toImage(sx, sy);
    this.scale = Math.min(MAX_SCALE, Math.max(this.minScale, this.scale * factor));
    this.tx = sx - anchor.x * this.scale;
    this.ty = sy - anchor.y * this.scale;
    this.constrain();
  }

  /** Move the image by (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.constrain();
  }

  /** Centre the view on an image point (keeping the scale). */
  centreOn(ix: number, iy: number): void {
    this.tx = this.viewWidth / 2 - ix * this.scale;
    this.ty = this.viewHeight / 2 - iy * this.scale;
    this.constrain();
  }

  /** Keep at least a quarter of the view showing image (it never drifts out of sight). */
  private constrain(): void {
    const w = this.imageWidth * this.scale;
    const h = this.imageHeight * this.scale;
    const mx = Math.min(w, this.viewWidth) / 4;
    const my = Math.min(h, this.viewHeight) / 4;
    this.tx = Math.min(this.viewWidth - mx, Math.max(mx - w, this.tx));
    this.ty = Math.min(this.viewHeight - my, Math.max(my - h, this.ty));
  }

  /** Size the canvas backing store for the view and the device pixel ratio (only on change). */
  sizeCanvas(canvas: HTMLCanvasElement): void {
    const w = Math.max(1, Math.round(this.viewWidth * this.dpr));
    const h = Math.max(1, Math.round(this.viewHeight * this.dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const cssW = `${this.viewWidth}px`;
    const cssH = `${this.viewHeight}px`;
    if (canvas.style.width !== cssW) canvas.style.width = cssW;
    if (canvas.style.height !== cssH) canvas.style.height = cssH;
  }

  /** Draw transform for the context: afterwards, draw in CSS pixels of the view. */
  screenTransform(ctx: CanvasRenderingContext2D): void {
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  }

  /**
   * Draw the visible part of the image (only that part is read from the source): crisp when
   * zoomed in (no smoothing past 2 device pixels per image pixel), smooth when zoomed out.
   */
  drawImage(ctx: CanvasRenderingContext2D, image: CanvasImageSource, pyramid?: ImagePyramid | null): void {
    const v = this.visibleRect();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    if (v.w <= 0 || v.h <= 0) return;
    // zoomed out, read a smaller copy that still has at least one pixel per device pixel
    const level = pyramid?.pick(this.scale * this.dpr) ?? { factor: 1, image };
    const f = level.factor;
    // whole source pixels around the visible part, so that partial pixels at the edges show
    const sx = Math.floor(v.x * f);
    const sy = Math.floor(v.y * f);
    const sw = Math.min(Math.round(this.imageWidth * f), Math.ceil((v.x + v.w) * f)) - sx;
    const sh = Math.min(Math.round(this.imageHeight * f), Math.ceil((v.y + v.h) * f)) - sy;
    if (sw <= 0 || sh <= 0) return;
    const d = this.rectToScreen({ x: sx / f, y: sy / f, w: sw / f, h: sh / f });
    ctx.imageSmoothingEnabled = this.scale * this.dpr < 2;
    ctx.drawImage(level.image, sx, sy, sw, sh, d.x * this.dpr, d.y * this.dpr, d.w * this.dpr, d.h * this.dpr);
  }
}

/**
 * Draw the visible part of an image-sized layer (a mask overlay) over what is drawn, pixel-crisp,
 * with the given opacity.
 */
export function drawLayer(viewport: Viewport, ctx: CanvasRenderingContext2D, layer: CanvasImageSource, alpha: number): void {
  const v = viewport.visibleRect();
  if (v.w <= 0 || v.h <= 0 || alpha <= 0) return;
  const sx = Math.floor(v.x);
  const sy = Math.floor(v.y);
  const sw = Math.min(viewport.imageWidth, Math.ceil(v.x + v.w)) - sx;
  const sh = Math.min(viewport.imageHeight, Math.ceil(v.y + v.h)) - sy;
  const d = viewport.rectToScreen({ x: sx, y: sy, w: sw, h: sh });
  const k = viewport.dpr;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = alpha;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(layer, sx, sy, sw, sh, d.x * k, d.y * k, d.w * k, d.h * k);
  ctx.restore();
}

/**
 * Downscaled copies of a large image (1/2, 1/4, ... down to ~256 px), built once in the background:
 * when zoomed out, a frame reads the smallest copy that still has a pixel per device pixel
 * instead of filtering the whole full-resolution image.
 */
export class ImagePyramid {
  readonly levels: Array<{ factor: number; image: CanvasImageSource }> = [];
  private disposed = false;

  constructor(readonly image: CanvasImageSource & { width: number; height: number }, onLevel: () => void = () => {}) {
    if (typeof createImageBitmap !== "function") return;
    const build = async () => {
      for (let factor = 0.5; Math.min(image.width, image.height) * factor >= 256; factor /= 2) {
        const level = await createImageBitmap(image as ImageBitmap, {
          resizeWidth: Math.round(image.width * factor),
          resizeHeight: Math.round(image.height * factor),
          resizeQuality: "medium",
        });
        if (this.disposed) return level.close?.();
        this.levels.push({ factor, image: level });
        onLevel();
      }
    };
    build().catch(() => undefined); // no pyramid: frames read the full image
  }

  /** The smallest level with at least `deviceScale` of the full resolution (the full image if none). */
  pick(deviceScale: number): { factor: number; image: CanvasImageSource } {
    let best: { factor: number; image: CanvasImageSource } = { factor: 1, image: this.image };
    for (const level of this.levels) if (level.factor >= deviceScale && level.factor < best.factor) best = level;
    return best;
  }

  dispose(): void {
    this.disposed = true;
    for (const level of this.levels) (level.image as ImageBitmap).close?.();
    this.levels.length = 0;
  }
}

export interface PanZoomOptions {
  /** called after every change of the view */
  onChange: () => void;
  /** wheel zoom per 100 px of wheel delta */
  wheelFactor?: number;
}

/**
 * Wheel zoom (around the cursor), space-drag or middle-drag pan, on a canvas element.
 * Keys (+ - and fit) are bound by the widget's Keymap, through zoomIn/zoomOut/fit.
 */
export class PanZoom {
  /** space is held: a drag pans instead of drawing */
  spaceHeld = false;
  private dragging: { x: number; y: number; id: number } | null = null;
  private readonly listeners: Array<[EventTarget, string, EventListener]> = [];

  constructor(
    readonly viewport: Viewport,
    private readonly canvas: HTMLElement,
    private readonly keyTarget: HTMLElement,
    private readonly options: PanZoomOptions,
  ) {
    this.listen(canvas, "wheel", (e) => this.onWheel(e as WheelEvent), { passive: false });
    this.listen(canvas, "pointerdown", (e) => this.onDown(e as PointerEvent));
    this.listen(canvas, "pointermove", (e) => this.onMove(e as PointerEvent));
    this.listen(canvas, "pointerup", (e) => this.onUp(e as PointerEvent));
    this.listen(canvas, "pointercancel", (e) => this.onUp(e as PointerEvent));
    this.listen(keyTarget, "keydown", (e) => {
      const k = e as KeyboardEvent;
      if (k.key === " " && !isTyping(k)) {
        this.spaceHeld = true;
        k.preventDefault();
        k.stopPropagation();
      }
    });
    this.listen(keyTarget, "keyup", (e) => {
      if ((e as KeyboardEvent).key === " ") this.spaceHeld = false;
    });
    this.listen(keyTarget, "blur", () => (this.spaceHeld = false));
  }

  /** Is a pan drag in progress (pointer events belong to the pan, not the tool)? */
  get panning(): boolean {
    return this.dragging !== null;
  }

  zoomIn(): void {
    this.viewport.zoomAt(1.25);
    this.options.onChange();
  }

  zoomOut(): void {
    this.viewport.zoomAt(0.8);
    this.options.onChange();
  }

  fit(): void {
    this.viewport.fit();
    this.options.onChange();
  }

  /** Pan by CSS pixels (keyboard panning). */
  pan(dx: number, dy: number): void {
    this.viewport.panBy(dx, dy);
    this.options.onChange();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const factor = Math.pow(this.options.wheelFactor ?? 1.2, (-e.deltaY * unit) / 100);
    const p = elementPoint(e, this.canvas);
    this.viewport.zoomAt(factor, p.x, p.y);
    this.options.onChange();
  }

  private onDown(e: PointerEvent): void {
    if (!(this.spaceHeld && e.button === 0) && e.button !== 1) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    this.dragging = { x: e.clientX, y: e.clientY, id: e.pointerId };
    capturePointer(this.canvas, e.pointerId);
  }

  private onMove(e: PointerEvent): void {
    if (!this.dragging || e.pointerId !== this.dragging.id) return;
    e.stopImmediatePropagation();
    this.viewport.panBy(e.clientX - this.dragging.x, e.clientY - this.dragging.y);
    this.dragging.x = e.clientX;
    this.dragging.y = e.clientY;
    this.options.onChange();
  }

  private onUp(e: PointerEvent): void {
    if (!this.dragging || e.pointerId !== this.dragging.id) return;
    e.stopImmediatePropagation();
    this.dragging = null;
  }

  private listen(target: EventTarget, type: string, fn: EventListener, options?: AddEventListenerOptions): void {
    target.addEventListener(type, fn, options);
    this.listeners.push([target, type, fn]);
  }

  dispose(): void {
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners.length = 0;
  }
}

/** The CSS-pixel point of a mouse event over `el`, from its top-left corner. */
export function elementPoint(e: { clientX: number; clientY: number }, el: Element): Point {
  const r = el.getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

/** What a canvas tool does with the pointer: a press, a move, and the end of a press (released or cancelled). */
export interface PointerTool {
  down: (e: PointerEvent) => void;
  move: (e: PointerEvent) => void;
  end: (e: PointerEvent) => void;
}

/** Send `el`'s pointer events to `tool`: pointerdown, pointermove, then pointerup and pointercancel to its end. */
export function listenPointer(el: HTMLElement, tool: PointerTool): void {
  el.addEventListener("pointerdown", tool.down);
  el.addEventListener("pointermove", tool.move);
  el.addEventListener("pointerup", tool.end);
  el.addEventListener("pointercancel", tool.end);
}

/** Capture the pointer for a drag (ignored for pointers the browser does not track, e.g. synthetic ones). */
export function capturePointer(el: Element, pointerId: number): void {
  try {
    el.setPointerCapture?.(pointerId);
  } catch {
    // no active pointer with this id: the drag still works while the pointer stays over the element
  }
}

function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
}

/** Schedule `fn` once per animation frame, however often `request()` is called. */
export class FrameScheduler {
  private handle: number | null = null;
  constructor(private readonly fn: () => void) {}

  request(): void {
    if (this.handle !== null) return;
    const raf = typeof requestAnimationFrame === "function" ? requestAnimationFrame : (cb: FrameRequestCallback) => setTimeout(() => cb(0), 16) as unknown as number;
    this.handle = raf(() => {
      this.handle = null;
      this.fn();
    });
  }

  /** Run now (and drop a pending frame). */
  flush(): void {
    if (this.handle !== null) {
      if (typeof cancelAnimationFrame === "function") cancelAnimationFrame(this.handle);
      else clearTimeout(this.handle);
      this.handle = null;
    }
    this.fn();
  }
}

// The camera panel of SensorFusionReview: the image, the LiDAR points projected onto it (coloured
// by depth or by label; the selection in yellow), both sensors' boxes, and the calibration check
// by edges (image edges in cyan, the point cloud's outline points green on an edge, red off it).
// Positions are the kernel's float32 pixels (NaN: not in view); a box selects exactly the points
// whose pixel is inside it, edges included (hitl_widgets/fusion.py points_in_box).
import { rgb } from "../../lib/classes";

export interface FusionImage {
  width: number;
  height: number;
  bitmap?: ImageBitmap;
  edges?: ImageBitmap;
  uv: Float32Array; // 2 per point, image px
  depth: Float32Array;
  labels: Int16Array;
  flags: Uint8Array; // 1: outline point on an image edge, 2: off it
  camera: number[][]; // [x0, y0, x1, y1, class]
  lidar: number[][];
}

export interface Highlight {
  camera?: number[] | null;
  lidar?: number[] | null;
}

/** Indices of the points whose pixel is inside the box (x0, y0, x1, y1), edges included. */
export function pointsInBox(uv: Float32Array, box: number[]): Uint8Array {
  const [x0, y0, x1, y1] = box;
  const n = uv.length / 2;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const u = uv[2 * i], v = uv[2 * i + 1];
    if (u >= x0 && u <= x1 && v >= y0 && v <= y1) out[i] = 1; // NaN fails
  }
  return out;
}

/** A near → far colour ramp (red → yellow → blue) for depth in metres. */
export function depthColour(d: number, far = 60): [number, number, number] {
  const t = Math.max(0, Math.min(1, d / far));
  return t < 0.5 ? [255, Math.round(510 * t), 0] : [Math.round(255 * (2 - 2 * t)), Math.round(255 * (2 - 2 * t)), Math.round(510 * (t - 0.5))];
}

/** The box a drag from (ax, ay) to (bx, by) in CSS px makes, in image px (`scale`: CSS px a pixel). */
export function imageBox(ax: number, ay: number, bx: number, by: number, scale: number): number[] {
  return [Math.min(ax, bx) / scale, Math.min(ay, by) / scale, Math.max(ax, bx) / scale, Math.max(ay, by) / scale];
}

export interface DrawOptions {
  mode: "depth" | "label";
  edges: boolean;
  colours: string[];
  selected: Uint8Array;
  highlight: Highlight;
  pointSize: number;
}

/** Draw everything on `canvas` (its pixel size set from its CSS width and the image aspect). */
export function drawImage(canvas: HTMLCanvasElement, img: FusionImage, o: DrawOptions): number {
  const ctx = canvas.getContext("2d");
  const cssW = canvas.clientWidth || img.width;
  const scale = cssW / img.width;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(img.width * scale * dpr), hgt = Math.round(img.height * scale * dpr);
  if (canvas.width !== w || canvas.height !== hgt) [canvas.width, canvas.height] = [w, hgt];
  canvas.style.height = `${img.height * scale}px`;
  if (!ctx) return scale;
  const s = scale * dpr;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  if (img.bitmap) ctx.drawImage(img.bitmap, 0, 0, w, hgt);
  if (o.edges && img.edges) ctx.drawImage(img.edges, 0, 0, w, hgt);
  const table = o.colours.map(rgb);
  const size = Math.max(1, o.pointSize * dpr);
  const n = img.uv.length / 2;
  for (let pass = 0; pass < 2; pass++) { // the selection drawn last, on top
    for (let i = 0; i < n; i++) {
      const u = img.uv[2 * i], v = img.uv[2 * i + 1];
      if (!(u === u) || !(v === v) || (o.selected[i] ? 0 : 1) === pass) continue;
      let c: [number, number, number];
      if (o.selected[i]) c = [255, 255, 0];
      else if (o.edges && img.flags[i]) c = img.flags[i] === 1 ? [0, 220, 0] : [255, 0, 60];
      else if (o.mode === "label") c = img.labels[i] >= 0 ? table[img.labels[i]] ?? [150, 150, 150] : [150, 150, 150];
      else c = depthColour(img.depth[i]);
      ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
      const big = o.edges && img.flags[i] ? 2 : 1;
      ctx.fillRect(u * s - (size * big) / 2, v * s - (size * big) / 2, size * big, size * big);
    }
  }
  const box = (b: number[], colour: string, width: number, dash: number[]) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width * dpr;
    ctx.setLineDash(dash.map((d) => d * dpr));
    ctx.strokeRect(b[0] * s, b[1] * s, (b[2] - b[0]) * s, (b[3] - b[1]) * s);
  };
  for (const b of img.camera) box(b, "rgba(255,255,255,0.6)", 1, []);
  for (const b of img.lidar) box(b, "rgba(255,0,200,0.6)", 1, [3, 3]);
  if (o.highlight.camera) box(o.highlight.camera, "#ffffff", 3, []);
  if (o.highlight.lidar) box(o.highlight.lidar, "#ff00c8", 3, [6, 4]);
  ctx.setLineDash([]);
  return scale;
}

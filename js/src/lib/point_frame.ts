// One frame of points as the kernel sends it (hitl_widgets/widgets/pointcloud_frames.py):
// quantised xyz, label codes (label + 1), optional intensity, RGB, proposals and instances.
import type { Binary } from "./media";
import { toBytes } from "./media";

export interface FrameInfo {
  id: number;
  kind: string;
  n: number;
  offset: number[];
  scale: number[];
  label_dtype: "u1" | "u2";
  xyz_buffer: number;
  labels_buffer: number;
  intensity_buffer?: number;
  rgb_buffer?: number;
  proposal_buffer?: number;
  score_buffer?: number;
  instances_buffer?: number;
}

export interface FrameData {
  id: number;
  n: number;
  /** positions: offset + q * scale in float64, rounded to float32 (as the kernel's view_positions) */
  xyz: Float32Array;
  /** class index per point, -1 unlabelled */
  labels: Int16Array;
  instances: Uint16Array;
  intensity?: Uint8Array;
  rgb?: Uint8Array;
  proposal?: Int16Array;
  score?: Uint8Array;
  lo: number[];
  hi: number[];
}

/** Where most points are: the 2nd and 98th percentile per axis of up to 20,000 sampled points
 *  (what the camera frames first: a few far returns would leave the scene a speck). */
export function robustBounds(xyz: Float32Array): [number[], number[]] {
  const n = xyz.length / 3;
  const step = Math.max(1, Math.floor(n / 20000));
  const lo: number[] = [], hi: number[] = [];
  for (let a = 0; a < 3; a++) {
    const v: number[] = [];
    for (let i = 0; i < n; i += step) v.push(xyz[3 * i + a]);
    v.sort((p, q) => p - q);
    lo.push(v[Math.floor(0.02 * (v.length - 1))]);
    hi.push(v[Math.ceil(0.98 * (v.length - 1))]);
  }
  return [lo, hi];
}

/** Little-endian uint16 values of a buffer (copied: a kernel buffer need not be aligned). */
export function uint16s(buf: Binary): Uint16Array {
  const bytes = toBytes(buf);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint16Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(2 * i, true);
  return out;
}

/** Label codes (label + 1, uint8 or uint16) as class indices (-1 unlabelled). */
export function decodeLabels(buf: Binary, dtype: "u1" | "u2"): Int16Array {
  const codes = dtype === "u1" ? toBytes(buf) : uint16s(buf);
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] - 1;
  return out;
}

/** Dequantise xyz exactly as the kernel does (float64 arithmetic, stored as float32). */
export function dequantise(q: Uint16Array, offset: number[], scale: number[]): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const a = i % 3;
    out[i] = offset[a] + q[i] * scale[a];
  }
  return out;
}

export function decodeFrame(info: FrameInfo, buffers: Binary[]): FrameData {
  const xyz = dequantise(uint16s(buffers[info.xyz_buffer]), info.offset, info.scale);
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < xyz.length; i++) {
    const a = i % 3;
    if (xyz[i] < lo[a]) lo[a] = xyz[i];
    if (xyz[i] > hi[a]) hi[a] = xyz[i];
  }
  const bytes = (k: number | undefined) => (k === undefined ? undefined : toBytes(buffers[k]).slice());
  return {
    id: info.id,
    n: info.n,
    xyz,
    labels: decodeLabels(buffers[info.labels_buffer], info.label_dtype),
    instances: info.instances_buffer === undefined ? new Uint16Array(info.n) : uint16s(buffers[info.instances_buffer]),
    intensity: bytes(info.intensity_buffer),
    rgb: bytes(info.rgb_buffer),
    proposal: info.proposal_buffer === undefined ? undefined : decodeLabels(buffers[info.proposal_buffer], info.label_dtype),
    score: bytes(info.score_buffer),
    lo,
    hi,
  };
}

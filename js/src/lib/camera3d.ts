// A 3D orbit camera and its matrices (column-major 4x4, as WebGL), in float64: the selection
// projects points with the same matrix the renderer draws with (handed to GL as float32).
// Frames: z is up; yaw turns about z, pitch lifts the eye above the xy plane.

export type Mat4 = Float64Array;

/** a * b (column-major). */
export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  return out;
}

/** A perspective projection (vertical field of view `fovY` in radians). */
export function perspective(fovY: number, aspect: number, near: number, far: number): Mat4 {
  const f = 1 / Math.tan(fovY / 2);
  const m = new Float64Array(16);
  m[0] = f / aspect;
  m[5] = f;
  m[10] = (far + near) / (near - far);
  m[11] = -1;
  m[14] = (2 * far * near) / (near - far);
  return m;
}

/** The view matrix of an eye at `eye` looking at `target` with `up`. */
export function lookAt(eye: number[], target: number[], up: number[]): Mat4 {
  const z = normalise([eye[0] - target[0], eye[1] - target[1], eye[2] - target[2]]);
  const x = normalise(cross(up, z));
  const y = cross(z, x);
  const m = new Float64Array(16);
  for (let i = 0; i < 3; i++) {
    m[i * 4] = x[i];
    m[i * 4 + 1] = y[i];
    m[i * 4 + 2] = z[i];
  }
  m[12] = -dot(x, eye);
  m[13] = -dot(y, eye);
  m[14] = -dot(z, eye);
  m[15] = 1;
  return m;
}

const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
function normalise(v: number[]): number[] {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

export type ViewName = "perspective" | "top" | "side";

/** Orbit / pan / zoom about a target point. */
export class OrbitCamera {
  target = [0, 0, 0];
  distance = 10;
  yaw = -Math.PI / 2; // eye behind (−y) the target, looking along +y... set by fit()
  pitch = 0.5;
  fovY = (50 * Math.PI) / 180;
  radius = 10; // the scene's radius: sets near / far

  /** Centre on a bounding box (min, max per axis) and look from the named view. */
  fit(lo: number[], hi: number[], view: ViewName = "perspective"): void {
    this.target = [0, 1, 2].map((a) => (lo[a] + hi[a]) / 2);
    this.radius = Math.max(1e-6, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2);
    this.distance = this.radius / Math.tan(this.fovY / 2);
    this.setView(view);
  }

  setView(view: ViewName): void {
    if (view === "top") [this.yaw, this.pitch] = [-Math.PI / 2, Math.PI / 2 - 1e-3];
    else if (view === "side") [this.yaw, this.pitch] = [-Math.PI / 2, 0];
    else [this.yaw, this.pitch] = [-Math.PI / 2 - 0.6, 0.45];
  }

  eye(): number[] {
    const c = Math.cos(this.pitch);
    return [
      this.target[0] + this.distance * c * Math.cos(this.yaw),
      this.target[1] + this.distance * c * Math.sin(this.yaw),
      this.target[2] + this.distance * Math.sin(this.pitch),
    ];
  }

  /** Projection * view for a viewport of `aspect` (width / height). */
  viewProjection(aspect: number): Mat4 {
    const near = Math.max(this.distance - this.radius * 4, this.distance * 1e-3);
    const far = this.distance + this.radius * 4;
    return multiply(perspective(this.fovY, aspect, near, far), lookAt(this.eye(), this.target, [0, 0, 1]));
  }

  orbit(dx: number, dy: number): void {
    this.yaw -= dx * 0.01;
    this.pitch = Math.max(-Math.PI / 2 + 1e-3, Math.min(Math.PI / 2 - 1e-3, this.pitch + dy * 0.01));
  }

  /** Move the target in the view plane by (dx, dy) pixels of a viewport `height` px high. */
  pan(dx: number, dy: number, height: number): void {
    const per = (2 * this.distance * Math.tan(this.fovY / 2)) / Math.max(1, height);
    const view = lookAt(this.eye(), this.target, [0, 0, 1]);
    const right = [view[0], view[4], view[8]];
    const up = [view[1], view[5], view[9]];
    for (let a = 0; a < 3; a++) this.target[a] += (-dx * right[a] + dy * up[a]) * per;
  }

  zoom(factor: number): void {
    this.distance = Math.max(this.radius * 1e-3, Math.min(this.radius * 50, this.distance * factor));
  }
}

// A small WebGL2 point renderer: gl.POINTS from a float32 position buffer and an RGBA uint8
// colour buffer; alpha 0 discards a point (a hidden class). Draws on demand: straight onto the
// canvas, or (drawOffscreen) into a framebuffer of the canvas's size, copied onto the canvas by
// present() once a fence says the GPU has drawn it (ready()). A frame that changes the canvas
// waits for the GPU to finish drawing it (with software WebGL, ~0.6 s for 1M points, during which
// the page handles no key); drawn off screen, the page stays responsive until the image is done.
import type { Mat4 } from "./camera3d";

const VERTEX = `#version 300 es
in vec3 a_pos;
in vec4 a_col;
uniform mat4 u_vp;
uniform float u_size;
out vec4 v_col;
void main() {
  gl_Position = u_vp * vec4(a_pos, 1.0);
  gl_PointSize = u_size;
  v_col = a_col;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_col;
out vec4 colour;
void main() {
  if (v_col.a < 0.5) discard;
  colour = vec4(v_col.rgb, 1.0);
}`;

function shader(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const s = gl.createShader(type);
  if (!s) throw new Error("WebGL: cannot create a shader");
  gl.shaderSource(s, source);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`WebGL shader: ${gl.getShaderInfoLog(s) ?? ""}`);
  return s;
}

export class PointRenderer {
  readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly positions: WebGLBuffer;
  private readonly colours: WebGLBuffer;
  private readonly vao: WebGLVertexArrayObject;
  private count = 0;
  private fbo: WebGLFramebuffer | undefined;
  private fboColour: WebGLRenderbuffer | undefined;
  private fboDepth: WebGLRenderbuffer | undefined;
  private fboSize = [0, 0];
  private fence: WebGLSync | null = null;
  private colourBytes = -1; // the size of the colour buffer's data store

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", { antialias: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error("WebGL2 is not available in this browser");
    this.gl = gl;
    const program = gl.createProgram();
    const positions = gl.createBuffer();
    const colours = gl.createBuffer();
    const vao = gl.createVertexArray();
    if (!program || !positions || !colours || !vao) throw new Error("WebGL: cannot allocate");
    gl.attachShader(program, shader(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`WebGL program: ${gl.getProgramInfoLog(program) ?? ""}`);
    [this.program, this.positions, this.colours, this.vao] = [program, positions, colours, vao];
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, positions);
    const pos = gl.getAttribLocation(program, "a_pos");
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 3, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, colours);
    const col = gl.getAttribLocation(program, "a_col");
    gl.enableVertexAttribArray(col);
    gl.vertexAttribPointer(col, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    gl.bindVertexArray(null);
  }

  setPositions(xyz: Float32Array): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.positions);
    gl.bufferData(gl.ARRAY_BUFFER, xyz, gl.STATIC_DRAW);
    this.count = xyz.length / 3;
  }

  /** Upload the colours: all of them, or (`from`, `to`: points) only that range with
   *  bufferSubData, when the buffer already holds as many colours as `rgba`. */
  setColours(rgba: Uint8Array, from = 0, to = rgba.length / 4): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.colours);
    if (this.colourBytes !== rgba.length) {
      gl.bufferData(gl.ARRAY_BUFFER, rgba, gl.DYNAMIC_DRAW);
      this.colourBytes = rgba.length;
    } else if (to > from) gl.bufferSubData(gl.ARRAY_BUFFER, 4 * from, rgba, 4 * from, 4 * (to - from));
  }

  /** Draw every point with view-projection `vp` at `size` CSS px (times the pixel ratio), onto the canvas. */
  draw(vp: Mat4, size: number, background: [number, number, number]): void {
    this.cancelOffscreen();
    this.drawPoints(vp, size, background);
  }

  /** The same image, drawn into the off-screen framebuffer; present() shows it. */
  drawOffscreen(vp: Mat4, size: number, background: [number, number, number]): void {
    const gl = this.gl;
    const [w, h] = [this.canvas.width, this.canvas.height];
    if (!this.fbo || this.fboSize[0] !== w || this.fboSize[1] !== h) this.makeFramebuffer(w, h);
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo ?? null);
    this.drawPoints(vp, size, background);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (this.fence) gl.deleteSync(this.fence);
    this.fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    gl.flush();
  }

  /** Whether an off-screen image waits, and the GPU has finished it (never waits for the GPU). */
  ready(): boolean {
    const gl = this.gl;
    return !!this.fence && gl.getSyncParameter(this.fence, gl.SYNC_STATUS) === gl.SIGNALED;
  }

  /** Whether an off-screen image is being drawn or waits to be shown. */
  get offscreenPending(): boolean {
    return !!this.fence;
  }

  /** Copy the off-screen image onto the canvas (pixel for pixel). */
  present(): void {
    const gl = this.gl;
    if (!this.fbo) return;
    const [w, h] = this.fboSize;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.fbo);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    gl.blitFramebuffer(0, 0, w, h, 0, 0, w, h, gl.COLOR_BUFFER_BIT, gl.NEAREST);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
    this.cancelOffscreen();
  }

  private cancelOffscreen(): void {
    if (this.fence) this.gl.deleteSync(this.fence);
    this.fence = null;
  }

  private makeFramebuffer(w: number, h: number): void {
    const gl = this.gl;
    this.deleteFramebuffer();
    const [fbo, colour, depth] = [gl.createFramebuffer(), gl.createRenderbuffer(), gl.createRenderbuffer()];
    if (!fbo || !colour || !depth) return;
    gl.bindRenderbuffer(gl.RENDERBUFFER, colour);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.RGBA8, w, h);
    gl.bindRenderbuffer(gl.RENDERBUFFER, depth);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.DEPTH_COMPONENT24, w, h);
    gl.bindRenderbuffer(gl.RENDERBUFFER, null);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, colour);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.DEPTH_ATTACHMENT, gl.RENDERBUFFER, depth);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    [this.fbo, this.fboColour, this.fboDepth, this.fboSize] = [fbo, colour, depth, [w, h]];
  }

  private deleteFramebuffer(): void {
    const gl = this.gl;
    if (this.fbo) gl.deleteFramebuffer(this.fbo);
    if (this.fboColour) gl.deleteRenderbuffer(this.fboColour);
    if (this.fboDepth) gl.deleteRenderbuffer(this.fboDepth);
    [this.fbo, this.fboColour, this.fboDepth, this.fboSize] = [undefined, undefined, undefined, [0, 0]];
  }

  private drawPoints(vp: Mat4, size: number, background: [number, number, number]): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(background[0] / 255, background[1] / 255, background[2] / 255, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    gl.useProgram(this.program);
    gl.uniformMatrix4fv(gl.getUniformLocation(this.program, "u_vp"), false, new Float32Array(vp));
    gl.uniform1f(gl.getUniformLocation(this.program, "u_size"), size * (window.devicePixelRatio || 1));
    gl.bindVertexArray(this.vao);
    gl.drawArrays(gl.POINTS, 0, this.count);
    gl.bindVertexArray(null);
  }

  dispose(): void {
    const gl = this.gl;
    this.cancelOffscreen();
    this.deleteFramebuffer();
    gl.deleteBuffer(this.positions);
    gl.deleteBuffer(this.colours);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.program);
  }
}

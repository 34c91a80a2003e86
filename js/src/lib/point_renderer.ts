// A small WebGL2 point renderer: gl.POINTS from a float32 position buffer and an RGBA uint8
// colour buffer; alpha 0 discards a point (a hidden class). Draws on demand.
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

  setColours(rgba: Uint8Array): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.colours);
    gl.bufferData(gl.ARRAY_BUFFER, rgba, gl.DYNAMIC_DRAW);
  }

  /** Draw every point with view-projection `vp` at `size` CSS px (times the pixel ratio). */
  draw(vp: Mat4, size: number, background: [number, number, number]): void {
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
    gl.deleteBuffer(this.positions);
    gl.deleteBuffer(this.colours);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.program);
  }
}

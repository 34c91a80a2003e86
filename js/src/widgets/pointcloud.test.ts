import { describe, expect, it } from "vitest";
import { pointColours } from "../lib/point_colours";
import { editable, paintable } from "./pointcloud/edits";
import { indicesOf } from "../lib/selection";
import { decodeFrame, dequantise, robustBounds } from "../lib/point_frame";

function frameMessage() {
  const xyz = new Uint8Array(new Uint16Array([0, 0, 0, 65535, 65535, 65535]).buffer);
  return {
    info: { id: 0, kind: "points", n: 2, offset: [1, 2, 3], scale: [0.5, 1, 2], label_dtype: "u1" as const, xyz_buffer: 0, labels_buffer: 1, proposal_buffer: 2 },
    buffers: [new DataView(xyz.buffer), new DataView(Uint8Array.from([0, 2]).buffer), new DataView(Uint8Array.from([1, 1]).buffer)],
  };
}

describe("point frames", () => {
  it("dequantise in float64 and store float32, as the kernel's view_positions", () => {
    const out = dequantise(Uint16Array.from([3, 7, 65535]), [0.1, -5, 2], [0.001, 0.0003, 1e-4]);
    expect(out[0]).toBe(Math.fround(0.1 + 3 * 0.001));
    expect(out[2]).toBe(Math.fround(2 + 65535 * 1e-4));
  });
  it("decode a frame: positions, labels - 1, proposals, bounds", () => {
    const { info, buffers } = frameMessage();
    const f = decodeFrame(info, buffers);
    expect(Array.from(f.xyz)).toEqual([1, 2, 3, Math.fround(1 + 65535 * 0.5), 2 + 65535, 3 + 65535 * 2]);
    expect(Array.from(f.labels)).toEqual([-1, 1]);
    expect(Array.from(f.proposal ?? [])).toEqual([0, 0]);
    expect(f.lo).toEqual([1, 2, 3]);
  });
  it("robust bounds ignore a few far points", () => {
    const xyz = new Float32Array(300);
    for (let i = 0; i < 100; i++) xyz.set([i / 100, i / 100, 0], 3 * i);
    xyz.set([1000, 1000, 1000], 297);
    const [lo, hi] = robustBounds(xyz);
    expect(hi[0]).toBeLessThan(1);
    expect(lo[0]).toBeGreaterThanOrEqual(0);
  });
  it("colours by label, hides hidden classes, shows disagreement; editable honours protection", () => {
    const { info, buffers } = frameMessage();
    const f = decodeFrame(info, buffers);
    const rgba = pointColours(f, { mode: "label", colours: ["#ff0000", "#00ff00"], hidden: new Set([1]), selected: new Uint8Array(2) });
    expect(Array.from(rgba)).toEqual([150, 150, 150, 255, 0, 255, 0, 0]);
    const dis = pointColours(f, { mode: "disagreement", colours: ["#ff0000", "#00ff00"], hidden: new Set(), selected: new Uint8Array(2) });
    expect(Array.from(dis.slice(4, 8))).toEqual([255, 0, 200, 255]); // labelled 1, proposed 0
    const ok = editable(f, { onlyUnlabelled: () => true, onlyVisible: () => true, hidden: () => new Set([-1]) });
    expect([ok(0), ok(1)]).toEqual([false, false]);
    const ok2 = editable(f, { onlyUnlabelled: () => false, onlyVisible: () => false, hidden: () => new Set() });
    expect([ok2(0), ok2(1)]).toEqual([true, true]);
  });
});

describe("paintable", () => {
  it("is indicesOf(selected) narrowed by editable and by what the paint changes", () => {
    let s = 7;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const n = 400;
    const frame = {
      id: 0, n, xyz: new Float32Array(3 * n), labels: Int16Array.from({ length: n }, () => Math.floor(r() * 4) - 1),
      instances: Uint16Array.from({ length: n }, () => Math.floor(r() * 3)), lo: [0, 0, 0], hi: [1, 1, 1],
    } as unknown as Parameters<typeof editable>[0];
    const selected = Uint8Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0));
    for (const protect of [false, true]) {
      for (const visible of [false, true]) {
        for (const hidden of [new Set<number>(), new Set([-1]), new Set([0, 2])]) {
          for (const [k, instance] of [[1, null], [-1, null], [2, 1]] as [number, number | null][]) {
            const st = { onlyUnlabelled: () => protect, onlyVisible: () => visible, hidden: () => hidden };
            const ok = editable(frame, st);
            const want = indicesOf(selected, (i) => ok(i) && (frame.labels[i] !== k || (instance !== null && frame.instances[i] !== instance)));
            expect(Array.from(paintable(frame, selected, st, k, instance))).toEqual(Array.from(want));
          }
        }
      }
    }
  });
});

describe("point edits through the ledger", () => {
  async function setup(protect = false, onChanged: () => void = () => undefined) {
    const { EditLedger } = await import("../lib/ledger");
    const { StatusLine } = await import("../lib/status");
    const { PointEdits } = await import("./pointcloud/edits");
    // @ts-expect-error plain JS helper without type declarations
    const { createFakeModel } = await import("../../testing/fake-model.js");
    const model = createFakeModel({ n_done: 0 });
    const status = new StatusLine();
    const ledger = new EditLedger(model, { status, repaint: () => undefined, progress: () => undefined });
    model.on("msg:custom", (msg: Record<string, unknown>) => ledger.channel.handle(msg));
    const { info, buffers } = frameMessage();
    const frame = decodeFrame(info, buffers);
    const selected = Uint8Array.from([1, 1]);
    let changed = 0;
    const edits = new PointEdits(ledger, status, {
      frame: () => frame, selected: () => selected, onlyUnlabelled: () => protect, onlyVisible: () => false, hidden: () => new Set(),
      nClasses: () => 2, instanceMode: () => false, instance: () => 1, changed: () => { changed += 1; onChanged(); }, clearSelection: () => selected.fill(0),
    });
    return { model, ledger, frame, selected, edits, changed: () => changed };
  }
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it("paint changes the view's copy at once and sends the indices as one binary buffer", async () => {
    const t = await setup();
    t.edits.paint(0);
    expect(Array.from(t.frame.labels)).toEqual([0, 0]);
    expect(Array.from(t.selected)).toEqual([0, 0]);
    const sent = t.model.sent.at(-1);
    expect(sent.content).toMatchObject({ type: "paint", item_id: 0, class: 0, count: 2, encoding: "bitmask", instance: null });
    expect(Array.from(new Uint8Array(sent.buffers[0]))).toEqual([0b11]);
  });

  it("the paint leaves for the kernel before the view recolours (slow over a million points)", async () => {
    let sentAtRecolour = -1;
    const t = await setup(false, () => (sentAtRecolour = t.model.sent.length));
    const before = t.model.sent.length;
    t.edits.paint(0);
    expect(sentAtRecolour).toBe(before + 1);
    expect(t.changed()).toBe(1);
  });

  it("a refusal restores the labels; overwrite protection leaves labelled points out", async () => {
    const t = await setup(true);
    t.edits.paint(0); // point 1 is labelled (1): protected
    const sent = t.model.sent.at(-1);
    expect(sent.content).toMatchObject({ count: 1, only_unlabelled: true });
    expect(Array.from(t.frame.labels)).toEqual([0, 1]);
    t.model.kernelSend({ type: "refused", client: t.ledger.channel.client, seq: sent.content.seq, message: "no" });
    await flush();
    expect(Array.from(t.frame.labels)).toEqual([-1, 1]);
    expect(t.changed()).toBeGreaterThanOrEqual(2);
  });

  it("undo pops the stack and asks the kernel (which answers with the frame's labels)", async () => {
    const t = await setup();
    t.edits.paint(1);
    t.edits.undoRedo("undo");
    expect(t.model.lastSent("undo")).toMatchObject({ type: "undo", item_id: 0 });
    t.edits.undoRedo("redo");
    expect(t.model.lastSent("redo")).toMatchObject({ type: "redo", item_id: 0 });
  });
});

describe("point view keys", () => {
  it("bind no host key, no key twice (but Escape's guard), and describe every one", async () => {
    const { pointKeys } = await import("./pointcloud/keys");
    const { HOST_KEYS } = await import("../lib/keyboard");
    const noop = () => undefined;
    const bindings = pointKeys({
      classes: () => ["a", "b"], paint: noop, setTool: noop, setView: noop, nextColour: noop, disagreement: noop, toggleUnlabelled: noop,
      toggleVisible: noop, showAll: noop, accept: noop, newInstance: noop, selectInstances: noop, pointSize: noop, step: noop,
      severalFrames: () => false, instanceMode: () => false, undoRedo: noop, clear: noop, clearable: () => false,
    });
    const keys = bindings.flatMap((b) => b.keys);
    expect(keys.filter((k) => HOST_KEYS.has(k))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(bindings.every((b) => (typeof b.description === "function" ? b.description() : b.description).length > 3)).toBe(true);
    const escape = bindings.find((b) => b.keys.includes("Escape"));
    expect(escape?.when?.()).toBe(false); // an idle Escape leaves the widget
    for (const k of ["l", "b", "r", "o", "t", "s", "p", "u", "v", "a", "A", "Ctrl+Z", "1", "2"]) expect(keys).toContain(k);
  });
});

import { describe, expect, it } from "vitest";
import widget, { boxAt, boxesOn, boxUnder, keyBefore, openProposals, withKey } from "./tracks";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const KEYS: Any[] = [[0, 0, 0, 10, 10, "human"], [4, 8, 4, 14, 10, "human"], [10, 8, 4, 14, 10, "adjusted"]];

describe("track geometry", () => {
  it("keyBefore finds the last key at or before a frame", () => {
    expect([-1, 0, 3, 4, 9, 10, 50].map((f) => keyBefore(KEYS, f))).toEqual([-1, 0, 0, 1, 1, 2, 2]);
  });

  it("boxAt: keyframes as they are, linear in between (as tracks.interpolate), nothing outside", () => {
    expect(boxAt(KEYS, 0)).toEqual({ x: 0, y: 0, w: 10, h: 10, kind: "key" });
    expect(boxAt(KEYS, 2)).toEqual({ x: 4, y: 2, w: 12, h: 10, kind: "interpolated" });
    expect(boxAt(KEYS, 7)?.kind).toBe("interpolated");
    expect(boxAt(KEYS, -1)).toBeNull();
    expect(boxAt(KEYS, 11)).toBeNull();
    expect(boxAt(KEYS, 11, true)).toEqual({ x: 8, y: 4, w: 14, h: 10, kind: "held" });
  });

  it("withKey replaces or inserts a keyframe, keeping keys sorted", () => {
    const t = { id: 0, class: "car", keys: KEYS };
    expect(withKey(t, 2, { x: 1, y: 1, w: 2, h: 2 }, "human").keys.map((k) => k[0])).toEqual([0, 2, 4, 10]);
    expect(withKey(t, 4, { x: 1, y: 1, w: 2, h: 2 }, "human").keys[1]).toEqual([4, 1, 1, 2, 2, "human"]);
    expect(t.keys.length).toBe(3); // the original is untouched
  });

  it("boxesOn lists tracks (the selected one held after its end) and open proposals; boxUnder picks the smallest", () => {
    const it = {
      id: 0, kind: "image" as const,
      tracks: [{ id: 0, class: "car", keys: KEYS }, { id: 1, class: "person", keys: [[2, 2, 2, 4, 4, "human"]] as Any }],
      proposals: [{ id: "p0", class: "car", score: 0.9, keys: [[2, 0, 0, 30, 30]] as Any }, { id: "p1", class: "car", score: 0.5, keys: [[2, 0, 0, 5, 5]] as Any }],
      decided: { p1: "rejected" },
    };
    expect(openProposals(it).map((p) => p.id)).toEqual(["p0"]);
    const on2 = boxesOn(it, 2, null);
    expect(on2.map((b) => [b.track, b.kind, b.proposal])).toEqual([[0, "interpolated", false], [1, "key", false], ["p0", "key", true]]);
    expect(boxUnder(on2, 3, 3, 0)?.track).toBe(1);
    expect(boxUnder(on2, 25, 25, 0)?.track).toBe("p0");
    expect(boxUnder(on2, 50, 50, 0)).toBeNull();
    expect(boxesOn(it, 5, 1).map((b) => [b.track, b.kind])).toEqual([[0, "interpolated"], [1, "held"]]);
  });
});

describe("TrackAnnotator view", () => {
  it("renders, asks for the video's frames, and sends nothing else before an edit", async () => {
    const model = createFakeModel({
      classes: ["car", "person"], display_height: 200, order: [0], position: 0, n_done: 0,
      title: "Tracks", task: "t", annotator: "a", autofocus: false, version: "",
    });
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = widget.render({ model, el } as Any) as () => void;
    const fetches = model.sent.filter((m: Any) => m.content.type === "fetch");
    expect(fetches.length).toBe(1);
    model.kernelSend({ type: "items", items: [{ id: 0, kind: "image", mime: "image/jpeg", buffer: 0, width: 64, height: 48,
      n_frames: 30, fps: 25, times: Array.from({ length: 30 }, (_, i) => i / 25), tracks: [], proposals: [], decided: {} }] }, [new Uint8Array([1])]);
    await flush();
    const asked = model.sent.map((m: Any) => m.content).filter((c: Any) => c.type === "frames");
    expect(asked.length).toBeGreaterThan(0);
    expect(asked[0].item_id).toBe(0);
    expect(asked[0].frames[0]).toBe(0); // the playhead first
    expect(asked[0].frames.length).toBeLessThanOrEqual(32);
    const root = el.querySelector(".hitl-tracks") as HTMLElement;
    expect(root.querySelector("canvas.hitl-track-canvas")).not.toBeNull();
    expect(root.querySelector("canvas.hitl-timeline")).not.toBeNull();
    expect(model.sent.map((m: Any) => m.content.type).filter((t: string) => t !== "fetch" && t !== "frames")).toEqual([]);
    cleanup();
  });

  it("undo / redo say which video, by its place as the header counts (\"video 2\", not \"item 2\")", async () => {
    const model = createFakeModel({
      classes: ["car"], display_height: 200, order: [829, 17], position: 1, n_done: 0,
      title: "Tracks", task: "t", annotator: "a", autofocus: false, version: "",
    });
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = widget.render({ model, el } as Any) as () => void;
    const info = (id: number) => ({ id, kind: "image", mime: "image/jpeg", buffer: 0, width: 64, height: 48, n_frames: 30, fps: 25,
      times: Array.from({ length: 30 }, (_, i) => i / 25), tracks: [], proposals: [], decided: {} });
    model.kernelSend({ type: "items", items: [info(829), info(17)] }, [new Uint8Array([1])]);
    await flush();
    const root = el.querySelector(".hitl-tracks") as HTMLElement;
    expect(root.querySelector(".hitl-position")?.textContent).toContain("video 2"); // the header counts videos too
    const press = (key: string, init: KeyboardEventInit = {}) =>
      root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
    const last = () => model.sent.map((m: Any) => m.content).filter((c: Any) => c.type === "undo" || c.type === "redo").at(-1);
    press("z", { ctrlKey: true });
    expect(last()).toMatchObject({ type: "undo", item_id: 17 });
    model.kernelSend({ type: "ack", client: last().client, seq: last().seq, tracks: [], decided: {}, n_done: 0, undone: "key" });
    await flush();
    const message = root.querySelector(".hitl-status-message") as HTMLElement;
    expect(message.textContent).toBe("undone on video 2: a keyframe");
    expect(message.title).toBe("item id 17");
    press("y", { ctrlKey: true });
    expect(last()).toMatchObject({ type: "redo", item_id: 17 });
    model.kernelSend({ type: "ack", client: last().client, seq: last().seq, tracks: [], decided: {}, n_done: 0, redone: "key" });
    await flush();
    expect(message.textContent).toBe("redone on video 2: a keyframe");
    cleanup();
  });
});

import { describe, expect, it } from "vitest";
import { frameText, nudged, openProposals, pendingRange, proposalAt } from "./segmenter";
import { timelineIndices, VideoInfo } from "./segmenter/model";

const info: VideoInfo = {
  id: 0, kind: "image", n_frames: 50, times: Array.from({ length: 50 }, (_, i) => i / 25),
  segments: [{ id: "a", parent: null, class: "run", start: 3, end: 9, source: "human", score: null, proposal: null }],
  proposals: [
    { id: "p0", class: "jump", start: 10, end: 20, score: 0.9 },
    { id: "p1", class: "run", start: 15, end: 30, score: 0.6 },
    { id: "p2", class: "run", start: 0, end: 5, score: 0.2 },
  ],
  decided: { p0: "rejected" },
};

describe("segmenter model", () => {
  it("offers the open proposals above the threshold, best first under the playhead", () => {
    expect(openProposals(info, 0.5).map((p) => p.id)).toEqual(["p1"]);
    expect(openProposals(info, 0).map((p) => p.id)).toEqual(["p1", "p2"]);
    expect(proposalAt(openProposals(info, 0), 16)?.id).toBe("p1");
    expect(proposalAt(openProposals(info, 0), 12)).toBeUndefined();
  });
  it("builds class lanes for the timeline", () => {
    const idx = timelineIndices(info, ["run", "jump"], 0);
    expect(idx.segments.visible(0, 49).map((s) => [s.id, s.cls])).toEqual([["a", 0]]);
    expect(idx.proposals.visible(0, 49).map((s) => [s.id, s.proposal])).toEqual([["p2", true], ["p1", true]]);
    expect(idx.both.neighbour(3, 1)?.id).toBe("p1");
  });
  it("orders marks, fills a missing one with the frame shown, and nudges within the video", () => {
    expect(pendingRange({ start: 12, end: null }, 20)).toEqual([12, 20]);
    expect(pendingRange({ start: null, end: 4 }, 20)).toEqual([4, 20]);
    expect(pendingRange({ start: 30, end: 4 }, 20)).toEqual([4, 30]);
    expect(nudged({ start: 3, end: 9 }, "start", -1, 50)).toEqual({ start: 2, end: 9 });
    expect(nudged({ start: 0, end: 9 }, "start", -1, 50)).toBeNull();
    expect(nudged({ start: 3, end: 3 }, "end", -1, 50)).toBeNull();
    expect(nudged({ start: 3, end: 49 }, "end", 1, 50)).toBeNull();
  });
  it("reads out the painted frame and its time", () => {
    expect(frameText(12, 50, info.times ?? [])).toBe("frame 12 / 49 · 0.480 s");
    expect(frameText(-1, 50, [])).toBe("loading frame…");
  });
});

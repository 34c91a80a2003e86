import { describe, expect, it } from "vitest";
import { dragFrames, nudged, offsetFits, offsetFromMarks, offsetText, proposalText, videoEnd } from "./av_align";

describe("AVAlignReview view helpers", () => {
  it("nudges by frames of the nominal rate and marks set the offset from a frame's time", () => {
    expect(nudged(0.2, 1, 25)).toBeCloseTo(0.24, 12);
    expect(nudged(0.2, -10, 25)).toBeCloseTo(-0.2, 12);
    expect(offsetFromMarks([0, 0.04, 0.1], 2, 0.03)).toBeCloseTo(0.07, 12);
    expect(dragFrames(30, 0.004, 25)).toBe(3); // 0.12 s = 3 frames
    expect(dragFrames(-2, 0.004, 25)).toBe(0); // under half a frame: none (-0 is 0)
  });

  it("keeps the recording overlapping the video, as the kernel does", () => {
    expect(videoEnd([0, 0.04, 0.08], 25)).toBeCloseTo(0.12, 12);
    expect(videoEnd([0], 25)).toBeCloseTo(0.04, 12);
    expect(offsetFits(0.5, 2, 2)).toBe(true);
    expect(offsetFits(-2, 2, 2)).toBe(false);
    expect(offsetFits(2, 2, 2)).toBe(false);
    expect(offsetFits(NaN, 2, 2)).toBe(false);
  });

  it("says the offset in seconds and frames, and the proposal with its score and note", () => {
    expect(offsetText(0.28, 25)).toBe("+0.280 s (+7.00 frames)");
    expect(offsetText(-0.04, 25)).toBe("−0.040 s (−1.00 frames)");
    expect(proposalText({ offset_s: 0.28, score: 0.834, margin: 0.6, ambiguous: false, method: "cross-correlation", note: "" }, 25))
      .toBe("proposed +0.280 s (+7.00 frames) · cross-correlation score 0.83, margin 0.60");
    expect(proposalText({ offset_s: 0, score: null, margin: null, ambiguous: false, method: "none", note: "mark an event" }, 25))
      .toBe("proposed +0.000 s (+0.00 frames) · mark an event");
  });
});

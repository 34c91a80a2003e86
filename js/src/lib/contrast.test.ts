import { describe, expect, it } from "vitest";
import { contrastRatio, hex, luminance, mix, onThemeChange, parseColour, textOn, themeColour } from "./contrast";

describe("contrast", () => {
  it("parses the colour forms browsers report", () => {
    expect(parseColour("#1976d2")).toEqual([25, 118, 210]);
    expect(parseColour(" #fff ")).toEqual([255, 255, 255]);
    expect(parseColour("#11223380")).toEqual([17, 34, 51]);
    expect(parseColour("rgb(1, 2, 3)")).toEqual([1, 2, 3]);
    expect(parseColour("rgba(10, 20, 30, 0.5)")).toEqual([10, 20, 30]);
    expect(parseColour("color(srgb 1 0.5 0)")).toEqual([255, 127.5, 0]);
    expect(parseColour("var(--x)")).toBeNull();
    expect(parseColour("")).toBeNull();
  });

  it("computes WCAG luminance and contrast ratios", () => {
    expect(luminance([0, 0, 0])).toBe(0);
    expect(luminance([255, 255, 255])).toBeCloseTo(1, 6);
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 6);
    expect(contrastRatio([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 6); // symmetric
    expect(contrastRatio([119, 119, 119], [255, 255, 255])).toBeCloseTo(4.48, 2); // #777 on white: just fails AA
    expect(contrastRatio([118, 118, 118], [255, 255, 255])).toBeCloseTo(4.54, 2); // #767676: the AA grey
  });

  it("mixes like color-mix(in srgb) and picks the readable text colour", () => {
    expect(mix([255, 0, 0], [0, 0, 255], 0.25)).toEqual([63.75, 0, 191.25]);
    expect(mix([255, 0, 0], [0, 0, 255], 2)).toEqual([255, 0, 0]);
    expect(textOn([255, 255, 255])).toEqual([0, 0, 0]);
    expect(textOn([20, 20, 20])).toEqual([255, 255, 255]);
    expect(textOn([25, 118, 210])).toEqual([255, 255, 255]); // the light theme's accent
    expect(textOn([56, 142, 60])).toEqual([0, 0, 0]); // the success green: black reads better
    // whatever the background, the chosen text reaches AA (4.5:1)
    for (let v = 0; v < 256; v += 5) {
      for (const bg of [[v, v, v], [v, 255 - v, 0], [0, v, 255], [255, 0, v]] as Array<[number, number, number]>) {
        expect(contrastRatio(textOn(bg), bg)).toBeGreaterThanOrEqual(4.5);
      }
    }
    expect(hex([25, 118, 210])).toBe("#1976d2");
    expect(hex([300, -4, 0.4])).toBe("#ff0000");
  });

  it("reads theme colours from custom properties, with a fallback", () => {
    const el = document.createElement("div");
    expect(themeColour(el, "--c", "#010203")).toEqual([1, 2, 3]); // not in the page
    document.body.append(el);
    el.style.setProperty("--c", "#0a0b0c");
    expect(themeColour(el, "--c", "#010203")).toEqual([10, 11, 12]);
    el.remove();
  });

  it("calls back when JupyterLab's theme attribute changes", async () => {
    let calls = 0;
    const stop = onThemeChange(() => calls++);
    document.body.dataset.jpThemeName = "JupyterLab Dark";
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    stop();
    document.body.dataset.jpThemeName = "JupyterLab Light";
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
  });
});

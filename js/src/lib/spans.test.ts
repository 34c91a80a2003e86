import { describe, expect, it } from "vitest";
import { Piece, renderPieces, spanOf, wordCount, wordIndex } from "./spans";

const PIECES: Piece[] = [["<img src=x onerror=alert(1)>", 1], [" ", 0], ["two", 1], [", ", 0], ["مرحبا", 1]];

describe("spans", () => {
  it("orders a span and counts words", () => {
    expect(spanOf(3, 1)).toEqual({ t0: 1, t1: 3 });
    expect(wordCount(PIECES)).toBe(3);
  });
  it("renders pieces as literal text with word indices", () => {
    const div = document.createElement("div");
    div.append(renderPieces(PIECES, (n) => (n === 1 ? ["hitl-selected"] : [])));
    expect(div.textContent).toBe("<img src=x onerror=alert(1)> two, مرحبا");
    expect(div.querySelector("img")).toBeNull();
    const words = div.querySelectorAll(".hitl-word");
    expect(words.length).toBe(3);
    expect(words[1].classList.contains("hitl-selected")).toBe(true);
    expect(wordIndex(words[2])).toBe(2);
    expect(wordIndex(div)).toBe(-1);
  });
});

import { describe, expect, it } from "vitest";
import { listenWordDrag, Piece, renderPieces, spanOf, wordCount, wordIndex } from "./spans";

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
  it("reports a press on a word and the words moved over", () => {
    const root = document.createElement("div");
    root.tabIndex = 0;
    const div = document.createElement("div");
    root.append(div);
    document.body.append(root);
    div.append(renderPieces(PIECES));
    const got: string[] = [];
    listenWordDrag(div, root, (n) => got.push(`press ${n}`), (n) => got.push(`over ${n}`));
    const words = div.querySelectorAll(".hitl-word");
    const down = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
    words[1].dispatchEvent(down);
    words[2].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    div.dispatchEvent(new MouseEvent("mousedown", { bubbles: true })); // not on a word
    expect(got).toEqual(["press 1", "over 2"]);
    expect(down.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(root);
  });
});

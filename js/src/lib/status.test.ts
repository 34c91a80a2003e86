import { describe, expect, it } from "vitest";
import { saveSuffix, StatusLine } from "./status";

function parts(s: StatusLine) {
  return {
    message: s.node.querySelector(".hitl-status-message") as HTMLElement,
    saved: s.node.querySelector(".hitl-status-saved") as HTMLElement,
  };
}

describe("StatusLine", () => {
  it("has a message (a polite status region) and a saved badge", () => {
    const s = new StatusLine();
    const { message, saved } = parts(s);
    expect(s.node.className).toBe("hitl-status");
    expect(message.getAttribute("role")).toBe("status");
    expect(message.textContent).toBe("");
    expect(saved).not.toBeNull();
  });

  it("error() marks the message as an alert; info() and clear() undo that", () => {
    const s = new StatusLine();
    const { message } = parts(s);
    s.error("refused: unknown class");
    expect(message.textContent).toBe("refused: unknown class");
    expect(message.classList.contains("hitl-error")).toBe(true);
    expect(message.getAttribute("role")).toBe("alert");
    s.info("undo: item 3");
    expect(message.textContent).toBe("undo: item 3");
    expect(message.classList.contains("hitl-error")).toBe(false);
    expect(message.getAttribute("role")).toBe("status");
    s.error("again");
    s.clear();
    expect(message.textContent).toBe("");
    expect(message.classList.contains("hitl-error")).toBe(false);
  });

  it("shows messages as literal text", () => {
    const s = new StatusLine();
    s.error(`<img src=x onerror="window.__hitlPwned = 1">`);
    expect(parts(s).message.textContent).toBe(`<img src=x onerror="window.__hitlPwned = 1">`);
    expect(s.node.querySelector("img")).toBeNull();
  });

  it("setSaved() shows all saved / n unsaved / n not saved", () => {
    const s = new StatusLine();
    const { saved } = parts(s);
    s.setSaved(0, 0);
    expect(saved.textContent).toBe("all saved");
    expect(saved.classList.contains("hitl-unsaved")).toBe(false);
    expect(saved.classList.contains("hitl-error")).toBe(false);
    s.setSaved(2, 0);
    expect(saved.textContent).toBe("2 unsaved");
    expect(saved.classList.contains("hitl-unsaved")).toBe(true);
    expect(saved.classList.contains("hitl-error")).toBe(false);
    s.setSaved(1, 3); // failures win the text
    expect(saved.textContent).toBe("3 not saved");
    expect(saved.classList.contains("hitl-error")).toBe(true);
    s.setSaved(0, 0);
    expect(saved.textContent).toBe("all saved");
    expect(saved.classList.contains("hitl-unsaved")).toBe(false);
    expect(saved.classList.contains("hitl-error")).toBe(false);
  });

  it("info() with an item: showing() of another item (or of none) clears it, of the same item keeps it", () => {
    const s = new StatusLine();
    const { message } = parts(s);
    s.info("accepted 1 proposal", { item: 829, title: "item id 829" });
    expect(message.textContent).toBe("accepted 1 proposal");
    expect(message.title).toBe("item id 829");
    s.showing(829);
    expect(message.textContent).toBe("accepted 1 proposal"); // the same item: stays
    s.showing(830);
    expect(message.textContent).toBe("");
    expect(message.hasAttribute("title")).toBe(false);
    s.info("undo: image 2", { item: [1, "a"] }); // compound ids compare by value
    s.showing([1, "a"]);
    expect(message.textContent).toBe("undo: image 2");
    s.showing(undefined); // the end screen
    expect(message.textContent).toBe("");
  });

  it("a message without an item stays across items; a newer message replaces the owner", () => {
    const s = new StatusLine();
    const { message } = parts(s);
    s.info("kept");
    s.showing(1);
    expect(message.textContent).toBe("kept");
    s.info("of item 1", { item: 1 });
    s.error("refused: no"); // no item: not cleared by a step
    s.showing(2);
    expect(message.textContent).toBe("refused: no");
    expect(message.getAttribute("role")).toBe("alert");
    s.error("bad", { item: 2 });
    expect(message.classList.contains("hitl-error")).toBe(true);
    s.showing(3);
    expect(message.textContent).toBe("");
    expect(message.classList.contains("hitl-error")).toBe(false);
  });

  it("the saved badge and the message are independent", () => {
    const s = new StatusLine();
    s.error("boom");
    s.setSaved(1, 0);
    s.clear();
    expect(parts(s).saved.textContent).toBe("1 unsaved");
  });
});

describe("saveSuffix", () => {
  it("marks a change unsaved while pending, NOT saved once failed, and nothing once acknowledged", () => {
    expect(saveSuffix("pending")).toBe(" (unsaved)");
    expect(saveSuffix("failed")).toBe(" (NOT saved)");
    expect(saveSuffix(undefined)).toBe("");
  });

  describe("a message belongs to its item", () => {
    it("is cleared when the view shows another item; kept while it shows the same one", () => {
      const s = new StatusLine();
      const { message } = parts(s);
      s.showing(26);
      s.info("adjudicating item 26", { item: 26 });
      s.showing(26);
      expect(message.textContent).toBe("adjudicating item 26");
      s.showing(47);
      expect(message.textContent).toBe("");
      s.error("refused: unknown class", { item: 47 });
      s.showing(undefined); // the end screen
      expect(message.textContent).toBe("");
      expect(message.classList.contains("hitl-error")).toBe(false);
    });

    it("said about an item not shown (a late answer), it stays until the view moves on; ids compare by value", () => {
      const s = new StatusLine();
      const { message } = parts(s);
      s.showing(["a", 1]);
      s.info("refused: item 3", { item: ["b", 2] });
      s.showing(["b", 2]);
      expect(message.textContent).toBe("refused: item 3");
      s.showing(["a", 1]);
      expect(message.textContent).toBe("");
    });

    it("a message about no item stays until the next message", () => {
      const s = new StatusLine();
      const { message } = parts(s);
      s.showing(2);
      s.info("no disagreements to adjudicate");
      s.showing(3);
      expect(message.textContent).toBe("no disagreements to adjudicate");
      s.info("");
      expect(message.textContent).toBe("");
    });

    it("takes a tooltip (e.g. the internal id), dropped by the next message", () => {
      const s = new StatusLine();
      const { message } = parts(s);
      s.info("undo: item 4 / 100", { title: "item id 829" });
      expect(message.title).toBe("item id 829");
      s.info("next");
      expect(message.hasAttribute("title")).toBe(false);
    });
  });
});

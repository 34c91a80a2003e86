import { afterEach, describe, expect, it } from "vitest";
import widget, { summaryText } from "./gate";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const SUMMARY = {
  status: "pending", n: 3, c: 1, threshold: 0.9, reviewed: 0, accepted: 0, rejected: 0,
  acceptance_rate: null, ci_low: null, ci_high: null,
};

async function setup(state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    reasons: ["blurry", "<b>bold</b>"],
    summary: SUMMARY,
    side_by_side: true,
    display_size: 128,
    order: [5, 6, 7],
    position: 0,
    n_done: 0,
    title: "Gate",
    autofocus: false,
    version: "",
    ...state,
  });
  const outer = document.createElement("div");
  const el = document.createElement("div");
  outer.append(el);
  document.body.append(outer);
  const leaked: string[] = [];
  outer.addEventListener("keydown", (e) => leaked.push(e.key));
  const cleanup = (widget as Any).render({ model, el }) as () => void;
  const root = el.querySelector(".hitl-gate") as HTMLElement;
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({
      type: "items",
      items: c.ids.map((id: number) => ({
        id, kind: "text", text: `augmented ${id}`, original_kind: "text", original_text: `original ${id}`,
        verdict: null, reason: null, stratum: "flip",
      })),
    });
  }
  await flush();
  const press = (key: string) => {
    const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
    root.dispatchEvent(e);
    return e;
  };
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, press, q, leaked, cleanup };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("gate view", () => {
  it("shows the item beside its original, as text", async () => {
    const { root, q } = await setup();
    expect(root.classList.contains("hitl-root")).toBe(true);
    const texts = [...root.querySelectorAll(".hitl-pane .hitl-text")].map((n) => n.textContent);
    expect(texts).toEqual(["original 5", "augmented 5"]);
    expect(q(".hitl-verdict").textContent).toBe("undecided");
    expect(q(".hitl-stratum").textContent).toBe("stratum: flip");
    expect(q(".hitl-position").textContent).toBe("item 1 / 3");
    // reason codes from Python are text, never HTML
    expect(root.querySelectorAll(".hitl-reason b").length).toBe(0);
    expect(root.querySelectorAll(".hitl-reason")[1].textContent).toBe("2<b>bold</b>");
  });

  it("A accepts and advances at once; the decision is unsaved until acked", async () => {
    const { model, press, q, leaked } = await setup();
    const e = press("a");
    expect(e.defaultPrevented).toBe(true);
    expect(leaked).toEqual([]);
    const sent = model.lastSent("decide");
    expect(sent).toMatchObject({ item_id: 5, verdict: "accept", reason: null });
    expect(q(".hitl-position").textContent).toBe("item 2 / 3");
    expect(q(".hitl-status-saved").textContent).toBe("1 unsaved");
    model.kernelSend({ type: "ack", client: sent.client, seq: sent.seq, verdict: "accept", reason: null });
    await flush();
    expect(q(".hitl-status-saved").textContent).toBe("all saved");
    press("ArrowLeft");
    expect(q(".hitl-verdict").textContent).toBe("accepted");
  });

  it("R then a digit, or a digit alone, rejects with that reason code", async () => {
    const { model, press, q } = await setup();
    press("r");
    expect(q(".hitl-reasons").classList.contains("hitl-choosing")).toBe(true);
    press("2");
    expect(model.lastSent("decide")).toMatchObject({ item_id: 5, verdict: "reject", reason: "<b>bold</b>" });
    press("1");
    expect(model.lastSent("decide")).toMatchObject({ item_id: 6, verdict: "reject", reason: "blurry" });
    press("3"); // only two reasons: not ours, nothing sent
    expect(model.sentContents("decide").length).toBe(2);
  });

  it("the reason prompt belongs to the item: cancelled by Escape, gone on the next item", async () => {
    const { press, q, root } = await setup();
    const message = () => q(".hitl-status-message").textContent;
    press("r");
    expect(message()).toBe("reason? press 1–2");
    press("Escape");
    expect(message()).toBe("");
    press("r");
    press("ArrowRight");
    expect(message()).toBe("");
    expect(q(".hitl-reasons").classList.contains("hitl-choosing")).toBe(false);
    // a mouse click on accept leaves no focus ring on it for the next item
    const accept = q(".hitl-accept");
    accept.focus();
    accept.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(q(".hitl-position").textContent).toBe("item 3 / 3");
    expect(document.activeElement).toBe(root);
  });

  it("a refusal restores the previous verdict and shows the message", async () => {
    const { model, press, q } = await setup();
    press("a");
    const sent = model.lastSent("decide");
    model.kernelSend({ type: "refused", client: sent.client, seq: sent.seq, message: "not in this gate's sample" });
    await flush();
    press("ArrowLeft");
    expect(q(".hitl-verdict").textContent).toBe("undecided");
    expect(q(".hitl-status-message").textContent).toContain("not in this gate's sample");
  });

  it("follows a position set from Python; a new order forgets the old order's undo history", async () => {
    const { model, press, q } = await setup();
    model.kernelSet("position", 2);
    expect(q(".hitl-position").textContent).toBe("item 3 / 3");
    press("a"); // decides 7, then the end screen
    expect(model.lastSent("decide")).toMatchObject({ item_id: 7 });
    model.kernelSet("order", [8, 9]);
    model.kernelSet("position", 0);
    expect(q(".hitl-position").textContent).toBe("item 1 / 2");
    press("Backspace"); // nothing of the new order decided: undo asks about the item shown
    expect(model.lastSent("undo")).toMatchObject({ item_id: 8 });
  });

  it("Backspace undoes the last decision; the banner follows the summary", async () => {
    const { model, press, q } = await setup();
    press("a");
    press("Backspace");
    expect(model.lastSent("undo")).toMatchObject({ item_id: 5 });
    expect(q(".hitl-position").textContent).toBe("item 1 / 3");
    expect(q(".hitl-status-message").textContent).toBe("undo: item 1"); // the place shown, not the id 5
    expect(q(".hitl-status-message").title).toBe("item id 5");
    model.kernelSet("summary", { ...SUMMARY, status: "failed", reviewed: 2, rejected: 2, acceptance_rate: 0, ci_low: 0, ci_high: 0.84 });
    expect(q(".hitl-gate-banner").textContent).toContain("FAILED · reviewed 2 of 3 · rejected 2 (max 1)");
    expect(q(".hitl-gate-banner").classList.contains("hitl-gate-failed")).toBe(true);
  });

  it("? lists the keys; cleanup removes listeners", async () => {
    const { model, press, q, cleanup } = await setup();
    press("?");
    expect(q(".hitl-help").hidden).toBe(false);
    const rows = [...q(".hitl-help").querySelectorAll("tr")].map((tr) => [...tr.cells].map((c) => c.textContent));
    // each reason key with its reason (as text), and no key for a reason that does not exist
    expect(rows).toContainEqual(["1", "reject: blurry"]);
    expect(rows).toContainEqual(["2", "reject: <b>bold</b>"]);
    expect(rows.some((r) => r[0] === "3")).toBe(false);
    expect(q(".hitl-help b")).toBeNull();
    cleanup();
    expect(model.listenerCount("msg:custom")).toBe(0);
  });

  it("summaryText handles no decisions", () => {
    expect(summaryText(SUMMARY as Any)).toBe("PENDING · reviewed 0 of 3 · rejected 0 (max 1) · no decisions yet");
  });
});

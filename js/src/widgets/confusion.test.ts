import { afterEach, describe, expect, it } from "vitest";
import widget, { rowShares } from "./confusion";
import { classKeys as relabelKeys } from "../lib/classes";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup() {
  const model = createFakeModel({
    classes: ["cat", "dog"], matrix: [[3, 1], [2, 4]], normalize: false,
    class_metrics: [{ class: "cat", precision: 0.6, recall: 0.75, f1: 0.67, support: 4 }, { class: "dog", precision: 0.8, recall: 0.67, f1: 0.73, support: 6 }],
    accuracy: 0.7, n_items: 10, cell: [], n_issues: 2, has_proba: true, n_relabelled: 0, thumb_size: 40,
    title: "CM", autofocus: false, version: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-confusion") as HTMLElement;
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  const intents = () => model.sent.map((m: Any) => m.content).filter((c: Any) => c.type !== "fetch");
  const ack = async (extra: Record<string, unknown>) => {
    const last = intents().at(-1);
    model.kernelSend({ type: "ack", client: last.client, seq: last.seq, intent: last.type, ...extra });
    await flush();
  };
  return { model, root, press, intents, ack, cleanup };
}

describe("ConfusionDashboard view", () => {
  let cleanups: Array<() => void> = [];
  afterEach(() => {
    cleanups.forEach((f) => f());
    cleanups = [];
    document.body.replaceChildren();
  });

  it("helpers", () => {
    expect(relabelKeys([0, 1, 2])).toEqual(["0", "1", "2"]);
    expect(relabelKeys(["a", "b"])).toEqual(["1", "2"]);
    expect(rowShares([[1, 3], [0, 0]])).toEqual([[0.25, 0.75], [0, 0]]);
  });

  it("draws the matrix and metrics; n toggles row shares", () => {
    const t = setup();
    cleanups.push(t.cleanup);
    const cells = [...t.root.querySelectorAll(".hitl-heat-cell")].map((c) => c.textContent);
    expect(cells).toEqual(["3", "1", "2", "4"]);
    expect(t.root.querySelector(".hitl-metrics")!.textContent).toContain("0.75");
    t.press("n");
    expect(t.model.get("normalize")).toBe(true);
    expect([...t.root.querySelectorAll(".hitl-heat-cell")].map((c) => c.textContent)).toEqual(["0.75", "0.25", "0.33", "0.67"]);
  });

  it("arrows + Enter open a cell; ids fill the gallery; a digit relabels the selected item", async () => {
    const t = setup();
    cleanups.push(t.cleanup);
    t.press("ArrowDown");
    t.press("Enter");
    expect(t.intents().at(-1)).toMatchObject({ type: "open_cell", row: 1, col: 0 });
    await t.ack({ ids: [7, 9], total: 2 });
    expect(t.root.querySelector(".hitl-gallery-title")!.textContent).toContain("true dog, predicted cat: 2 items");
    expect(t.root.querySelectorAll(".hitl-tile-option")).toHaveLength(2);
    t.model.kernelSend({ type: "items", items: [7, 9].map((id) => ({ id, kind: "text", text: `t${id}`, label: "dog", pred: "cat" })) });
    await flush();
    expect(t.root.querySelector(".hitl-tile-caption")!.textContent).toBe("dog · pred cat");
    t.press("1"); // relabel item 7 "cat"
    expect(t.intents().at(-1)).toMatchObject({ type: "relabel", item_id: 7, label: "cat" });
    await t.ack({ item_id: 7, label: "cat", row: 0, col: 0 });
    expect(t.root.querySelector(".hitl-tile-caption")!.textContent).toBe("✎ cat · pred cat");
    t.model.kernelSet("matrix", [[4, 1], [1, 4]]);
    expect(t.root.querySelector('.hitl-heat-cell[data-row="1"][data-col="0"]')!.textContent).toBe("1");
    t.press("Escape");
    t.press("1"); // back in the matrix: digits do nothing
    expect(t.intents().filter((c: Any) => c.type === "relabel")).toHaveLength(1);
  });

  it("relabelling to the item's own label is no change: nothing sent, said so; messages name the place and go with the item", async () => {
    const t = setup();
    cleanups.push(t.cleanup);
    t.press("ArrowDown");
    t.press("Enter");
    await t.ack({ ids: [7, 9, 11], total: 3 });
    t.model.kernelSend({ type: "items", items: [7, 9, 11].map((id) => ({ id, kind: "text", text: `t${id}`, label: "dog", pred: "cat" })) });
    await flush();
    const message = () => t.root.querySelector(".hitl-status-message") as HTMLElement;
    expect(t.root.querySelector(".hitl-selection")!.textContent).toMatch(/^item 1 \/ 3 — label dog/);
    t.press("2"); // "dog": its label already
    expect(t.intents().filter((c: Any) => c.type === "relabel")).toHaveLength(0);
    expect(message().textContent).toBe("item 1 / 3 is already labelled dog: nothing changed");
    expect(t.root.querySelectorAll(".hitl-tile-caption")[0].textContent).toBe("dog · pred cat"); // no ✎
    t.press("ArrowRight"); // the selection had moved on to item 2; moving again: the message goes
    expect(message().textContent).toBe("");
    t.press("ArrowLeft");
    t.press("1"); // item 9 (2 / 3) relabelled cat; the selection moves on to 11
    await t.ack({ item_id: 9, label: "cat", row: 0, col: 0 });
    expect(message().textContent).toBe("item 2 / 3 relabelled cat");
    expect(message().title).toBe("item id 9");
    // a kernel that finds the label unchanged (e.g. another view changed it meanwhile) is believed
    t.press("1");
    await t.ack({ item_id: 11, label: "cat", row: 0, col: 0, unchanged: true, event_id: null });
    expect(message().textContent).toBe("item 3 / 3 is already labelled cat: nothing changed");
    expect(t.root.querySelectorAll(".hitl-tile-caption")[2].textContent).toBe("cat · pred cat");
    t.press("ArrowLeft");
    expect(message().textContent).toBe("");
  });

  it("shows a refusal and restores the label", async () => {
    const t = setup();
    cleanups.push(t.cleanup);
    t.press("Enter");
    await t.ack({ ids: [3], total: 1 });
    t.model.kernelSend({ type: "items", items: [{ id: 3, kind: "text", text: "x", label: "cat", pred: "cat" }] });
    await flush();
    t.press("2");
    const last = t.intents().at(-1);
    t.model.kernelSend({ type: "refused", client: last.client, seq: last.seq, message: "unknown class 'dog'" });
    await flush();
    expect(t.root.querySelector(".hitl-status-message")!.textContent).toContain("unknown class");
    expect(t.root.querySelector(".hitl-tile-caption")!.textContent).toBe("cat · pred cat");
  });
});

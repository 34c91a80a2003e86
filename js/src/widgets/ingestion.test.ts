import { afterEach, describe, expect, it } from "vitest";
import widget, { decisionParts, groupText, summaryText } from "./ingestion";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const GROUPS = [
  { key: "near_duplicate", title: "near duplicates", count: 2, undecided: 2, decision: null, label: null },
  { key: "file", title: "unreadable files", count: 1, undecided: 1, decision: null, label: null },
];
const SUMMARY = { status: "pending", n: 3, reviewed: 0, rejected: 0, accepted: 5, n_items: 8 };

async function setup() {
  const model = createFakeModel({
    groups: GROUPS, classes: ["cat", "<b>dog</b>"], summary: SUMMARY, n_done: 0, thumb_size: 32,
    title: "Ingestion", autofocus: false, version: "", task: "ingestion", annotator: "a", store_key: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = (widget as Any).render({ model, el }) as () => void;
  const root = el.querySelector(".hitl-ingestion") as HTMLElement;
  const open = model.lastSent("open_group");
  model.kernelSend({ type: "ack", client: open.client, seq: open.seq, ids: [3, 4], total: 2, group: open.group });
  await flush();
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({
      type: "items",
      items: c.ids.map((id: number) => ({ id, kind: "text", text: `item ${id}`, decision: null, label: null, problem: "<i>near</i>" })),
    });
  }
  await flush();
  const press = (key: string) => {
    const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
    root.dispatchEvent(e);
    return e;
  };
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, press, q, cleanup };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("ingestion view helpers", () => {
  it("words the gate, a decision and a group", () => {
    expect(summaryText(SUMMARY as Any)).toBe("PENDING · decided 0 of 3 flagged · dropped 0 · 5 of 8 to ingest");
    expect(decisionParts("relabel", "cat", "group:outlier")).toEqual(["relabel", " → ", { data: "cat" }, " (by its group)"]);
    expect(decisionParts(null, null, null)).toEqual(["undecided"]);
    expect(groupText(GROUPS[0] as Any)).toBe("near duplicates (2 undecided of 2)");
  });
});

describe("ingestion view", () => {
  it("opens the first group with undecided items and asks for the evidence", async () => {
    const { model, root, q } = await setup();
    expect(model.sentContents("open_group")[0]).toMatchObject({ group: "near_duplicate" });
    expect(model.lastSent("evidence")).toMatchObject({ item_id: 3 });
    model.kernelSend({ type: "evidence", item_id: 3, findings: [
      { check: "near_duplicate", title: "near duplicates", problem: "<b>x</b>", detail: "<img src=x>",
        panes: [{ caption: "existing item 7", kind: "error", error: "<b>gone</b>" }] },
    ] });
    await flush();
    expect(q(".hitl-finding-detail").textContent).toBe("<img src=x>");
    expect(root.querySelectorAll(".hitl-findings img, .hitl-findings b").length).toBe(0);
    expect(q(".hitl-evidence figcaption").textContent).toBe("existing item 7");
  });

  it("k keeps the item and moves on; K decides the group; Backspace undoes the group", async () => {
    const { model, press } = await setup();
    expect(press("k").defaultPrevented).toBe(true);
    expect(model.lastSent("decide")).toMatchObject({ item_id: 3, decision: "keep", label: null });
    press("r");
    press("2");
    expect(model.lastSent("decide")).toMatchObject({ item_id: 4, decision: "relabel", label: "<b>dog</b>" });
    press("D");
    expect(model.lastSent("decide_group")).toMatchObject({ group: "near_duplicate", decision: "drop" });
    press("Backspace");
    expect(model.lastSent("undo_group")).toMatchObject({ group: "near_duplicate" });
    press("]");
    expect(model.lastSent("open_group")).toMatchObject({ group: "file" });
  });
});

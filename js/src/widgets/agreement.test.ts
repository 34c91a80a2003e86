import { afterEach, describe, expect, it } from "vitest";
import widget from "./agreement";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup() {
  const model = createFakeModel({
    title: "Agreement",
    overall: [{ metric: "Fleiss' kappa", estimate: 0.61, low: 0.5, high: 0.7 }],
    annotators: ["ann", "<b>poor</b>"],
    pairwise: [[1, 0.3], [0.3, 1]],
    pair_counts: [[10, 10], [10, 10]],
    per_annotator: [
      { annotator: "ann", n: 10, agreement: 0.9, accuracy: 0.92, flagged: false },
      { annotator: "<b>poor</b>", n: 10, agreement: 0.4, accuracy: 0.41, flagged: true },
    ],
    per_class: [{ class: "x", agreement: 0.7, n: 12 }],
    queue: [
      { item_id: 4, disagreement: 1, labels: ["ann: x", "poor: y"], adjudicated: null },
      { item_id: "s", disagreement: 0.5, labels: ["ann: y", "poor: x"], adjudicated: "y" },
    ],
    n_queue: 2, n_items: 10, adjudicating: false, autofocus: false, version: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-agreement") as HTMLElement;
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return { model, root, press, cleanup };
}

describe("AgreementDashboard view", () => {
  let cleanup = () => {};
  afterEach(() => {
    cleanup();
    document.body.replaceChildren();
  });

  it("shows metrics with CIs, flags the poor annotator, names as text", () => {
    const t = setup();
    cleanup = t.cleanup;
    expect(t.root.querySelector(".hitl-overall")!.textContent).toContain("0.50 – 0.70");
    expect(t.root.querySelector(".hitl-flagged")!.textContent).toContain("<b>poor</b>");
    expect(t.root.querySelector(".hitl-flagged b")).toBeNull();
    expect([...t.root.querySelectorAll(".hitl-heat-cell")].map((c) => c.textContent)).toEqual(["1.00", "0.30", "0.30", "1.00"]);
    expect(t.root.querySelector(".hitl-section:last-of-type, .hitl-queue")).not.toBeNull();
    expect(t.root.textContent).toContain("disagreement queue: 2 items (1 adjudicated)");
  });

  it("j selects, a sends a validated adjudicate intent for the selected item", async () => {
    const t = setup();
    cleanup = t.cleanup;
    t.press("j");
    const rows = t.root.querySelectorAll(".hitl-queue-row");
    expect(rows[1].getAttribute("aria-selected")).toBe("true");
    t.press("a");
    const sent = t.model.lastSent("adjudicate");
    expect(sent).toMatchObject({ type: "adjudicate", item_id: "s" });
    t.model.kernelSend({ type: "refused", client: sent.client, seq: sent.seq, message: "not in the queue" });
    await flush();
    expect(t.root.querySelector(".hitl-status-message")!.textContent).toContain("not in the queue");
    t.press("ArrowRight");
    t.press("Enter");
    expect(t.root.querySelector(".hitl-status-message")!.textContent).toContain("kappa 0.30 over 10 items");
  });

  it("the 'adjudicating' message names the adjudicator's place and goes once it moves to another item", async () => {
    const t = setup();
    cleanup = t.cleanup;
    // the adjudication ClassifyWidget sits below, in the same output box
    const box = document.createElement("div");
    box.className = "widget-vbox";
    t.root.parentElement!.before(box);
    box.append(t.root.parentElement!);
    const adjudicator = document.createElement("div");
    adjudicator.className = "hitl-classify";
    box.append(adjudicator);
    t.press("a");
    const sent = t.model.lastSent("adjudicate");
    t.model.kernelSend({ type: "ack", client: sent.client, seq: sent.seq, item_id: 4, position: 0 });
    await flush();
    const message = t.root.querySelector(".hitl-status-message") as HTMLElement;
    expect(message.textContent).toBe("adjudicating below: item 1 / 2");
    expect(message.title).toBe("item id 4");
    const painted = (id: unknown, position: number) =>
      adjudicator.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position } }));
    painted(4, 0); // the adjudicator repaints the same item: kept
    expect(message.textContent).toBe("adjudicating below: item 1 / 2");
    painted("s", 1); // it moved on
    expect(message.textContent).toBe("");
  });
});

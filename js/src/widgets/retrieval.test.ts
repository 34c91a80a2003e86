import { describe, expect, it } from "vitest";
import widget, { metricsText, queryKey } from "./retrieval";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const XSS = '<img src=x onerror="window.__xss=1">';

function setup() {
  const model = createFakeModel({
    k: 3, columns: 2, thumb_size: 64, query_size: 100, overall: {}, relevant_known: true,
    order: [0, 1], position: 0, n_done: 0, title: XSS, autofocus: false, version: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-retrieval") as HTMLElement;
  const results = [0, 1, 2].map((n) => ({ id: `r${n}`, key: `r:"r${n}"`, rank: n + 1, score: 0.9 - n / 10, judgement: null }));
  const serve = async () => {
    model.kernelSend({
      type: "items",
      items: [
        { id: queryKey(0), kind: "text", text: XSS, results, metrics: { precision_at_k: 0, recall_at_k: 0, reciprocal_rank: 0, ndcg_at_k: 0 } },
        ...results.map((r) => ({ id: r.key, kind: "text", text: `result ${r.id} ${XSS}` })),
      ],
    });
    await flush();
  };
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return { model, root, serve, press, cleanup };
}

describe("RetrievalVerifier view", () => {
  it("asks for the query by key, renders untrusted text literally", async () => {
    const { model, root, serve } = setup();
    expect(model.lastSent("fetch").ids).toContain("q:0");
    await serve();
    expect(root.querySelector(".hitl-query")!.textContent).toBe(XSS);
    expect(root.querySelector(".hitl-title")!.textContent).toBe(XSS);
    expect(root.querySelectorAll(".hitl-result")).toHaveLength(3);
    expect(root.querySelector(".hitl-result .hitl-media-text")!.textContent).toBe(`result r0 ${XSS}`);
    expect(root.querySelector("img")).toBeNull();
  });

  it("judges the focused result, moves on, and shows the kernel's metrics", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("2");
    const sent = model.lastSent("judge");
    expect(sent).toMatchObject({ query_id: 0, item_id: "r0", judgement: "not_relevant" });
    expect(root.querySelectorAll(".hitl-result")[1].getAttribute("aria-selected")).toBe("true");
    expect(root.querySelector(".hitl-verdict")!.textContent).toBe("not relevant (unsaved)");
    model.kernelSend({ type: "ack", client: sent.client, seq: sent.seq, judgement: "not_relevant",
      metrics: { precision_at_k: 0.25, recall_at_k: 0.5, reciprocal_rank: 1, ndcg_at_k: 0.75 }, n_done: 0 });
    await flush();
    expect(root.querySelector(".hitl-verdict")!.textContent).toBe("not relevant");
    expect(root.querySelector(".hitl-query-metrics")!.textContent).toBe("P@3 0.250 · R@3 0.500 · RR 1.000 · nDCG@3 0.750");
    press("ArrowDown"); // 3 results in rows of 2: from #2 down is the edge -> stays
    expect(root.querySelectorAll(".hitl-result")[1].getAttribute("aria-selected")).toBe("true");
    press("ArrowLeft");
    press("ArrowDown");
    expect(root.querySelectorAll(".hitl-result")[2].getAttribute("aria-selected")).toBe("true");
    press("Enter");
    expect(root.querySelector(".hitl-position")!.textContent).toBe("query 2 / 2");
  });

  it("→ at a row's end goes on to the next row: after the auto-advance, '→ then 3' judges the next tile", async () => {
    const { model, root, serve, press } = setup(); // 3 results in rows of 2: #1 #2 / #3
    await serve();
    press("1"); // judges #1; the auto-advance lands on #2, the first row's end
    const selected = () => [...root.querySelectorAll(".hitl-result")].findIndex((c) => c.getAttribute("aria-selected") === "true");
    expect(selected()).toBe(1);
    press("ArrowRight");
    expect(selected()).toBe(2);
    press("3");
    expect(model.sentContents("judge").map((c: Any) => c.item_id)).toEqual(["r0", "r2"]);
    expect(selected()).toBe(2); // nothing open after it: the auto-advance stays on the last tile
    press("ArrowLeft"); // ← at the second row's start goes to the first row's end
    expect(selected()).toBe(1);
  });

  it("undo names the query's place and the result's rank (ids in the tooltip); the message goes with the query", async () => {
    const { root, serve, press } = setup();
    await serve();
    press("ArrowRight");
    press("1");
    press("Backspace");
    const message = root.querySelector(".hitl-status-message") as HTMLElement;
    expect(message.textContent).toBe("undo: query 1, rank 2");
    expect(message.title).toBe('query id 0, item id "r1"');
    press("Enter");
    expect(message.textContent).toBe("");
  });

  it("a later copy of the query shown keeps the focus where the person moved it", async () => {
    const { root, serve, press } = setup();
    await serve();
    press("ArrowRight");
    press("ArrowRight");
    await serve(); // the kernel sends the query again (e.g. a prefetch answered late)
    expect(root.querySelectorAll(".hitl-result")[2].getAttribute("aria-selected")).toBe("true");
  });

  it("a refusal reverts the judgement and shows the message", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("1");
    const sent = model.lastSent("judge");
    model.kernelSend({ type: "refused", client: sent.client, seq: sent.seq, message: "nope" });
    await flush();
    expect(root.querySelector(".hitl-verdict")!.textContent).toBe("—");
    expect(root.querySelector(".hitl-status-message")!.textContent).toBe("refused: nope");
  });

  it("formats metrics; cleans up its listeners", () => {
    expect(metricsText({ precision_at_k: 0.5, mrr: 0.25, ndcg_at_k: null }, 5, false)).toBe("P@5 0.500 · MRR 0.250 · nDCG@5 –");
    const { model, cleanup } = setup();
    cleanup();
    expect(model.totalListeners()).toBe(0);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import widget, { flagDirection, fmt, metricHeading } from "./bias";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const TABLE = {
  columns: ["site"],
  metrics: ["accuracy", "fnr"],
  better: [1, -1],
  rows: [
    { key: ["<i>a</i>"], n: 100, values: [0.7, null], direction: [-1, 0], low: [0.62, null], high: [0.78, null], flagged: [true, false], small: false, errors: 30 },
    { key: ["b"], n: 8, values: [0.95, 0.1], direction: [1, 0], low: [0.9, 0], high: [0.99, 0.2], flagged: [false, false], small: true, errors: 1 },
  ],
  overall: [0.82, 0.1],
  threshold: 0.1,
  min_group_size: 10,
  n_groups: 2,
  can_drill: true,
};

function setup(state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    table: TABLE,
    disparities: [{ metric: "accuracy", difference: 0.25, ratio: 0.737, difference_to_overall: 0.12, worst: "a", flagged: true }],
    drilled: -1,
    title: "Audit",
    autofocus: false,
    version: "",
    ...state,
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = (widget as Any).render({ model, el }) as () => void;
  const root = el.querySelector(".hitl-bias") as HTMLElement;
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  const rows = () => [...root.querySelectorAll("tr.hitl-bias-row")] as HTMLElement[];
  return { model, root, press, rows, cleanup };
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("bias audit view", () => {
  it("renders groups, values with CIs, flags and small groups, as text", () => {
    const { root, rows } = setup();
    expect(rows().length).toBe(2);
    const cells = [...rows()[0].querySelectorAll("td")].map((td) => td.textContent);
    // errors right after n (visible however many metrics follow); the CI under the value
    expect(cells).toEqual(["<i>a</i>", "100", "30", "▼ worse 0.7000.620–0.780", "–"]);
    expect(root.querySelectorAll("i").length).toBe(0); // data never parsed as HTML
    expect(rows()[0].querySelector(".hitl-flagged")).not.toBeNull();
    expect(rows()[1].classList.contains("hitl-small")).toBe(true);
    expect(rows()[1].querySelectorAll("td")[1].textContent).toBe("8(small)");
    expect(root.querySelector(".hitl-summary")!.textContent).toContain("2 groups · 1 flagged (1 worse, 0 better;");
    expect([...root.querySelectorAll("th")].map((th) => th.textContent)).toEqual(["site", "n", "errors", "accuracy", "fnr"]);
    expect(root.querySelector(".hitl-disparities")!.textContent).toContain("between groups 0.250");
  });

  it("arrows select, Enter sends a drill intent; the ack's message is shown", async () => {
    const { model, root, press, rows } = setup();
    press("ArrowDown");
    expect(rows()[1].getAttribute("aria-selected")).toBe("true");
    press("ArrowDown"); // stays on the last row
    press("Enter");
    const sent = model.lastSent("drill");
    expect(sent).toMatchObject({ type: "drill", row: 1 });
    model.kernelSend({ type: "ack", client: sent.client, seq: sent.seq, message: "1 errors of b below" });
    await flush();
    expect(root.querySelector(".hitl-status-message")!.textContent).toBe("1 errors of b below");
  });

  it("a click drills into that row; a refusal is shown as an error", async () => {
    const { model, root, rows } = setup();
    rows()[0].dispatchEvent(new MouseEvent("click", { bubbles: true }));
    const sent = model.lastSent("drill");
    expect(sent.row).toBe(0);
    model.kernelSend({ type: "refused", client: sent.client, seq: sent.seq, message: "group a has no errors" });
    await flush();
    const message = root.querySelector(".hitl-status-message")!;
    expect(message.textContent).toContain("group a has no errors");
    expect(message.classList.contains("hitl-error")).toBe(true);
  });

  it("without items/store it explains instead of sending", () => {
    const { model, press, root } = setup({ table: { ...TABLE, can_drill: false } });
    press("Enter");
    expect(model.sentContents("drill").length).toBe(0);
    expect(root.querySelector(".hitl-status-message")!.textContent).toContain("needs items= and store=");
  });

  it("repaints when the kernel refreshes the table", () => {
    const { model, rows } = setup();
    model.kernelSet("table", { ...TABLE, rows: [{ ...TABLE.rows[0], values: [0.73, null], errors: 27 }] });
    expect(rows().length).toBe(1);
    expect(rows()[0].querySelectorAll("td")[3].textContent).toContain("0.730");
  });

  it("marks the direction of a flagged gap in words and class: a better group is not flagged like a worse one", () => {
    const rows2 = [
      { ...TABLE.rows[0] }, // accuracy below overall: worse
      { key: ["c"], n: 100, values: [0.97, 0.3], direction: [1, 1], low: [0.95, 0.2], high: [0.99, 0.4], flagged: [true, true], small: false, errors: 3 },
    ];
    const { root, rows } = setup({ table: { ...TABLE, rows: rows2, n_groups: 2 } });
    const worse = rows()[0].querySelectorAll("td")[3];
    const better = rows()[1].querySelectorAll("td")[3];
    const fnr = rows()[1].querySelectorAll("td")[4]; // fnr above overall: lower is better, so worse
    expect(worse.classList.contains("hitl-worse")).toBe(true);
    expect(worse.querySelector(".hitl-flag")!.textContent).toBe("▼ worse ");
    expect(worse.getAttribute("title")).toContain("below overall (0.820) by 0.120");
    expect(better.classList.contains("hitl-better")).toBe(true);
    expect(better.classList.contains("hitl-worse")).toBe(false);
    expect(better.querySelector(".hitl-flag")!.textContent).toBe("▲ better ");
    expect(fnr.querySelector(".hitl-flag")!.textContent).toBe("▲ worse ");
    expect(fnr.classList.contains("hitl-worse")).toBe(true);
    expect(root.querySelector(".hitl-summary")!.textContent).toContain("2 flagged (2 worse, 1 better;");
    expect(root.querySelector(".hitl-bias-legend")!.textContent).toContain("▼ worse / ▲ better");
  });

  it("flagDirection", () => {
    expect(flagDirection(-1, 1)).toEqual({ arrow: "▼", word: "worse", kind: "worse" });
    expect(flagDirection(1, 1)).toEqual({ arrow: "▲", word: "better", kind: "better" });
    expect(flagDirection(-1, -1)).toEqual({ arrow: "▼", word: "better", kind: "better" });
    expect(flagDirection(1, -1)).toEqual({ arrow: "▲", word: "worse", kind: "worse" });
    expect(flagDirection(1, 0)).toEqual({ arrow: "▲", word: "higher", kind: "differs" });
    expect(flagDirection(-1, 0)).toEqual({ arrow: "▼", word: "lower", kind: "differs" });
    expect(flagDirection(0, 1).kind).toBe("differs");
  });

  it("metricHeading breaks between words", () => {
    expect(metricHeading("selection_rate")).toBe("selection rate");
    expect(metricHeading("disagreement")).toBe("disagree\u00adment");
    expect(metricHeading("fnr")).toBe("fnr");
  });

  it("fmt", () => {
    expect(fmt(null)).toBe("–");
    expect(fmt(NaN)).toBe("–");
    expect(fmt(0.12345)).toBe("0.123");
  });
});

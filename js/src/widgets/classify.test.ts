import { afterEach, describe, expect, it, vi } from "vitest";
import widget, { classKeys } from "./classify";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const CLASSES = ["cat", "dog", "bird"];
const ORDER = [10, 11, 12, 13];
const TEXTS: Record<number, string> = { 10: "a cat on a mat", 11: "a dog in fog", 12: "a bird on a wire", 13: "the end" };

/** Let promise callbacks (cache.receive, channel replies) run. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function textItem(id: number, extra: Record<string, unknown> = {}) {
  return { id, kind: "text", text: TEXTS[id] ?? `item ${id}`, label: null, proposal: null, ...extra };
}

interface Setup {
  state?: Record<string, unknown>;
  items?: Record<number, Record<string, unknown>>;
  /** answer the view's first fetch (default true) */
  serve?: boolean;
}

async function setup({ state = {}, items = {}, serve = true }: Setup = {}, w: Any = widget) {
  const model = createFakeModel({
    classes: CLASSES,
    multi_label: false,
    display_size: 256,
    order: ORDER,
    position: 0,
    n_done: 0,
    title: "Pets",
    task: "pets",
    annotator: "me",
    autofocus: false,
    version: "",
    ...state,
  });
  const outer = document.createElement("div"); // stands in for JupyterLab around the output area
  const el = document.createElement("div");
  outer.append(el);
  document.body.append(outer);
  const leaked: string[] = [];
  outer.addEventListener("keydown", (e) => leaked.push(e.key));
  const cleanup = w.render({ model, el }) as () => void;
  const root = el.querySelector(".hitl-classify") as HTMLElement;
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  const ui = {
    root,
    text: () => q(".hitl-text"),
    shown: () => (q(".hitl-text").hidden ? null : q(".hitl-text").textContent),
    placeholder: () => q(".hitl-placeholder, .hitl-done"),
    progress: () => q(".hitl-progress").textContent,
    position: () => q(".hitl-position").textContent,
    title: () => q(".hitl-title").textContent,
    proposal: () => q(".hitl-proposal").textContent,
    current: () => q(".hitl-current").textContent,
    message: () => q(".hitl-status-message"),
    saved: () => q(".hitl-status-saved").textContent,
    help: () => q(".hitl-help"),
    classButtons: () => [...root.querySelectorAll(".hitl-class")] as HTMLButtonElement[],
    classBar: () => q(".hitl-classes"),
    retry: () => q(".hitl-retry") as HTMLButtonElement,
  };
  const serveFetches = async () => {
    for (const c of model.sentContents("fetch")) {
      if (c.served) continue;
      c.served = true;
      model.kernelSend({ type: "items", items: c.ids.map((id: number) => textItem(id, items[id] ?? {})) });
    }
    await flush();
  };
  if (serve) await serveFetches();
  const press = (key: string, init: KeyboardEventInit = {}) => {
    const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
    root.dispatchEvent(e);
    return e;
  };
  const intents = () => model.sent.map((m: Any) => m.content).filter((c: Any) => c.type !== "fetch");
  const client = () => intents()[0]?.client as string;
  const ackLast = async (extra: Record<string, unknown> = {}) => {
    const last = intents().at(-1);
    model.kernelSend({ type: "ack", client: last.client, seq: last.seq, intent: last.type, item_id: last.item_id, ...extra });
    await flush();
  };
  return { model, el, outer, root, ui, press, intents, client, ackLast, serveFetches, leaked, cleanup };
}

describe("ClassifyWidget view", () => {
  let cleanups: Array<() => void> = [];
  afterEach(() => {
    cleanups.forEach((f) => f());
    cleanups = [];
    document.body.replaceChildren();
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.resetModules();
  });
  const mount = async (opts: Setup = {}, w?: Any) => {
    const t = await setup(opts, w);
    cleanups.push(t.cleanup);
    return t;
  };

  describe("rendering", () => {
    it("asks for the items ahead and shows loading until they arrive", async () => {
      const t = await mount({ serve: false });
      expect(t.model.sentContents("fetch")).toEqual([{ type: "fetch", ids: ORDER }]);
      expect(t.ui.placeholder().textContent).toBe("loading…");
      expect(t.ui.placeholder().hidden).toBe(false);
      expect(t.ui.shown()).toBeNull();
      expect(t.ui.title()).toBe("Pets");
      await t.serveFetches();
      expect(t.ui.shown()).toBe("a cat on a mat");
      expect(t.ui.placeholder().hidden).toBe(true);
    });

    it("keeps its class buttons across items and only flips which one is pressed", async () => {
      const t = await mount();
      const before = t.ui.classButtons();
      t.press("2");
      await t.ackLast({ label: "dog" });
      t.press("ArrowLeft");
      expect(t.ui.shown()).toBe("a cat on a mat");
      expect(t.ui.classButtons()).toEqual(before);
      expect(t.ui.classButtons().every((b, k) => b === before[k])).toBe(true);
      expect(before.map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true", "false"]);
      t.model.set("classes", ["x", "y"]);
      t.press("ArrowRight");
      expect(t.ui.classButtons().map((b) => b.textContent)).toEqual(["1x", "2y"]);
    });

    it("shows the item, its state, progress, position and one button per class", async () => {
      const t = await mount({ items: { 10: { proposal: { label: "cat", score: 0.873 } } } });
      expect(t.ui.shown()).toBe("a cat on a mat");
      expect(t.ui.proposal()).toBe("model: cat (0.87) — Enter accepts");
      expect(t.ui.current()).toBe("unlabelled");
      expect(t.ui.progress()).toBe("labelled 0 of 4");
      expect(t.ui.position()).toBe("item 1 / 4");
      expect(t.ui.saved()).toBe("all saved");
      expect(t.ui.classButtons().map((b) => b.textContent)).toEqual(["1catmodel", "2dog", "3bird"]);
      expect(t.ui.classButtons().map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "false", "false"]);
      expect(t.root.getAttribute("tabindex")).toBe("0");
      expect(t.root.hasAttribute("data-lm-suppress-shortcuts")).toBe(false); // the host's own keys pass (lib/keyboard.ts)
    });

    it("shows an existing label and presses its class button", async () => {
      const t = await mount({ items: { 10: { label: "bird" } } });
      expect(t.ui.current()).toBe("label: bird");
      expect(t.ui.classButtons().map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "false", "true"]);
    });

    it("starts at the model's position", async () => {
      const t = await mount({ state: { position: 2 } });
      expect(t.ui.shown()).toBe("a bird on a wire");
      expect(t.ui.position()).toBe("item 3 / 4");
    });

    it("shows an item the kernel could not load as its error, as text", async () => {
      const t = await mount({ serve: false });
      t.model.kernelSend({ type: "items", items: [{ id: 10, kind: "error", error: "file not found: <b>x</b>", label: null, proposal: null }] });
      await flush();
      expect(t.ui.placeholder().textContent).toBe("file not found: <b>x</b>");
      expect(t.root.querySelector("b")).toBeNull();
    });
  });

  describe("labelling", () => {
    it('"2" advances to the next item at once and sends the label in the background', async () => {
      const t = await mount();
      const e = t.press("2");
      // synchronously, before any answer from the kernel
      expect(t.ui.shown()).toBe("a dog in fog");
      expect(t.ui.position()).toBe("item 2 / 4");
      expect(t.intents()).toEqual([
        { type: "label", item_id: 10, label: "dog", source: "human", client: expect.any(String), seq: 1 },
      ]);
      expect(e.defaultPrevented).toBe(true);
      expect(t.leaked).toEqual([]); // never reaches JupyterLab
    });

    it("shows the label as unsaved until the kernel acknowledges it, then all saved", async () => {
      const t = await mount();
      t.press("2");
      expect(t.ui.saved()).toBe("1 unsaved");
      expect(t.ui.progress()).toBe("labelled 1 of 4");
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("label: dog (unsaved)");
      // the class is data in its own <bdi>: an override in a class name cannot reorder "(unsaved)"
      expect(t.ui.root.querySelector(".hitl-current bdi")!.textContent).toBe("dog");
      expect(t.ui.classButtons().map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true", "false"]);
      t.model.kernelSend({ type: "ack", client: t.client(), seq: 1, label: "dog", n_done: 1 });
      await flush();
      expect(t.ui.saved()).toBe("all saved");
      expect(t.ui.current()).toBe("label: dog");
      expect(t.ui.progress()).toBe("labelled 1 of 4");
      expect(t.model.get("n_done")).toBe(1);
    });

    it("ignores an ack meant for another view (another client)", async () => {
      const t = await mount();
      t.press("1");
      t.model.kernelSend({ type: "ack", client: "another-view", seq: 1, label: "cat", n_done: 1 });
      await flush();
      expect(t.ui.saved()).toBe("1 unsaved");
    });

    it("a refused label is reverted and the kernel's message shown", async () => {
      const t = await mount();
      t.press("1");
      expect(t.ui.progress()).toBe("labelled 1 of 4");
      t.model.kernelSend({ type: "refused", client: t.client(), seq: 1, item_id: 10, message: "unknown class 'cat'" });
      await flush();
      expect(t.ui.message().textContent).toBe("refused: unknown class 'cat'");
      expect(t.ui.message().classList.contains("hitl-error")).toBe(true);
      expect(t.ui.saved()).toBe("all saved");
      expect(t.ui.progress()).toBe("labelled 0 of 4");
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("unlabelled");
    });

    it("a refused relabel restores the label from before", async () => {
      const t = await mount({ items: { 10: { label: "bird" } } });
      t.press("1");
      t.model.kernelSend({ type: "refused", client: t.client(), seq: 1, message: "nope" });
      await flush();
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("label: bird");
    });

    it("a refused message without a client (e.g. a bad fetch) is shown too", async () => {
      const t = await mount();
      t.model.kernelSend({ type: "refused", message: "fetch needs a list of 1 to 64 item ids" });
      expect(t.ui.message().textContent).toBe("refused: fetch needs a list of 1 to 64 item ids");
    });

    it("number keys beyond the classes do nothing and are not swallowed", async () => {
      const t = await mount();
      const e = t.press("4");
      expect(t.intents()).toEqual([]);
      expect(e.defaultPrevented).toBe(false);
      expect(t.ui.shown()).toBe("a cat on a mat");
    });

    it("marks the model's proposed class on its button (outline and a 'model' badge), item by item", async () => {
      const t = await mount({ items: { 10: { proposal: { label: "dog", score: 0.8 } } } });
      const [cat, dog] = t.ui.classButtons();
      expect(dog.classList.contains("hitl-proposed")).toBe(true);
      expect(dog.querySelector(".hitl-model-badge")?.textContent).toBe("model");
      expect(dog.textContent).toBe("2dogmodel"); // in its accessible name, not colour alone
      expect(cat.classList.contains("hitl-proposed")).toBe(false);
      expect(cat.querySelector(".hitl-model-badge")).toBeNull();
      t.press("1"); // item 11 has no proposal
      expect(t.ui.classButtons().some((b) => b.classList.contains("hitl-proposed"))).toBe(false);
      expect(t.ui.classBar().querySelector(".hitl-model-badge")).toBeNull();
    });

    it("names the proposal as the kernel says (adjudication: 'consensus'), on the line and the badge", async () => {
      const t = await mount({ state: { proposal_label: "consensus" }, items: { 10: { proposal: { label: "dog", score: null } } } });
      expect(t.ui.proposal()).toBe("consensus: dog — Enter accepts");
      expect(t.ui.classButtons()[1].querySelector(".hitl-model-badge")?.textContent).toBe("consensus");
    });

    it("a mouse click on a class button leaves no focus on it for the next item", async () => {
      const t = await mount();
      const bird = t.ui.classButtons()[2];
      bird.focus(); // the browser focuses a button on the mouse press
      bird.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
      expect(t.ui.shown()).toBe("a dog in fog");
      expect(document.activeElement).toBe(t.root);
    });

    it("clicking a class button labels like its key", async () => {
      const t = await mount();
      t.ui.classButtons()[2].click();
      expect(t.intents()).toMatchObject([{ type: "label", item_id: 10, label: "bird", source: "human" }]);
      expect(t.ui.shown()).toBe("a dog in fog");
    });

    it("Enter accepts the model's proposal (source: proposal)", async () => {
      const t = await mount({ items: { 10: { proposal: { label: "cat", score: 0.9 } } } });
      t.press("Enter");
      expect(t.intents()).toEqual([
        { type: "label", item_id: 10, label: "cat", source: "proposal", client: expect.any(String), seq: 1 },
      ]);
      expect(t.ui.shown()).toBe("a dog in fog");
    });

    it("Enter without a proposal says so and stays", async () => {
      const t = await mount();
      t.press("Enter");
      expect(t.intents()).toEqual([]);
      expect(t.ui.shown()).toBe("a cat on a mat");
      expect(t.ui.message().textContent).toMatch(/no proposal/);
    });

    it("Space skips: sends skip, advances, labels nothing", async () => {
      const t = await mount();
      const e = t.press(" ");
      expect(e.defaultPrevented).toBe(true); // the page must not scroll
      expect(t.intents()).toEqual([{ type: "skip", item_id: 10, client: expect.any(String), seq: 1 }]);
      expect(t.ui.shown()).toBe("a dog in fog");
      expect(t.ui.progress()).toBe("labelled 0 of 4");
      await t.ackLast({ label: null, n_done: 0 });
      expect(t.ui.saved()).toBe("all saved");
    });

    it("labels the last item and shows the end", async () => {
      const t = await mount({ state: { position: 3 } });
      t.press("3");
      expect(t.ui.placeholder().textContent).toBe("All 4 items reviewed. ← goes back.");
      expect(t.ui.position()).toBe("end");
      t.press("1"); // nothing to label at the end
      expect(t.intents().length).toBe(1);
    });
  });

  describe("undo", () => {
    it("Backspace undoes the last labelled item and goes back to it", async () => {
      const t = await mount();
      t.press("2"); // item 10
      expect(t.ui.shown()).toBe("a dog in fog");
      const e = t.press("Backspace");
      expect(e.defaultPrevented).toBe(true);
      expect(t.intents().at(-1)).toEqual({ type: "undo", item_id: 10, client: t.client(), seq: 2 });
      expect(t.ui.shown()).toBe("a cat on a mat");
      // the place the header shows, not the internal id (that is in the tooltip)
      expect(t.ui.position()).toBe("item 1 / 4");
      expect(t.ui.message().textContent).toBe("undo: item 1");
      expect(t.ui.message().title).toBe("item id 10");
    });

    it("a message belongs to its item: it is cleared when the view moves to the next", async () => {
      const t = await mount();
      t.press("Enter"); // no proposal
      expect(t.ui.message().textContent).toBe("no proposal for this item: pick a class with its number key");
      t.press("ArrowRight");
      expect(t.ui.message().textContent).toBe("");
      t.press("2");
      t.press("Backspace");
      expect(t.ui.message().textContent).toBe("undo: item 2");
      t.press("ArrowRight");
      expect(t.ui.message().textContent).toBe("");
    });

    it("Ctrl+Z walks back through the labelled items, newest first", async () => {
      const t = await mount();
      t.press("1"); // 10
      t.press("3"); // 11
      t.press("z", { ctrlKey: true });
      expect(t.intents().at(-1)).toMatchObject({ type: "undo", item_id: 11 });
      expect(t.ui.shown()).toBe("a dog in fog");
      t.press("z", { ctrlKey: true });
      expect(t.intents().at(-1)).toMatchObject({ type: "undo", item_id: 10 });
      expect(t.ui.shown()).toBe("a cat on a mat");
    });

    it("a refused label is not on the undo stack: Backspace does not undo the label from before it", async () => {
      const t = await mount({ items: { 10: { label: "bird" } } }); // "bird" is in the store already
      t.press("1"); // relabel 10 as cat ...
      t.model.kernelSend({ type: "refused", client: t.client(), seq: 1, message: "nope" }); // ... refused: nothing stored
      await flush();
      t.press("Backspace");
      // undoing item 10 now would remove the stored "bird", a change this refused key never made
      expect(t.intents().filter((c: Any) => c.type === "undo" && c.item_id === 10)).toEqual([]);
    });

    it("the undo's ack shows the label the kernel went back to", async () => {
      const t = await mount();
      t.press("2");
      await t.ackLast({ label: "dog", n_done: 1 });
      expect(t.ui.progress()).toBe("labelled 1 of 4");
      t.press("Backspace");
      await t.ackLast({ label: null, n_done: 0 });
      expect(t.ui.current()).toBe("unlabelled");
      expect(t.ui.progress()).toBe("labelled 0 of 4");
      expect(t.ui.saved()).toBe("all saved");
    });
  });

  describe("navigation", () => {
    it("ArrowRight / ArrowLeft move at once; the model's position is saved once stepping pauses", async () => {
      vi.useFakeTimers();
      const t = await mount();
      t.press("ArrowRight");
      expect(t.ui.shown()).toBe("a dog in fog");
      t.press("ArrowRight");
      t.press("ArrowLeft");
      expect(t.ui.shown()).toBe("a dog in fog");
      expect(t.model.saved).toEqual([]); // no message per step
      vi.advanceTimersByTime(249);
      expect(t.model.saved).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(t.model.saved.map((s: Any) => s.position)).toEqual([1]); // one save, the newest position
      t.press("ArrowLeft");
      vi.advanceTimersByTime(250);
      expect(t.model.saved.map((s: Any) => s.position)).toEqual([1, 0]);
      expect(t.intents()).toEqual([]); // moving sends no intent
    });

    it("saves the position at least every second while stepping goes on, and when the view closes", async () => {
      vi.useFakeTimers();
      const t = await mount({ state: { order: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21] } });
      for (let i = 0; i < 8; i++) {
        t.press(i % 2 ? "ArrowLeft" : "ArrowRight"); // a key every 200 ms: never a 250 ms pause
        vi.advanceTimersByTime(200);
      }
      expect(t.model.saved.length).toBe(1); // at 1 s
      t.press("ArrowRight");
      t.press("ArrowRight");
      t.cleanup();
      expect(t.model.get("position")).toBe(2);
    });

    it("stops at the first item and at the end", async () => {
      vi.useFakeTimers();
      const t = await mount();
      t.press("ArrowLeft");
      expect(t.ui.shown()).toBe("a cat on a mat");
      for (let i = 0; i < 6; i++) t.press("ArrowRight");
      expect(t.ui.position()).toBe("end");
      vi.advanceTimersByTime(250);
      expect(t.model.get("position")).toBe(3); // clamped to the last item
      t.press("ArrowLeft");
      expect(t.ui.shown()).toBe("the end");
    });

    it("follows the kernel when it sets the position", async () => {
      const t = await mount();
      t.model.kernelSet("position", 2);
      expect(t.ui.shown()).toBe("a bird on a wire");
    });

    it("a new order from the kernel restarts the view", async () => {
      const t = await mount();
      t.press("1");
      t.model.kernelSet("position", 0);
      t.model.kernelSet("order", [13, 12]);
      expect(t.ui.shown()).toBe("the end");
      expect(t.ui.progress()).toBe("labelled 0 of 2");
    });

    it("invalidate makes it fetch again", async () => {
      const t = await mount();
      t.model.kernelSend({ type: "invalidate" });
      expect(t.ui.placeholder().textContent).toBe("loading…");
      expect(t.model.sentContents("fetch").length).toBe(2);
      await t.serveFetches();
      expect(t.ui.shown()).toBe("a cat on a mat");
    });
  });

  describe("help and progress", () => {
    it('"?" toggles the help overlay listing every shortcut; Escape closes it', async () => {
      const t = await mount();
      expect(t.ui.help().hidden).toBe(true);
      const e = t.press("?", { shiftKey: true });
      expect(e.defaultPrevented).toBe(true);
      expect(t.ui.help().hidden).toBe(false);
      const rows = [...t.ui.help().querySelectorAll("tr")].map((r) => r.textContent);
      expect(rows.length).toBe(10); // a digit per class (3) + Enter, Space, →, ←, undo, ?, Escape
      const keys = [...t.ui.help().querySelectorAll(".hitl-help-keys")].map((k) => k.textContent);
      expect(keys).toEqual(["1", "2", "3", "Enter", "Space", "→", "←", "Backspace / Ctrl+Z", "?", "Escape"]);
      expect(rows[1]).toContain("pick class dog");
      for (const d of ["accept the proposal", "skip this item", "next item", "previous item", "undo the last change", "show / hide", "close this help"]) {
        expect(rows.some((r) => r?.includes(d))).toBe(true);
      }
      expect(rows.some((r) => r?.includes("Backspace") && r.includes("Ctrl+Z"))).toBe(true);
      t.press("?", { shiftKey: true });
      expect(t.ui.help().hidden).toBe(true);
      t.press("?", { shiftKey: true });
      t.press("Escape");
      expect(t.ui.help().hidden).toBe(true);
      const esc = t.press("Escape"); // closed: Escape is not ours any more
      expect(esc.defaultPrevented).toBe(false);
    });

    it("the ? button toggles the overlay too", async () => {
      const t = await mount();
      const button = [...t.root.querySelectorAll("button")].find((b) => b.textContent === "?")!;
      button.click();
      expect(t.ui.help().hidden).toBe(false);
    });

    it('shows "labelled n of N" from n_done plus the labels on their way', async () => {
      const t = await mount({ state: { n_done: 2 }, items: { 10: { label: "cat" } } });
      expect(t.ui.progress()).toBe("labelled 2 of 4");
      t.press("2"); // relabel: not a new one
      expect(t.ui.progress()).toBe("labelled 2 of 4");
      t.press("2"); // item 11 had none
      expect(t.ui.progress()).toBe("labelled 3 of 4");
      t.model.kernelSet("n_done", 3);
      expect(t.ui.progress()).toBe("labelled 4 of 4"); // n_done + 1 pending, not yet acked
      t.model.kernelSet("n_done", 0);
      expect(t.ui.progress()).toBe("labelled 1 of 4");
    });
  });

  describe("safety", () => {
    it("renders HTML in item text, proposals, classes and the title literally", async () => {
      const payload = `<img src=x onerror="window.__hitlPwned = 1"><script>window.__hitlPwned = 2</script>`;
      const t = await mount({
        state: { title: payload, classes: [payload, "<b>b</b>"] },
        items: { 10: { text: payload, proposal: { label: "<i>i</i>", score: null }, label: "<u>u</u>" } },
      });
      expect(t.ui.shown()).toBe(payload);
      expect(t.ui.title()).toBe(payload);
      expect(t.ui.proposal()).toBe("model: <i>i</i> — Enter accepts");
      expect(t.ui.current()).toBe("label: <u>u</u>");
      expect(t.ui.classButtons()[0].textContent).toBe(`1${payload}`);
      expect(t.root.querySelector("img, script, b, i, u")).toBeNull();
      expect((window as Any).__hitlPwned).toBeUndefined();
    });
  });

  describe("version", () => {
    it("warns when the Python package has another version", async () => {
      vi.stubGlobal("__HITL_VERSION__", "0.2.0");
      vi.resetModules();
      const fresh = (await import("./classify")).default;
      const t = await mount({ state: { version: "0.1.0" } }, fresh);
      const banner = t.root.querySelector(".hitl-status-banner") as HTMLElement;
      expect(banner.textContent).toMatch(/front-end 0\.2\.0 differs from the Python package 0\.1\.0/);
      expect(banner.classList.contains("hitl-error")).toBe(true);
      expect(banner.hidden).toBe(false);
      t.press("1"); // labelling clears messages, not the lasting warning
      expect(banner.textContent).toMatch(/differs/);
    });

    it("is quiet when the versions match", async () => {
      vi.stubGlobal("__HITL_VERSION__", "0.2.0");
      vi.resetModules();
      const fresh = (await import("./classify")).default;
      const t = await mount({ state: { version: "0.2.0" } }, fresh);
      expect(t.ui.message().textContent).toBe("");
    });
  });

  describe("unsaved labels", () => {
    it("a label with no answer after all retries shows as NOT saved, with a retry button", async () => {
      vi.useFakeTimers();
      const t = await mount();
      t.press("2");
      expect(t.ui.retry().hidden).toBe(true);
      vi.advanceTimersByTime(4 * 3000);
      await flush();
      expect(t.intents().length).toBe(4);
      expect(new Set(t.intents().map((c: Any) => c.seq))).toEqual(new Set([1]));
      expect(t.ui.saved()).toBe("1 not saved");
      expect(t.ui.message().textContent).toMatch(/not saved .*\(item 1\)$/);
      expect(t.ui.retry().hidden).toBe(false);
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("label: dog (NOT saved)");
      t.ui.retry().click();
      expect(t.intents().at(-1)).toMatchObject({ type: "label", item_id: 10, seq: 1 });
      expect(t.ui.saved()).toBe("1 unsaved");
      expect(t.ui.retry().hidden).toBe(true);
    });

    it("once a retried label is acknowledged, the item no longer shows NOT saved", async () => {
      vi.useFakeTimers();
      const t = await mount();
      t.press("2");
      vi.advanceTimersByTime(4 * 3000);
      await flush();
      t.press("ArrowLeft");
      t.ui.retry().click();
      t.model.kernelSend({ type: "ack", client: t.client(), seq: 1, label: "dog", n_done: 1 });
      await flush();
      expect(t.ui.saved()).toBe("all saved");
      expect(t.ui.current()).toBe("label: dog"); // the store has it: it must not say NOT saved
    });

    it("a late ack for a label given up on clears its NOT saved mark", async () => {
      vi.useFakeTimers();
      const t = await mount();
      t.press("2");
      vi.advanceTimersByTime(4 * 3000);
      await flush();
      t.model.kernelSend({ type: "ack", client: t.client(), seq: 1, label: "dog", n_done: 1 });
      await flush();
      expect(t.ui.saved()).toBe("all saved");
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("label: dog");
    });
  });

  describe("unsaved labels: answers after a retry", () => {
    it("a retried label that is then refused is reverted and its message shown", async () => {
      vi.useFakeTimers();
      const t = await mount({ items: { 10: { label: "bird" } } });
      t.press("1");
      vi.advanceTimersByTime(4 * 3000);
      await flush();
      t.ui.retry().click();
      t.model.kernelSend({ type: "refused", client: t.client(), seq: 1, message: "could not save: OperationalError" });
      await flush();
      expect(t.ui.saved()).toBe("all saved");
      expect(t.ui.message().textContent).toBe("refused: could not save: OperationalError");
      t.press("ArrowLeft");
      expect(t.ui.current()).toBe("label: bird");
    });
  });

  describe("class keys", () => {
    it("classKeys: 1-9, 0 for the first ten classes, in order", () => {
      expect(classKeys(["cat", "dog"])).toEqual(["1", "2"]);
      const eleven = Array.from({ length: 11 }, (_, k) => `c${k}`);
      expect(classKeys(eleven)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", ""]);
      expect(classKeys([])).toEqual([]);
    });

    it("classKeys: classes that are distinct digits keep their own digit", () => {
      expect(classKeys([0, 1, 2])).toEqual(["0", "1", "2"]);
      expect(classKeys(["7", "3"])).toEqual(["7", "3"]);
      expect(classKeys(["1", "1"])).toEqual(["1", "2"]); // not distinct: positional keys
      expect(classKeys([0, "x"])).toEqual(["1", "2"]);
      expect(classKeys([10, 11])).toEqual(["1", "2"]);
    });

    it('with digit classes 0, 1, 2 the key "0" labels class 0', async () => {
      const t = await mount({ state: { classes: [0, 1, 2] } });
      expect(t.ui.classButtons().map((b) => b.querySelector(".hitl-key")?.textContent)).toEqual(["0", "1", "2"]);
      t.press("0");
      expect(t.intents()).toMatchObject([{ type: "label", item_id: 10, label: 0 }]);
      t.press("2");
      expect(t.intents().at(-1)).toMatchObject({ type: "label", item_id: 11, label: 2 });
      const e = t.press("3");
      expect(e.defaultPrevented).toBe(false);
      expect(t.intents().length).toBe(2);
    });

    it('the 10th class is on "0" and an 11th has no key', async () => {
      const classes = Array.from({ length: 11 }, (_, k) => `c${k + 1}`);
      const t = await mount({ state: { classes } });
      expect(t.ui.classButtons()[10].querySelector(".hitl-key")).toBeNull();
      t.press("0");
      expect(t.intents()).toMatchObject([{ type: "label", label: "c10" }]);
      t.ui.classButtons()[10].click();
      expect(t.intents().at(-1)).toMatchObject({ type: "label", label: "c11" });
    });
  });

  describe("multi-label", () => {
    it("number keys toggle classes and Enter sends the selection", async () => {
      const t = await mount({ state: { multi_label: true } });
      t.press("1");
      t.press("3");
      t.press("1");
      t.press("2");
      expect(t.intents()).toEqual([]);
      expect(t.ui.classButtons().map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true", "true"]);
      t.press("Enter");
      expect(t.intents()).toMatchObject([{ type: "label", item_id: 10, label: ["bird", "dog"], source: "human" }]);
      expect(t.ui.shown()).toBe("a dog in fog");
    });
  });

  describe("cleanup", () => {
    it("removes every model listener and the keyboard handler", async () => {
      const t = await setup();
      expect(t.model.totalListeners()).toBeGreaterThan(0);
      t.cleanup();
      for (const ev of ["msg:custom", "change:order_window", "change:position", "change:n_done", "change:classes", "change:title", "change:display_size", "change:multi_label"]) {
        expect(t.model.listenerCount(ev)).toBe(0);
      }
      expect(t.model.totalListeners()).toBe(0);
      const before = t.model.sent.length;
      const e = t.press("1");
      expect(e.defaultPrevented).toBe(false);
      expect(t.model.sent.length).toBe(before);
    });

    it("stops retrying unanswered labels", async () => {
      vi.useFakeTimers();
      const t = await setup();
      t.press("1");
      t.cleanup();
      vi.advanceTimersByTime(60_000);
      expect(t.intents().length).toBe(1);
    });
  });

  describe("notes", () => {
    it("shows an item's notes as literal text, and hides the list for items without", async () => {
      const payload = "<img src=x onerror=\"window.__hitlPwned = 1\">";
      const t = await setup({ items: { 10: { notes: ["ann1: cat", payload] } } });
      cleanups.push(t.cleanup);
      const list = t.root.querySelector(".hitl-notes") as HTMLElement;
      expect(list.hidden).toBe(false);
      expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["ann1: cat", payload]);
      expect(list.querySelector("img")).toBeNull();
      t.press("ArrowRight");
      expect(list.hidden).toBe(true);
    });
  });
});

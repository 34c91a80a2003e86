import { afterEach, describe, expect, it } from "vitest";
import { data, h, keyButton, labelText, countOf, setParts, setText, slider } from "./dom";

const PAYLOADS = [
  `<img src=x onerror="window.__hitlPwned = 1">`,
  `<script>window.__hitlPwned = 2</script>`,
  `<b>bold</b><svg onload="window.__hitlPwned = 3"></svg>`,
  `&lt;i&gt; &amp; "quotes" 'single'`,
];

describe("setText", () => {
  afterEach(() => {
    delete (window as any).__hitlPwned;
    document.body.replaceChildren();
  });

  it.each(PAYLOADS)("shows %s as literal text and creates no element", (payload) => {
    const node = document.createElement("div");
    document.body.append(node);
    setText(node, payload);
    expect(node.textContent).toBe(payload);
    expect(node.children.length).toBe(0);
    expect(node.childNodes.length).toBe(1);
    expect(node.firstChild?.nodeType).toBe(Node.TEXT_NODE);
    expect(document.querySelector("img, script, b, svg")).toBeNull();
    expect((window as any).__hitlPwned).toBeUndefined();
  });

  it("replaces existing children, elements included", () => {
    const node = document.createElement("div");
    node.append(document.createElement("span"), "old");
    setText(node, "new");
    expect(node.textContent).toBe("new");
    expect(node.children.length).toBe(0);
  });

  it("leaves an unchanged text node in place, and replaces elements even when their text matches", () => {
    const node = document.createElement("div");
    setText(node, "same");
    const first = node.firstChild;
    setText(node, "same");
    expect(node.firstChild).toBe(first);
    setText(node, "other");
    expect(node.firstChild).not.toBe(first);
    expect(node.textContent).toBe("other");
    const holder = document.createElement("div");
    holder.append(document.createElement("b"));
    (holder.firstChild as HTMLElement).textContent = "same";
    setText(holder, "same");
    expect(holder.children.length).toBe(0);
    expect(holder.textContent).toBe("same");
  });

  it("shows null and undefined as empty, everything else through String()", () => {
    const node = document.createElement("div");
    setText(node, null);
    expect(node.textContent).toBe("");
    setText(node, undefined);
    expect(node.textContent).toBe("");
    setText(node, 0);
    expect(node.textContent).toBe("0");
    setText(node, false);
    expect(node.textContent).toBe("false");
    setText(node, ["a", 1]);
    expect(node.textContent).toBe("a,1");
  });
});

describe("h", () => {
  it("creates the element with its classes and literal text", () => {
    const node = h("span", "hitl-a hitl-b", `<img src=x onerror="window.__hitlPwned = 1">`);
    expect(node.tagName).toBe("SPAN");
    expect([...node.classList]).toEqual(["hitl-a", "hitl-b"]);
    expect(node.textContent).toBe(`<img src=x onerror="window.__hitlPwned = 1">`);
    expect(node.children.length).toBe(0);
  });

  it("without text or class creates an empty bare element", () => {
    const node = h("div");
    expect(node.className).toBe("");
    expect(node.hasAttribute("class")).toBe(false);
    expect(node.childNodes.length).toBe(0);
  });
});

describe("labelText", () => {
  it("shows a class, a list of classes, an empty list and no label", () => {
    expect(labelText("cat")).toBe("cat");
    expect(labelText(3)).toBe("3");
    expect(labelText(0)).toBe("0");
    expect(labelText(["cat", 2])).toBe("cat, 2");
    expect(labelText([])).toBe("(none)");
    expect(labelText(null)).toBe("");
    expect(labelText(undefined)).toBe("");
  });
});

describe("slider", () => {
  it("is a labelled range input, 0 to 1 by 0.05 unless told", () => {
    const s = slider("hitl-opacity", "mask opacity");
    expect(s.tagName).toBe("INPUT");
    expect([s.className, s.type, s.min, s.max, s.step]).toEqual(["hitl-opacity", "range", "0", "1", "0.05"]);
    expect(s.getAttribute("aria-label")).toBe("mask opacity");
    const t = slider("x", "size", 1, 50, 1);
    expect([t.min, t.max, t.step]).toEqual(["1", "50", "1"]);
  });
});

describe("setParts", () => {
  it("puts each data piece in its own bdi and the widget's words in text nodes", () => {
    const line = h("div");
    const rtl = "\u202eLTR";
    setParts(line, ["new boxes: ", data(rtl), " — drag to draw"]);
    expect(line.childNodes.length).toBe(1); // one span: a flex parent lays the line out as one item
    const parts = line.firstChild as HTMLElement;
    expect(parts.tagName).toBe("SPAN");
    expect(parts.childNodes.length).toBe(3);
    expect(parts.childNodes[0].nodeType).toBe(Node.TEXT_NODE);
    expect((parts.childNodes[1] as HTMLElement).tagName).toBe("BDI");
    expect(parts.childNodes[1].textContent).toBe(rtl);
    expect(line.textContent).toBe(`new boxes: ${rtl} — drag to draw`);
    setParts(line, ["x ", data("<img src=x onerror=alert(1)>")]);
    expect(line.querySelector("img")).toBeNull();
    expect(line.textContent).toBe("x <img src=x onerror=alert(1)>");
  });

  it("does not rewrite an unchanged line, and setText after it takes over", () => {
    const line = h("div");
    setParts(line, ["a ", data(["x", "y"])]);
    const bdi = line.querySelector("bdi");
    expect(bdi?.textContent).toBe("x, y");
    setParts(line, ["a ", data(["x", "y"])]);
    expect(line.querySelector("bdi")).toBe(bdi);
    setText(line, "plain");
    setParts(line, ["a ", data(["x", "y"])]);
    expect(line.textContent).toBe("a x, y");
  });
});

describe("countOf", () => {
  it("keeps the noun singular for one only", () => {
    expect(countOf(1, "polygon")).toBe("1 polygon");
    expect(countOf(0, "polygon")).toBe("0 polygons");
    expect(countOf(2, "open proposal")).toBe("2 open proposals");
    expect(countOf(3, "box", "boxes")).toBe("3 boxes");
    expect(countOf(1, "box", "boxes")).toBe("1 box");
  });
});

describe("keyButton", () => {
  it("is a hitl-button showing its key badge, then its text as text", () => {
    const b = keyButton("hitl-accept", "a", "<b>accept</b>");
    expect(b.tagName).toBe("BUTTON");
    expect(b.className).toBe("hitl-button hitl-accept");
    expect(b.children).toHaveLength(1);
    expect(b.children[0].className).toBe("hitl-key");
    expect(b.children[0].textContent).toBe("a");
    expect(b.textContent).toBe("a<b>accept</b>");
    expect(b.querySelector("b")).toBeNull();
  });
});

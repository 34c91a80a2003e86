import { afterEach, describe, expect, it, vi } from "vitest";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

// FRONTEND_VERSION is baked in from __HITL_VERSION__ when the module loads. Vitest provides
// `define` values as globals, so a test can load lib/widget.ts again under another version.
async function loadWidgetModule(version: string) {
  vi.stubGlobal("__HITL_VERSION__", version);
  vi.resetModules();
  return import("./widget");
}

const message = (s: StatusLine) => s.node.querySelector(".hitl-status-banner") as HTMLElement;

describe("checkVersion", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("takes the version from the build", async () => {
    const { FRONTEND_VERSION } = await loadWidgetModule("1.2.3");
    expect(FRONTEND_VERSION).toBe("1.2.3");
  });

  it("warns in the status line when the Python package has another version", async () => {
    const { checkVersion } = await loadWidgetModule("0.2.0");
    const status = new StatusLine();
    expect(checkVersion(createFakeModel({ version: "0.1.0" }), status)).toBe(false);
    expect(message(status).textContent).toMatch(/front-end 0\.2\.0 differs from the Python package 0\.1\.0/);
    expect(message(status).textContent).toMatch(/restart the kernel/);
    expect(message(status).classList.contains("hitl-error")).toBe(true);
  });

  it("is quiet when the versions match or Python sends none", async () => {
    const { checkVersion } = await loadWidgetModule("0.2.0");
    for (const version of ["0.2.0", "", undefined]) {
      const status = new StatusLine();
      expect(checkVersion(createFakeModel({ version }), status)).toBe(true);
      expect(message(status).textContent).toBe("");
    }
  });

  it("never warns in a test build", async () => {
    const { checkVersion, FRONTEND_VERSION } = await loadWidgetModule("test");
    expect(FRONTEND_VERSION).toBe("test");
    const status = new StatusLine();
    expect(checkVersion(createFakeModel({ version: "0.1.0" }), status)).toBe(true);
    expect(message(status).textContent).toBe("");
  });
});

describe("exposeModel", () => {
  it("attaches the model as a non-enumerable property", async () => {
    const { exposeModel } = await import("./widget");
    const root = document.createElement("div");
    const model = createFakeModel();
    exposeModel(root, model);
    expect((root as any).hitlModel).toBe(model);
    expect(Object.keys(root)).not.toContain("hitlModel");
  });
});

describe("mountRoot", () => {
  it("appends a root of the given class to el, holding the model", async () => {
    const { mountRoot } = await import("./widget");
    const el = document.createElement("div");
    const model = createFakeModel();
    const root = mountRoot(el, model, "hitl-root hitl-vqa");
    expect(root.tagName).toBe("DIV");
    expect(root.className).toBe("hitl-root hitl-vqa");
    expect([...el.children]).toEqual([root]);
    expect((root as any).hitlModel).toBe(model);
  });
});

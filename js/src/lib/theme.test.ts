import { afterEach, describe, expect, it, vi } from "vitest";
import { followHostTheme, hostScheme } from "./theme";

const tick = () => new Promise((r) => setTimeout(r, 50));

/** body > host element > (its shadow root) > anywidget's el > the widget's root, as marimo renders. */
function inShadow(): HTMLElement {
  const host = document.createElement("marimo-anywidget");
  document.body.append(host);
  const shadow = host.attachShadow({ mode: "open" });
  const el = document.createElement("div");
  shadow.append(el);
  const root = document.createElement("div");
  root.className = "hitl-root";
  el.append(root);
  return root;
}

function systemDark(dark: boolean) {
  vi.stubGlobal("matchMedia", (q: string) => ({
    matches: dark && q.includes("dark"), media: q, addEventListener: () => {}, removeEventListener: () => {},
  }));
}

describe("hostScheme", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.replaceChildren();
    for (const a of ["class", "data-theme", "data-jp-theme-light"]) document.body.removeAttribute(a);
  });

  it("reads the host's theme across a shadow root (marimo: body.dark-theme, data-theme)", () => {
    systemDark(false);
    const root = inShadow();
    expect(hostScheme(root)).toBe("light");
    document.body.className = "dark dark-theme";
    expect(hostScheme(root)).toBe("dark");
    document.body.className = "";
    document.body.setAttribute("data-theme", "dark");
    expect(hostScheme(root)).toBe("dark");
  });

  it("reads VS Code's and JupyterLab's marks; a host's light wins over a dark system", () => {
    systemDark(true);
    const root = inShadow();
    document.body.className = "vscode-light";
    expect(hostScheme(root)).toBe("light");
    document.body.className = "vscode-high-contrast";
    expect(hostScheme(root)).toBe("dark");
    document.body.className = "";
    document.body.setAttribute("data-jp-theme-light", "true");
    expect(hostScheme(root)).toBe("light");
  });

  it("falls back to the system's prefers-color-scheme where the host names no theme", () => {
    systemDark(true);
    expect(hostScheme(inShadow())).toBe("dark");
    systemDark(false);
    expect(hostScheme(inShadow())).toBe("light");
  });

  it("followHostTheme marks the root and follows the host's switch", async () => {
    systemDark(false);
    const root = inShadow();
    followHostTheme(root);
    expect(root.dataset.hitlTheme).toBe("light");
    document.body.setAttribute("data-theme", "dark");
    await tick();
    expect(root.dataset.hitlTheme).toBe("dark");
    document.body.setAttribute("data-theme", "light");
    await tick();
    expect(root.dataset.hitlTheme).toBe("light");
  });
});

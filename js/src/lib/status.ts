// The status line: errors sent from Python, and whether every label has been saved.
import { h, setText } from "./dom";

/** Where one change stands until the kernel acknowledges it (none once it has). */
export type SaveState = "pending" | "failed";

/** What follows a change's text while it is unacknowledged: " (unsaved)", " (NOT saved)", or "". */
export function saveSuffix(state: SaveState | undefined): string {
  return state === "pending" ? " (unsaved)" : state === "failed" ? " (NOT saved)" : "";
}

export class StatusLine {
  readonly node: HTMLDivElement;
  private readonly message: HTMLSpanElement;
  private readonly saved: HTMLSpanElement;
  private readonly banner: HTMLDivElement;

  constructor() {
    this.node = h("div", "hitl-status");
    this.banner = h("div", "hitl-status-banner hitl-error");
    this.banner.setAttribute("role", "alert");
    this.banner.hidden = true;
    this.message = h("span", "hitl-status-message");
    this.message.setAttribute("role", "status");
    this.saved = h("span", "hitl-status-saved");
    this.node.append(this.banner, this.message, this.saved);
  }

  /** A lasting warning (e.g. a stale front-end) that messages do not replace. */
  warn(text: string): void {
    setText(this.banner, text);
    this.banner.hidden = !text;
  }

  info(text: string): void {
    this.message.classList.remove("hitl-error");
    this.message.setAttribute("role", "status");
    setText(this.message, text);
  }

  error(text: string): void {
    this.message.classList.add("hitl-error");
    this.message.setAttribute("role", "alert");
    setText(this.message, text);
  }

  clear(): void {
    this.info("");
  }

  /** Saved-state badge: "saved", "n unsaved", or "n not saved" (failed after retries). */
  setSaved(pending: number, failed: number): void {
    this.saved.classList.toggle("hitl-unsaved", pending > 0);
    this.saved.classList.toggle("hitl-error", failed > 0);
    if (failed > 0) setText(this.saved, `${failed} not saved`);
    else if (pending > 0) setText(this.saved, `${pending} unsaved`);
    else setText(this.saved, "all saved");
  }
}

// The status line: errors sent from Python, and whether every label has been saved.
//
// A message belongs to the item it is about: the view tells the line which item it shows
// (showing(); the Stepper does it on every step), and a message said about another item
// (`about.item`) is cleared then. A message said about no item stays until the next one.
import { h, setText } from "./dom";

/** What a message is about (see the module comment); `title`: its tooltip (e.g. an internal id). */
export interface About {
  item?: unknown;
  title?: string;
}

const keyOf = (item: unknown): string => JSON.stringify(item) ?? "undefined";

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
  private shown: string | undefined; // the item the view shows (its key), once told
  private about: string | undefined; // the item the message is about

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

  info(text: string, about?: About): void {
    this.message.classList.remove("hitl-error");
    this.message.setAttribute("role", "status");
    this.say(text, about);
  }

  error(text: string, about?: About): void {
    this.message.classList.add("hitl-error");
    this.message.setAttribute("role", "alert");
    this.say(text, about);
  }

  /** The view now shows `item` (undefined: none, e.g. its end screen): a message about another
   *  item is cleared. */
  showing(item: unknown): void {
    const key = keyOf(item);
    if (key === this.shown) return;
    this.shown = key;
    if (this.about !== undefined && this.about !== key) this.info("");
  }

  private say(text: string, about?: About): void {
    setText(this.message, text);
    this.about = text && about && "item" in about ? keyOf(about.item) : undefined;
    if (about?.title) this.message.title = about.title;
    else this.message.removeAttribute("title");
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

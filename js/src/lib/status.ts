// The status line: errors sent from Python, messages about what a key or button did, and whether
// every label has been saved.
import { h, setText } from "./dom";

/** Where one change stands until the kernel acknowledges it (none once it has). */
export type SaveState = "pending" | "failed";

/** What follows a change's text while it is unacknowledged: " (unsaved)", " (NOT saved)", or "". */
export function saveSuffix(state: SaveState | undefined): string {
  return state === "pending" ? " (unsaved)" : state === "failed" ? " (NOT saved)" : "";
}

/** How StatusLine.say shows a message. */
export interface SayOptions {
  /** the item the message is about: it is cleared once another item is shown (itemShown); any
   *  value, compared by its JSON form (an id, or e.g. [query, rank]) */
  item?: unknown;
  /** shown as an error (an alert), not as a polite status */
  error?: boolean;
  /** a tooltip on the message (e.g. the item's internal id, where the text names its position) */
  title?: string;
}

/** The status line. `info` / `error` show a message until the next one; `say(text, {item})` shows
 *  one that belongs to an item, and `itemShown(id)` (call it whenever the view shows an item)
 *  clears a message of another item, so "accepted 3 proposals" does not stay on the next image.
 *
 *  Example: `status.say("undo: image 4", { item: id, title: "item id 829" });` then, on every
 *  paint, `status.itemShown(stepper.current());` */
export class StatusLine {
  readonly node: HTMLDivElement;
  private readonly message: HTMLSpanElement;
  private readonly saved: HTMLSpanElement;
  private readonly banner: HTMLDivElement;
  /** JSON form of the item the message belongs to (null: none, it stays) */
  private owner: string | null = null;

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

  /** Show `text` until the next message (see say for options). */
  info(text: string): void {
    this.say(text);
  }

  /** Show `text` as an error until the next message. */
  error(text: string): void {
    this.say(text, { error: true });
  }

  /** Show `text`; with `item` it belongs to that item (cleared by itemShown of another). */
  say(text: string, options: SayOptions = {}): void {
    const error = options.error === true;
    this.message.classList.toggle("hitl-error", error);
    this.message.setAttribute("role", error ? "alert" : "status");
    setText(this.message, text);
    if (options.title) this.message.title = options.title;
    else this.message.removeAttribute("title");
    this.owner = options.item === undefined || !text ? null : JSON.stringify(options.item);
  }

  /** The view now shows `item` (undefined: none, e.g. the end screen): a message that belongs to
   *  another item is cleared; one of this item, or of none, stays. */
  itemShown(item: unknown): void {
    if (this.owner !== null && (item === undefined || JSON.stringify(item) !== this.owner)) this.clear();
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

// The one-line editor of a word's text: Enter saves, Escape cancels (and neither reaches the
// notebook); losing the focus cancels. The host's own keys (Shift+Enter runs the cell) pass.
import { textBoxKeys } from "../../lib/keyboard";

export class WordEditor {
  constructor(
    private readonly row: HTMLElement,
    private readonly input: HTMLInputElement,
    private readonly root: HTMLElement,
    private readonly done: (text: string | null) => void,
  ) {
    textBoxKeys(input, { enter: () => this.close(input.value), escape: () => this.close(null) });
    input.addEventListener("blur", () => this.close(null));
  }

  get open(): boolean {
    return !this.row.hidden;
  }

  /** Show the editor holding `text`, selected. */
  show(text: string): void {
    this.row.hidden = false;
    this.input.value = text;
    this.input.focus();
    this.input.select();
  }

  /** Close it: `text` saved, or null (cancelled); the widget takes the focus back. */
  close(text: string | null): void {
    if (this.row.hidden) return;
    this.row.hidden = true;
    this.root.focus({ preventScroll: true });
    this.done(text);
  }
}

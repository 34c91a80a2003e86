// Whether a view still has a live kernel behind it. A view whose kernel died or restarted keeps
// showing, but its model's comm is gone: what it sends reaches nothing, and no answer will come.
// Two signals, both from the host:
//   - @jupyter-widgets/base sets the model's comm_live to false (event "comm_live_update") when
//     the widget manager disconnects: a restart of the kernel by the person (status "restarting");
//     the comm closing (event "comm:close") means the same;
//   - JupyterLab's kernel connection (the widget manager's `kernel`, where the host has one) says
//     "autorestarting" when the kernel died and the server started a new one (a SIGKILL, the OOM
//     killer), "dead" or "terminating" when it is gone. comm_live is not touched then.
// anywidget's model forwards on/off to the real model, and exposes widget_manager.

/** The kernel statuses after which the view's comm is gone. */
export const LOST_STATUSES = new Set(["restarting", "autorestarting", "dead", "terminating"]);

interface Signal<T> {
  connect(slot: (sender: unknown, value: T) => void): unknown;
  disconnect(slot: (sender: unknown, value: T) => void): unknown;
}

interface Watched {
  on?: (event: string, handler: () => void) => void;
  off?: (event: string, handler: () => void) => void;
  widget_manager?: { kernel?: { statusChanged?: Signal<string> } | null };
}

/** Call `lost(why)` when the view's kernel is gone (each time a signal says so); returns the
 *  function that stops watching. */
export function watchConnection(model: unknown, lost: (why: string) => void): () => void {
  const m = model as Watched;
  const once = (why: string) => lost(why);
  const commLive = () => once("comm closed");
  const events = ["comm_live_update", "comm:close"];
  for (const event of events) m.on?.(event, commLive);
  let signal: Signal<string> | undefined;
  const status = (_: unknown, value: string) => {
    if (LOST_STATUSES.has(value)) once(`kernel ${value}`);
  };
  try {
    signal = m.widget_manager?.kernel?.statusChanged;
    signal?.connect(status);
  } catch {
    signal = undefined; // a host without JupyterLab's kernel object: the comm events alone
  }
  return () => {
    for (const event of events) m.off?.(event, commLive);
    try {
      signal?.disconnect(status);
    } catch {
      // nothing to undo
    }
  };
}

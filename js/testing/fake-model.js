// A stand-in for anywidget's model (the Backbone-like object passed to render({ model, el })),
// adapted from the shared browser-tests recipe. Plain ESM JS so it runs under vitest (happy-dom
// and real Chromium) and in a bare page driven by Playwright.
//
// Covers get / set / on / off / save_changes / send(content, callbacks, buffers), plus helpers
// that play the kernel side: kernelSet (a traitlet changed in Python) and kernelSend (Python's
// `widget.send(content, buffers=[...])`, delivered as a "msg:custom" event with its buffers).

/**
 * @param {Record<string, any>} initial  the synced state (traitlets) at render time
 */
export function createFakeModel(initial = {}) {
  const state = { ...initial };
  // A review widget's queue given whole as `order: [...]` (as tests describe it) is synced as the
  // kernel syncs a short queue: all of it in `order_window`, with a version (ReviewWidget)
  let version = 0;
  const orderWindow = (ids) => ({ version: (version += 1), total: ids.length, start: 0, ids: [...ids] });
  if (Array.isArray(state.order) && state.order_window === undefined) state.order_window = orderWindow(state.order);
  delete state.order;
  /** @type {Map<string, Set<Function>>} */
  const handlers = new Map();
  const emit = (event, ...args) => {
    for (const cb of [...(handlers.get(event) ?? [])]) cb(...args);
  };
  const model = {
    get: (key) => state[key],
    set: (key, value) => {
      const prev = state[key];
      state[key] = value;
      // Backbone semantics: change events fire synchronously on set, only if the value changed.
      if (!Object.is(prev, value)) {
        emit(`change:${key}`, model, value);
        emit("change", model);
      }
    },
    on: (events, cb) => {
      for (const ev of events.split(/\s+/).filter(Boolean)) {
        if (!handlers.has(ev)) handlers.set(ev, new Set());
        handlers.get(ev).add(cb);
      }
    },
    off: (events, cb) => {
      if (!events) return handlers.clear();
      for (const ev of events.split(/\s+/).filter(Boolean)) {
        if (cb) handlers.get(ev)?.delete(cb);
        else handlers.delete(ev);
      }
    },
    save_changes: () => {
      model.saved.push({ ...state });
    },
    send: (content, callbacks, buffers = []) => {
      if (model.failSend) throw model.failSend; // a closed comm throws
      model.sent.push({ content, callbacks, buffers });
    },
    widget_manager: {
      get_model: async () => {
        throw new Error("fake model: widget_manager.get_model not implemented");
      },
    },

    // ---- test helpers (not part of anywidget's API) ----
    /** snapshots of the state at each save_changes() call (what would go to Python) */
    saved: [],
    /** every model.send(content, callbacks, buffers) call, oldest first */
    sent: [],
    /** set to an Error to make send() throw it (simulates a closed comm); null to send normally */
    failSend: null,
    /** the contents sent, optionally only those whose `type` is given */
    sentContents: (type) =>
      model.sent.map((m) => m.content).filter((c) => type === undefined || (c && c.type === type)),
    /** the last content sent (optionally of this type) */
    lastSent: (type) => {
      const contents = model.sentContents(type);
      return contents[contents.length - 1];
    },
    /** simulate Python setting a traitlet (kernel -> front-end) */
    kernelSet: (key, value) => (key === "order" ? model.set("order_window", orderWindow(value)) : model.set(key, value)),
    /** simulate Python `widget.send(content, buffers=[...])` (a custom message, with binary buffers) */
    kernelSend: (content, buffers = []) => emit("msg:custom", content, buffers),
    /** fire any model event (e.g. "comm_live_update" when the widget manager marks the comm dead) */
    fire: (event, ...args) => emit(event, ...args),
    /** number of listeners registered for an event (to check cleanup) */
    listenerCount: (event) => handlers.get(event)?.size ?? 0,
    /** total listeners over all events */
    totalListeners: () => [...handlers.values()].reduce((n, s) => n + s.size, 0),
  };
  return model;
}

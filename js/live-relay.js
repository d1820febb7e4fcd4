// A tab's live event streams (src/live/stream.rs): through the browser's shared worker
// (js/live-worker.js), so that every tab of the app shares one stream per address and account,
// or, where there are no shared workers (Chrome on Android) or this one cannot start, an
// EventSource of the tab's own. Either way a page sees the same events and states.

const KINDS = ['source', 'notification', 'collaboration', 'traffic'];
// The name is the worker's protocol version: a tab of a newer build with another protocol
// gets a worker of its own rather than talking to an older one.
const WORKER = ['/live-worker.js', 'live-1'];
const BEAT_MS = 20_000;
// EventSource.CLOSED, spelled out: the component tests' stand-in EventSource has no constants.
const CLOSED = 2;

/** id → {key, url, onEvent, onState, direct: EventSource | null} */
const subs = new Map();
let nextId = 1;
/** undefined: not tried yet; null: none (each stream is the tab's own) */
let worker;

function direct(sub) {
  const source = new EventSource(sub.url);
  sub.direct = source;
  source.onopen = () => sub.onState('open');
  source.onerror = () => sub.onState(source.readyState === CLOSED ? 'refused' : 'reconnecting');
  for (const kind of KINDS) source.addEventListener(kind, (event) => sub.onEvent(event.data));
}

function held() {
  return [...subs].filter(([, s]) => !s.direct).map(([id, s]) => [id, s.key, s.url]);
}

function shared() {
  if (worker !== undefined) return worker;
  worker = null;
  if (typeof SharedWorker !== 'function') return null;
  let w;
  try {
    w = new SharedWorker(WORKER[0], { name: WORKER[1] });
  } catch {
    return null;
  }
  // The worker could not start (its script missing, say): each stream becomes the tab's own.
  w.onerror = () => {
    worker = null;
    for (const sub of subs.values()) if (!sub.direct) direct(sub);
  };
  w.port.onmessage = ({ data }) => {
    const sub = subs.get(data.id);
    if (!sub || sub.direct) return;
    if (data.state) sub.onState(data.state);
    else if (data.gap) sub.onState('gap');
    else sub.onEvent(data.data);
  };
  w.port.start();
  const beat = () => worker && worker.port.postMessage({ op: 'alive', subs: held() });
  setInterval(beat, BEAT_MS);
  // Leaving (or entering the back/forward cache) lets go at once; coming back holds again.
  addEventListener('pagehide', () => worker && worker.port.postMessage({ op: 'bye' }));
  addEventListener('pageshow', (event) => event.persisted && beat());
  worker = w;
  return w;
}

/**
 * Listens to the live events at `url` as `account`: `onEvent(data)` for each,
 * `onState('open' | 'reconnecting' | 'refused')` as the stream's state changes, and
 * `onState('gap')` when events were missed (the tab was let go of meanwhile).
 * @returns {{close: () => void, retry: () => void}}
 */
export function listen(url, account, onEvent, onState) {
  const id = nextId++;
  const sub = { key: `${account} ${url}`, url, onEvent, onState, direct: null };
  subs.set(id, sub);
  const w = shared();
  if (w) w.port.postMessage({ op: 'open', id, key: sub.key, url });
  else direct(sub);
  return {
    close() {
      subs.delete(id);
      if (sub.direct) sub.direct.close();
      else if (worker) worker.port.postMessage({ op: 'close', id });
    },
    // After 'refused': ask the server again.
    retry() {
      if (sub.direct) {
        if (sub.direct.readyState === CLOSED) direct(sub);
      } else if (worker) {
        worker.port.postMessage({ op: 'retry', id });
      }
    },
  };
}

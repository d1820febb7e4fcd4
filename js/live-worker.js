// The browser's one holder of the app's live event streams (`/api/events`), shared by every tab
// of the app (js/live-relay.js connects each tab). The server caps the streams one account holds
// open, and every tab wants the header's stream: with a stream per tab, the eleventh tab was
// refused. Here tabs that ask for the same address, as the same account, share one stream, and
// it closes when the last of them lets go.
//
// Tab → worker: {op: 'open', id, key, url}, {op: 'close', id}, {op: 'retry', id},
//   {op: 'alive', subs: [[id, key, url], …]} (what the tab holds, every 20 s), {op: 'bye'},
//   {op: 'list'}.
// Worker → tab: {id, state: 'open' | 'reconnecting' | 'refused'}, {id, kind, data},
//   {id, gap: true} (events were missed), {list: [{url, state, tabs}, …]}.
'use strict';

const KINDS = ['source', 'notification', 'collaboration', 'traffic'];
// A tab not heard from for this long is gone: crashed or discarded without a 'bye' (no
// browser here says when a port's other end is gone: the MessagePort 'close' event of
// whatwg/html#9933 does not fire in Chromium 156). A hidden tab's timers may run only once a
// minute, and a frozen tab's not at all while its port keeps what is sent to it: so this is
// long, and a tab frozen for less misses nothing.
const SILENT_MS = 600_000;

/** key (account and address) → {url, source, state, subs: Set<{port, id, key}>} */
const streams = new Map();
/** port → {seen, subs: Map<id, sub>} */
const tabs = new Map();

function post(sub, message) {
  sub.port.postMessage({ id: sub.id, ...message });
}

function announce(stream, state) {
  stream.state = state;
  for (const sub of stream.subs) post(sub, { state });
}

function connect(stream) {
  const source = new EventSource(stream.url);
  stream.source = source;
  stream.state = 'connecting';
  source.onopen = () => announce(stream, 'open');
  // CLOSED: the server answered with an error (the cap, a lapsed session), and the browser
  // will not try again by itself; otherwise it is reconnecting.
  source.onerror = () =>
    announce(stream, source.readyState === EventSource.CLOSED ? 'refused' : 'reconnecting');
  for (const kind of KINDS) {
    source.addEventListener(kind, (event) => {
      for (const sub of stream.subs) post(sub, { kind, data: event.data });
    });
  }
}

function tab(port) {
  let t = tabs.get(port);
  if (!t) {
    // New, or back after being taken for gone (a frozen tab): its beat says what it holds.
    t = { seen: Date.now(), subs: new Map() };
    tabs.set(port, t);
  }
  t.seen = Date.now();
  return t;
}

function subscribe(port, id, key, url) {
  const t = tab(port);
  if (t.subs.has(id)) return;
  let stream = streams.get(key);
  if (!stream) {
    stream = { url, source: null, state: 'connecting', subs: new Set() };
    streams.set(key, stream);
    connect(stream);
  } else if (stream.state === 'refused') {
    // A page that asks anew is a new attempt.
    connect(stream);
  }
  const sub = { port, id, key };
  stream.subs.add(sub);
  t.subs.set(id, sub);
  if (stream.state !== 'connecting') post(sub, { state: stream.state });
}

function unsubscribe(t, id) {
  const sub = t.subs.get(id);
  if (!sub) return;
  t.subs.delete(id);
  const stream = streams.get(sub.key);
  stream.subs.delete(sub);
  if (stream.subs.size === 0) {
    stream.source.close();
    streams.delete(sub.key);
  }
}

function leave(port) {
  const t = tabs.get(port);
  if (!t) return;
  for (const id of [...t.subs.keys()]) unsubscribe(t, id);
  tabs.delete(port);
}

self.onconnect = (event) => {
  const port = event.ports[0];
  tab(port);
  port.onmessage = ({ data }) => {
    switch (data.op) {
      case 'open':
        subscribe(port, data.id, data.key, data.url);
        break;
      case 'close':
        unsubscribe(tab(port), data.id);
        break;
      case 'retry': {
        const sub = tab(port).subs.get(data.id);
        const stream = sub && streams.get(sub.key);
        if (!stream) break;
        if (stream.state === 'refused') connect(stream);
        // Another tab's Try again was first: this one hears how it went.
        else if (stream.state !== 'connecting') post(sub, { state: stream.state });
        break;
      }
      case 'alive': {
        const t = tab(port);
        for (const [id, key, url] of data.subs) {
          if (t.subs.has(id)) continue;
          // Held again after it was let go of (the tab left for the back/forward cache, or
          // was silent too long): what the stream carried meanwhile did not reach it.
          subscribe(port, id, key, url);
          post(t.subs.get(id), { gap: true });
        }
        break;
      }
      case 'bye':
        leave(port);
        break;
      // What it holds, for whoever asks (the end-to-end tests): each stream's address,
      // state and number of tabs.
      case 'list':
        port.postMessage({
          list: [...streams.values()].map((s) => ({
            url: s.url,
            state: s.state,
            tabs: new Set([...s.subs].map((sub) => sub.port)).size,
          })),
        });
        break;
    }
  };
};

setInterval(() => {
  const now = Date.now();
  for (const [port, t] of tabs) if (now - t.seen > SILENT_MS) leave(port);
}, 30_000);

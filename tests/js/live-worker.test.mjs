// The live streams' shared worker (js/live-worker.js), run in a Node VM with stand-ins for the
// browser's EventSource, ports, clock and timer: what it shares, when it lets go, what it
// relays. The browser side is proven end to end in tests/e2e/live_tabs.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import vm from 'node:vm';

const source = readFileSync(resolve(import.meta.dirname, '../../js/live-worker.js'), 'utf8');

/** A fresh worker: its streams, a clock to move, its sweep to run, and tabs to connect. */
function worker() {
  const streams = [];
  class EventSource {
    static CLOSED = 2;
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.listeners = {};
      this.closed = false;
      streams.push(this);
    }
    addEventListener(kind, f) {
      this.listeners[kind] = f;
    }
    close() {
      this.closed = true;
      this.readyState = 2;
    }
    send(kind, data) {
      this.listeners[kind]({ data });
    }
    fail(readyState) {
      this.readyState = readyState;
      this.onerror();
    }
  }
  let now = 1_000_000;
  let sweep = null;
  const self = {};
  const context = vm.createContext({
    self,
    EventSource,
    Date: { now: () => now },
    setInterval: (f) => (sweep = f),
  });
  vm.runInContext(source, context);
  const tab = () => {
    const port = {
      received: [],
      postMessage(m) {
        // Copied into this realm, as a real port copies what it carries.
        this.received.push(structuredClone(m));
      },
    };
    self.onconnect({ ports: [port] });
    port.say = (m) => port.onmessage({ data: m });
    return port;
  };
  return {
    streams,
    tab,
    later: (ms) => (now += ms),
    sweep: () => sweep(),
    list: () => {
      const asker = tab();
      asker.say({ op: 'list' });
      asker.say({ op: 'bye' });
      return asker.received.at(-1).list;
    },
  };
}

const OWN = '/api/events';

test('tabs share one stream per account and address, and it closes when the last lets go', () => {
  const w = worker();
  const [a, b] = [w.tab(), w.tab()];
  a.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  b.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  assert.equal(w.streams.length, 1, 'one stream for both tabs');
  // Someone else signed in elsewhere gets their own.
  b.say({ op: 'open', id: 2, key: `8 ${OWN}`, url: OWN });
  assert.equal(w.streams.length, 2);
  w.streams[0].onopen();
  assert.deepEqual(a.received, [{ id: 1, state: 'open' }]);
  w.streams[0].send('traffic', '{"kind":"traffic"}');
  assert.deepEqual(a.received.at(-1), { id: 1, kind: 'traffic', data: '{"kind":"traffic"}' });
  assert.deepEqual(b.received.at(-1), { id: 1, kind: 'traffic', data: '{"kind":"traffic"}' });
  assert.deepEqual(w.list().map((s) => [s.url, s.tabs]), [[OWN, 2], [OWN, 1]]);

  a.say({ op: 'close', id: 1 });
  assert.equal(w.streams[0].closed, false, 'b still holds it');
  b.say({ op: 'close', id: 1 });
  assert.equal(w.streams[0].closed, true, 'closed with its last tab');
  assert.equal(w.streams[1].closed, false);
  // A tab that leaves lets go of everything it held.
  b.say({ op: 'bye' });
  assert.equal(w.streams[1].closed, true);
  assert.deepEqual(w.list(), []);
});

test('a tab that joins an open stream hears its state at once', () => {
  const w = worker();
  const a = w.tab();
  a.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  w.streams[0].onopen();
  const b = w.tab();
  b.say({ op: 'open', id: 4, key: `7 ${OWN}`, url: OWN });
  assert.deepEqual(b.received, [{ id: 4, state: 'open' }]);
});

test('a stream the server turns down is tried again on Try again, or when a page asks anew', () => {
  const w = worker();
  const [a, b] = [w.tab(), w.tab()];
  const url = '/api/events?traffic_of=3';
  a.say({ op: 'open', id: 1, key: `7 ${url}`, url });
  b.say({ op: 'open', id: 1, key: `7 ${url}`, url });
  w.streams[0].fail(0);
  assert.deepEqual(a.received.at(-1), { id: 1, state: 'reconnecting' }, 'the browser retries by itself');
  w.streams[0].fail(2);
  assert.deepEqual(a.received.at(-1), { id: 1, state: 'refused' });
  assert.deepEqual(b.received.at(-1), { id: 1, state: 'refused' });
  a.say({ op: 'retry', id: 1 });
  assert.equal(w.streams.length, 2, 'asked again');
  // The other tab's Try again, meanwhile, opens nothing more.
  b.say({ op: 'retry', id: 1 });
  assert.equal(w.streams.length, 2);
  w.streams[1].onopen();
  assert.deepEqual(a.received.at(-1), { id: 1, state: 'open' });
  assert.deepEqual(b.received.at(-1), { id: 1, state: 'open' });
  b.say({ op: 'retry', id: 1 });
  assert.deepEqual(b.received.at(-1), { id: 1, state: 'open' }, 'a late Try again hears it is open');

  w.streams[1].fail(2);
  const c = w.tab();
  c.say({ op: 'open', id: 9, key: `7 ${url}`, url });
  assert.equal(w.streams.length, 3, 'a page that asks anew is a new attempt');
});

test('a tab not heard from for 10 minutes is taken for gone, and its beat brings it back', () => {
  const w = worker();
  const [a, b] = [w.tab(), w.tab()];
  a.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  b.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  w.later(590_000);
  b.say({ op: 'alive', subs: [[1, `7 ${OWN}`, OWN]] });
  w.later(20_000);
  w.sweep();
  assert.equal(w.streams[0].closed, false, 'b beat in time');
  assert.deepEqual(w.list().map((s) => s.tabs), [1], 'a is gone');
  w.later(601_000);
  w.sweep();
  assert.equal(w.streams[0].closed, true, 'both gone: closed');
  // b was only frozen: its next beat holds again what it held, and it hears it missed events.
  const heard = b.received.length;
  b.say({ op: 'alive', subs: [[1, `7 ${OWN}`, OWN]] });
  assert.equal(w.streams.length, 2);
  assert.deepEqual(w.list().map((s) => [s.url, s.tabs]), [[OWN, 1]]);
  assert.deepEqual(b.received.slice(heard), [{ id: 1, gap: true }]);
  // A beat for what it already holds changes nothing, and says nothing.
  w.streams[1].onopen();
  const after = b.received.length;
  b.say({ op: 'alive', subs: [[1, `7 ${OWN}`, OWN]] });
  assert.equal(w.streams.length, 2);
  assert.equal(b.received.length, after);
});

test('a tab back from the back/forward cache holds its streams again and hears it missed events', () => {
  const w = worker();
  const [a, b] = [w.tab(), w.tab()];
  a.say({ op: 'open', id: 1, key: `7 ${OWN}`, url: OWN });
  b.say({ op: 'open', id: 3, key: `7 ${OWN}`, url: OWN });
  w.streams[0].onopen();
  b.say({ op: 'bye' });
  w.streams[0].send('source', '{"kind":"source"}');
  const heard = b.received.length;
  b.say({ op: 'alive', subs: [[3, `7 ${OWN}`, OWN]] });
  assert.equal(w.streams.length, 1, 'the same stream, still held by a');
  assert.deepEqual(b.received.slice(heard), [{ id: 3, state: 'open' }, { id: 3, gap: true }]);
  w.streams[0].send('traffic', '{"kind":"traffic"}');
  assert.deepEqual(b.received.at(-1), { id: 3, kind: 'traffic', data: '{"kind":"traffic"}' });
});

//! What every web component test crate shares: a container in the page, finding, waiting,
//! clicking and typing, a fake `fetch` and a stand-in `EventSource`. Included by each crate with
//! `#[path = "dom/mod.rs"] mod dom;` (a folder without `main.rs` is no test target of its
//! own). The document is leptos's `document()`.
// Each crate uses a part of it.
#![allow(dead_code)]

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// A fresh element at the end of the page's body to mount into. Live streams get the
/// stand-in [`fake_event_source`] (no test talks to a real one), and no shared worker: the
/// app's relay then opens each stream in the page, where a test can reach it.
pub fn container() -> HtmlElement {
    fake_event_source();
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Lets Leptos run its effects (they are scheduled, not synchronous).
pub async fn settle() {
    sleep(30).await;
}

/// Waits (up to two seconds) until `selector` matches inside `root`.
pub async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..100 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        sleep(20).await;
    }
    panic!(
        "nothing matches {selector}; the DOM is: {}",
        root.inner_html()
    );
}

pub fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

pub fn exists(root: &Element, selector: &str) -> bool {
    root.query_selector(selector).unwrap().is_some()
}

pub fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

pub fn click(root: &Element, selector: &str) {
    find(root, selector).unchecked_into::<HtmlElement>().click();
}

pub fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

pub fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    find(root, selector).get_attribute(name)
}

/// Types into a field the way the browser reports it: set the value, fire `input`.
pub fn type_into(root: &Element, selector: &str, value: &str) {
    let el = find(root, selector);
    js_sys::Reflect::set(&el, &"value".into(), &value.into()).unwrap();
    el.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

pub fn eval(js: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(js).unwrap_or_else(|e| panic!("eval failed: {e:?}"))
}

/// Replaces `window.fetch` with a fake that answers from `window.__routes` ("METHOD /path" →
/// a list of `{status, body, delay}`, the last one repeating) and records every call in
/// `window.__calls` (its `key`, `search` and, but for a GET, its `body`).
pub fn fake_fetch(routes_json: &str) {
    eval(
        r#"
        window.__calls = [];
        window.fetch = async (request) => {
            const url = new URL(request.url);
            const key = `${request.method} ${url.pathname}`;
            const body = request.method === 'GET' ? null : await request.clone().text();
            window.__calls.push({ key, search: url.search, body });
            const list = window.__routes[key];
            if (!list) {
                return new Response('{"error":{"code":"not_found","message":"","fields":{}}}', { status: 404, headers: { 'content-type': 'application/json' } });
            }
            const answer = list.length > 1 ? list.shift() : list[0];
            if (answer.delay) await new Promise((r) => setTimeout(r, answer.delay));
            return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
        };
        "#,
    );
    eval(&format!("window.__routes = {routes_json};"));
}

/// How many requests the fake `fetch` had for `key` ("METHOD /path").
pub fn calls(key: &str) -> u32 {
    eval(&format!(
        "window.__calls.filter((c) => c.key === '{key}').length"
    ))
    .as_f64()
    .unwrap() as u32
}

/// Replaces `window.EventSource` with a fake that records each stream opened in
/// `window.__streams` (its `url`, whether it was `closed`), to which a test sends events and
/// whose `onopen` and `onerror` it calls; it never connects, so it stays quiet by itself.
pub fn fake_event_source() {
    eval(
        r#"
        delete window.SharedWorker;
        window.__streams = [];
        window.EventSource = class extends EventTarget {
            constructor(url) {
                super();
                this.url = url;
                this.closed = false;
                this.onopen = null;
                this.onerror = null;
                window.__streams.push(this);
            }
            close() { this.closed = true; }
        };
        "#,
    );
}

/// The urls of the streams opened since [`fake_event_source`], each with whether it is closed.
pub fn streams() -> Vec<(String, bool)> {
    let list: js_sys::Array =
        eval("window.__streams.map((s) => [s.url, s.closed])").unchecked_into();
    list.iter()
        .map(|pair| {
            let pair: js_sys::Array = pair.unchecked_into();
            (
                pair.get(0).as_string().unwrap(),
                pair.get(1).as_bool().unwrap(),
            )
        })
        .collect()
}

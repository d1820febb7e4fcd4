//! What every module's tests share: finding and waiting in the page, a fake `fetch`, a
//! signed-in session.

use model::{Account, Role};
use wasm_bindgen::JsCast;
use web::session::{Session, SessionState};
use web_sys::{Element, HtmlElement};

pub(crate) fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

pub(crate) fn container() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

pub(crate) async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

pub(crate) async fn settle() {
    sleep(30).await;
}

/// Waits (up to two seconds) until `selector` matches inside `root`.
pub(crate) async fn wait_for(root: &Element, selector: &str) -> Element {
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

pub(crate) fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

pub(crate) fn exists(root: &Element, selector: &str) -> bool {
    root.query_selector(selector).unwrap().is_some()
}

pub(crate) fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

pub(crate) fn click(root: &Element, selector: &str) {
    find(root, selector).unchecked_into::<HtmlElement>().click();
}

pub(crate) fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

pub(crate) fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    find(root, selector).get_attribute(name)
}

pub(crate) fn eval(js: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(js).unwrap_or_else(|e| panic!("eval failed: {e:?}"))
}

/// Replaces `window.fetch` with a fake that answers from `window.__routes` ("METHOD /path" →
/// a list of `{status, body, delay}`, the last one repeating) and records every call in
/// `window.__calls`.
pub(crate) fn fake_fetch(routes_json: &str) {
    eval(
        r#"
        window.__calls = [];
        window.fetch = async (request) => {
            const url = new URL(request.url);
            const key = `${request.method} ${url.pathname}`;
            window.__calls.push({ key, search: url.search });
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

pub(crate) fn calls(key: &str) -> u32 {
    eval(&format!(
        "window.__calls.filter((c) => c.key === '{key}').length"
    ))
    .as_f64()
    .unwrap() as u32
}

pub(crate) fn signed_in(role: Role) {
    Session::provide_with(SessionState::SignedIn(Account {
        id: 3,
        email: "someone@example.com".into(),
        role,
        display_name: "Someone".into(),
    }));
}

//! Component tests in headless Chromium for the webhooks page (issue 29): its loading, error
//! and empty states; the add form's errors at their fields (its own and the server's) and
//! the secret shown once; an endpoint's state in words, Turn on again, and its deliveries
//! with the test event's attempt awaited. A fake `fetch` answers every call.
//!
//! Run: `scripts/test-wasm.sh --test webhook_components`.
#![cfg(target_arch = "wasm32")]

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use leptos_router::components::Router;
use model::{Account, Role};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    components::toast::{ToastRegion, Toasts},
    pages::webhooks::Webhooks,
    session::{Session, SessionState},
};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "dom/mod.rs"]
mod dom;
use dom::*;

fn mount(root: &HtmlElement) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), || {
        Session::provide_with(SessionState::SignedIn(Account {
            id: 3,
            email: "pat@example.com".into(),
            role: Role::Partner,
            display_name: "Pat".into(),
        }));
        Toasts::provide();
        view! {
            <Router>
                <Webhooks/>
                <ToastRegion/>
            </Router>
        }
    })
}

/// Waits (up to two seconds) until `selector` holds `needle`.
async fn wait_for_text(root: &HtmlElement, selector: &str, needle: &str) {
    for _ in 0..100 {
        if exists(root, selector) && text(root, selector).contains(needle) {
            return;
        }
        sleep(20).await;
    }
    panic!("{selector} never said {needle:?}: {}", root.inner_html());
}

const EMPTY: &str = r#"{"status": 200, "body": {"items": [], "limit": 10}}"#;

fn endpoint(id: i64, disabled: bool, failing: bool) -> String {
    format!(
        r#"{{"id":{id},"url":"https://hooks.example/{id}","events":["source.blocked","source.paused"],"description":"CRM","created_at":"2026-11-24T09:00:00Z","disabled_at":{},"failing_since":{},"pending":{}}}"#,
        if disabled {
            r#""2026-11-27T09:00:00Z""#
        } else {
            "null"
        },
        if failing {
            r#""2026-11-24T10:00:00Z""#
        } else {
            "null"
        },
        if failing { 2 } else { 0 },
    )
}

#[wasm_bindgen_test]
async fn loading_then_an_error_with_try_again_then_the_empty_state() {
    fake_fetch(&format!(
        r#"{{"GET /api/webhooks": [
            {{"status": 500, "delay": 150, "body": {{"error": {{"code": "internal", "message": "Something went wrong on our side. Please try again.", "fields": {{}}}}}}}},
            {}
        ]}}"#,
        EMPTY
    ));
    let root = container();
    let _handle = mount(&root);
    settle().await;
    assert!(root
        .text_content()
        .unwrap()
        .contains("Loading your endpoints…"));
    let alert = wait_for(&root, ".alert--error").await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains("Couldn't load your endpoints"));
    click(&root, ".alert--error button");
    let empty = wait_for(&root, ".empty").await;
    assert!(empty.text_content().unwrap().contains("No endpoints yet"));
    assert_eq!(calls("GET /api/webhooks"), 2);
}

#[wasm_bindgen_test]
async fn the_form_says_what_to_fix_at_each_field_and_shows_the_secret_once() {
    fake_fetch(&format!(
        r#"{{"GET /api/webhooks": [{EMPTY}],
            "POST /api/webhooks": [
              {{"status": 422, "body": {{"error": {{"code": "invalid", "message": "Some fields need attention.", "fields": {{"url": "hooks.internal points to a private address: deliveries go only to public internet addresses."}}}}}}}},
              {{"status": 201, "body": {{"endpoint": {}, "secret": "whsec_c2VjcmV0LXNob3duLW9uY2UtYW5kLW5ldmVyLWFnYWlu"}}}}
            ]}}"#,
        endpoint(5, false, false)
    ));
    let root = container();
    let _handle = mount(&root);
    wait_for(&root, ".empty").await;

    // Nothing typed: the address is asked for, and nothing is sent.
    click(&root, ".webhook-form button[type=submit]");
    settle().await;
    assert!(text(&root, "#webhook-url-error").contains("Enter the web address"));
    assert_eq!(
        attr(&root, "#webhook-url", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(calls("POST /api/webhooks"), 0);

    // http:// to another machine, and no event chosen.
    type_into(&root, "#webhook-url", "http://hooks.example.com/in");
    for i in 0..10 {
        click(&root, &format!("#webhook-event-{i}"));
    }
    click(&root, ".webhook-form button[type=submit]");
    settle().await;
    assert!(text(&root, "#webhook-url-error").contains("https://"));
    assert!(text(&root, "#webhook-events-error").contains("at least one event"));
    assert_eq!(calls("POST /api/webhooks"), 0);

    // What only the server knows comes back at its field.
    type_into(&root, "#webhook-url", "https://hooks.internal/in");
    click(&root, "#webhook-event-0");
    click(&root, ".webhook-form button[type=submit]");
    wait_for_text(&root, "#webhook-url-error", "private address").await;
    let sent = eval("window.__calls.find((c) => c.key === 'POST /api/webhooks').body")
        .as_string()
        .unwrap();
    assert!(sent.contains(r#""events":["source.blocked"]"#), "{sent}");

    // Accepted: the secret, once, to copy.
    type_into(&root, "#webhook-url", "https://hooks.example/5");
    click(&root, ".webhook-form button[type=submit]");
    let secret = wait_for(&root, ".secret-box #webhook-secret").await;
    let value = secret.unchecked_ref::<web_sys::HtmlInputElement>().value();
    assert_eq!(value, "whsec_c2VjcmV0LXNob3duLW9uY2UtYW5kLW5ldmVyLWFnYWlu");
    assert!(text(&root, ".secret-box").contains("shown only this once"));
    click(&root, ".secret-box > button");
    settle().await;
    assert!(!exists(&root, ".secret-box"));
}

#[wasm_bindgen_test]
async fn an_endpoints_state_reads_in_words_and_its_deliveries_wait_for_the_test_event() {
    fake_fetch(&format!(
        r#"{{"GET /api/webhooks": [{{"status": 200, "body": {{"items": [{}, {}], "limit": 10}}}}],
            "POST /api/webhooks/8/test": [{{"status": 202, "body": {{"message_id": "msg_test"}}}}],
            "GET /api/webhooks/8/deliveries": [
              {{"status": 200, "body": {{"items": [
                {{"id": 1, "message_id": "msg_old", "event_type": "source.paused", "attempt": 2, "attempted_at": "2026-11-24T10:00:00Z", "ok": false, "status": 500, "latency_ms": 40, "response": "receiver says no", "error": null}}
              ]}}}},
              {{"status": 200, "body": {{"items": [
                {{"id": 2, "message_id": "msg_test", "event_type": "webhook.test", "attempt": 1, "attempted_at": "2026-11-24T10:01:00Z", "ok": true, "status": 200, "latency_ms": 12, "response": "thanks", "error": null}},
                {{"id": 1, "message_id": "msg_old", "event_type": "source.paused", "attempt": 2, "attempted_at": "2026-11-24T10:00:00Z", "ok": false, "status": 500, "latency_ms": 40, "response": "receiver says no", "error": null}}
              ]}}}}
            ],
            "POST /api/webhooks/9/enable": [{{"status": 200, "body": {}}}]
        }}"#,
        endpoint(8, false, true),
        endpoint(9, true, false),
        endpoint(9, false, false),
    ));
    let root = container();
    let _handle = mount(&root);
    wait_for(&root, ".endpoint").await;
    let cards = root.query_selector_all(".endpoint").unwrap();
    assert_eq!(cards.length(), 2);
    let page = root.text_content().unwrap();
    assert!(page.contains("Failing since"), "{page}");
    assert!(page.contains("2 events waiting to be delivered."));
    assert!(page.contains("Turned off on"));
    // A turned-off endpoint offers Turn on again, not a test.
    let buttons = |i: u32| -> String {
        cards
            .item(i)
            .unwrap()
            .unchecked_into::<web_sys::Element>()
            .query_selector_all("button")
            .map(|l| {
                (0..l.length())
                    .map(|k| l.item(k).unwrap().text_content().unwrap())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .unwrap()
    };
    assert!(
        buttons(0).contains("Send test event for https://hooks.example/8"),
        "{}",
        buttons(0)
    );
    assert!(
        buttons(1).contains("Turn on again for https://hooks.example/9"),
        "{}",
        buttons(1)
    );
    assert!(!buttons(1).contains("Send test event"));

    // The test event: the log opens and looks again until its attempt is in.
    click(
        &root,
        ".endpoint:first-child .endpoint__actions button:first-child",
    );
    wait_for(&root, "#endpoint-8-deliveries table").await;
    for _ in 0..100 {
        if count(&root, "#endpoint-8-deliveries tbody tr") == 2 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(count(&root, "#endpoint-8-deliveries tbody tr"), 2);
    let log = text(&root, "#endpoint-8-deliveries");
    assert!(
        log.contains("Delivered (200)") && log.contains("webhook.test"),
        "{log}"
    );
    assert!(
        log.contains("Failed: answered 500") && log.contains("receiver says no"),
        "{log}"
    );
    assert!(text(&root, ".endpoint:first-child [role=status]").contains("Test event queued"));
    settle().await;
    let looks = calls("GET /api/webhooks/8/deliveries");
    sleep(700).await;
    assert_eq!(
        calls("GET /api/webhooks/8/deliveries"),
        looks,
        "no more looks once it is in"
    );

    // Turn on again.
    click(
        &root,
        ".endpoint:last-child .endpoint__actions button:first-child",
    );
    for _ in 0..100 {
        if calls("GET /api/webhooks") == 2 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(calls("POST /api/webhooks/9/enable"), 1);
    assert_eq!(calls("GET /api/webhooks"), 2, "the list is loaded again");
}

//! The click lookup: field errors (empty, unknown ID) and the click found.

use model::Role;
use web::components::click_lookup::ClickLookup;

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use crate::support::*;

pub(crate) const CLICK: &str = r#"{"click_id":"c_9f2K","at":"2026-11-30T09:15:00Z","collaboration_id":4,"traffic_source_id":12,
    "source_name":"Dealspotter Blog","program_id":2,"program_name":"Northwind Spring Sale","outcome":"refused_paused",
    "referrer_host":"popunder.example","referrer_class":"mismatch","bot":true}"#;

pub(crate) fn mount_lookup(root: &HtmlElement) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        signed_in(Role::Advertiser);
        view! { <ClickLookup/> }
    })
}

pub(crate) fn type_into(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement = find(root, selector).unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn an_empty_click_id_is_refused_at_the_field_without_asking_the_server() {
    fake_fetch(r#"{}"#);
    let root = container();
    let _app = mount_lookup(&root);
    settle().await;
    assert_eq!(text(&root, "label[for=click-id]"), "Click ID");
    assert_eq!(text(&root, "button[type=submit]"), "Look up");
    assert!(!exists(&root, "#click-id-error"));
    type_into(&root, "#click-id", "   ");
    click(&root, "button[type=submit]");
    let error = wait_for(&root, "#click-id-error").await;
    assert!(error.text_content().unwrap().contains("Enter a click ID."));
    assert_eq!(
        attr(&root, "#click-id", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(attr(&root, "#click-id", "aria-describedby")
        .unwrap()
        .contains("click-id-error"));
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("click-id")
    );
    assert_eq!(eval("window.__calls.length").as_f64(), Some(0.0));
    root.remove();
}

#[wasm_bindgen_test]
async fn an_unknown_click_id_is_said_at_the_field_until_it_is_edited() {
    fake_fetch(r#"{}"#);
    let root = container();
    let _app = mount_lookup(&root);
    settle().await;
    type_into(&root, "#click-id", " nope/../1 ");
    click(&root, "button[type=submit]");
    let error = wait_for(&root, "#click-id-error").await;
    assert!(error
        .text_content()
        .unwrap()
        .contains("No click with this ID in your programs."));
    // Trimmed and encoded: the ID stays one path segment.
    assert_eq!(calls("GET /api/clicks/nope%2F..%2F1"), 1);
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("click-id")
    );
    assert!(!exists(&root, "[role=alert]"));
    type_into(&root, "#click-id", "nope/../12");
    settle().await;
    assert!(!exists(&root, "#click-id-error"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_click_found_shows_its_source_program_outcome_referrer_and_bot_flag() {
    fake_fetch(&format!(
        r#"{{"GET /api/clicks/c_9f2K": [{{"status":200,"body":{CLICK},"delay":100}}]}}"#
    ));
    let root = container();
    let _app = mount_lookup(&root);
    settle().await;
    type_into(&root, "#click-id", "c_9f2K");
    click(&root, "button[type=submit]");
    settle().await;
    assert_eq!(
        attr(&root, "button[type=submit]", "aria-disabled").as_deref(),
        Some("true")
    );
    click(&root, "button[type=submit]");
    let result = wait_for(&root, ".click-lookup__result dl").await;
    assert_eq!(calls("GET /api/clicks/c_9f2K"), 1, "no double submit");
    let shown = result.text_content().unwrap();
    for expected in [
        "SourceDealspotter Blog",
        "ProgramNorthwind Spring Sale",
        "OutcomeRefused (source paused)",
        "Referrerpopunder.example (Other site)",
        "BotYes",
    ] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }
    assert_eq!(
        find(&result, "time").get_attribute("datetime").as_deref(),
        Some("2026-11-30T09:15:00Z")
    );
    assert!(!exists(&root, "#click-id-error"));
    root.remove();
}

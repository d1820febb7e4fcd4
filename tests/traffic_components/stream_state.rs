//! What a page says about its live stream: turned down by the server (the header's "Live
//! updates are off.", a staff page's notice) with Try again, and updates missed while the tab
//! was let go of.

use model::Role;
use web::components::traffic_panel::TrafficPanel;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

use crate::live::{live_panel_shown, mount_live, mount_live_as, traffic_update};
use crate::panel::traffic_json;
use crate::support::*;

/// The stand-in stream `n` as the browser reports it: `state` 0 (connecting again) or 2
/// (closed: the server turned it down), then its `error` handler.
fn stream_fails(n: usize, state: u8) {
    eval(&format!(
        "window.__streams[{n}].readyState = {state}; window.__streams[{n}].onerror(new Event('error'))"
    ));
}

/// The "Try again" button inside `root`, pressed.
fn press_try_again(root: &Element) {
    let button = root
        .query_selector_all(".live-off button")
        .unwrap()
        .get(0)
        .expect("a Try again button");
    assert_eq!(button.text_content().unwrap().trim(), "Try again");
    button.unchecked_into::<HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn the_header_says_when_the_server_turns_its_stream_down_and_try_again_asks_again() {
    let root = container();
    let (_app, live) = mount_live(&root, || view! { <web::live::LiveStream/> });
    settle().await;
    assert_eq!(streams(), vec![("/api/events".to_string(), false)]);
    // A dropped stream the browser retries by itself: "Reconnecting…", no button.
    stream_fails(0, 0);
    settle().await;
    assert_eq!(text(&root, ".live-state"), "Reconnecting…");
    assert!(!exists(&root, ".live-off"));
    // Turned down (the cap of streams per account, say): the browser will not retry.
    stream_fails(0, 2);
    let off = wait_for(&root, ".live-off").await;
    assert_eq!(
        off.query_selector("[role=status]")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Live updates are off."
    );
    assert_eq!(text(&root, ".live-state"), "");
    press_try_again(&root);
    settle().await;
    assert_eq!(
        streams(),
        vec![
            ("/api/events".to_string(), false),
            ("/api/events".to_string(), false)
        ],
        "asked again"
    );
    assert!(!exists(&root, ".live-off"), "the notice goes while it asks");
    eval("window.__streams[1].onopen(new Event('open'))");
    settle().await;
    assert_eq!(live.connection.get_untracked(), web::live::Connection::Open);
    assert!(!exists(&root, ".live-off"));
    assert_eq!(text(&root, ".live-state"), "");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_staff_panel_whose_stream_is_turned_down_says_so_and_try_again_follows_again() {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{}}}]}}"#,
        traffic_json(50, 38, 12, "50")
    ));
    let root = container();
    let (_app, _live) = mount_live_as(&root, Role::Staff, || {
        view! { <TrafficPanel source_id=12 prominent_mismatch=true/> }
    });
    wait_for(&root, ".traffic__lead").await;
    assert!(!exists(&root, ".live-off"));
    stream_fails(0, 2);
    let off = wait_for(&root, ".traffic .live-off").await;
    assert!(
        off.text_content()
            .unwrap()
            .starts_with("This page isn't updating live: the server turned its live updates down"),
        "{:?}",
        off.text_content()
    );
    // The figures stay as loaded.
    assert_eq!(
        text(&root, ".traffic__lead-figure"),
        "38% of clicks came from other sites"
    );
    press_try_again(&root);
    settle().await;
    assert!(!exists(&root, ".live-off"));
    assert_eq!(
        streams(),
        vec![
            ("/api/events?traffic_of=12".to_string(), false),
            ("/api/events?traffic_of=12".to_string(), false)
        ]
    );
    // The new stream carries its clicks.
    eval("window.__streams[1].onopen(new Event('open'))");
    eval(
        r#"window.__streams[1].dispatchEvent(new MessageEvent('traffic',
            { data: JSON.stringify({ kind: 'traffic', source_id: 12 }) }))"#,
    );
    for _ in 0..100 {
        if calls("GET /api/traffic-sources/12/traffic") == 2 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 2);
    root.remove();
}

#[wasm_bindgen_test]
async fn updates_missed_while_the_tab_was_let_go_of_load_the_panel_again() {
    let root = container();
    let (_app, live, loads) = live_panel_shown(&root).await;
    assert_eq!(loads(), 1);
    // Another source's clicks: nothing to load.
    live.received(traffic_update(99));
    settle().await;
    assert_eq!(loads(), 1);
    // What happened meanwhile is unknown: the panel loads its traffic again.
    live.missed();
    for _ in 0..100 {
        if loads() == 2 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(loads(), 2);
    root.remove();
}

#[wasm_bindgen_test]
async fn updates_missed_load_the_sources_table_again_once_with_its_new_figures() {
    let page = |clicks, rate| {
        format!(
            r#"{{"status":200,"body":{{"items":[{}],"next_cursor":null,"total":1}}}}"#,
            crate::live::listed_source(12, "Dealspotter Blog", clicks, rate)
        )
    };
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources": [{}, {}]}}"#,
        page(1_200, 90),
        page(1_201, 89)
    ));
    let root = container();
    let (_app, live) = mount_live(&root, || view! { <web::pages::sources_list::SourcesList/> });
    wait_for(&root, "table tbody tr").await;
    let loads = || calls("GET /api/traffic-sources");
    assert_eq!(loads(), 1);
    live.missed();
    let clicks = || text(&root, r#"td[data-label="Clicks (30 days)"]"#);
    for _ in 0..100 {
        if clicks() == "1,201" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(clicks(), "1,201");
    // The table's own answer brings the figures too: not asked for a second time.
    sleep(1_200).await;
    assert_eq!(loads(), 2);
    root.remove();
}

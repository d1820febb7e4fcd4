//! What moves as clicks arrive, with no reload: the open panel, staff's panel on a stream
//! for its source, the partner's sources table, staff's table on a stream for its page.

use model::{live::LiveUpdate, Role};
use web::{
    components::{toast::Toasts, traffic_panel::TrafficPanel},
    live::Live,
    pages::{admin_sources::AdminSources, sources_list::SourcesList},
};

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use crate::panel::traffic_json;
use crate::support::*;

/// `screen`, seen by a signed-in partner under a router, with the live context it listens to.
pub(crate) fn mount_live<V: IntoView + 'static>(
    root: &HtmlElement,
    screen: impl Fn() -> V + Send + Sync + 'static,
) -> (Mounted<impl Mountable>, Live) {
    mount_live_as(root, Role::Partner, screen)
}

/// A screen mounted for a test. Dropped, it is cleaned up as the router cleans up a page
/// that is left (`UnmountHandle` alone cleans up only when nothing else holds the screen's
/// owner, and a whole screen's tasks may: a screen left behind would go on answering to the
/// address and the live stream of the tests after it).
pub(crate) struct Mounted<M: Mountable> {
    owner: Owner,
    _app: UnmountHandle<M>,
}

impl<M: Mountable> Drop for Mounted<M> {
    fn drop(&mut self) {
        self.owner.cleanup();
    }
}

/// [`mount_live`] for someone of `role`.
pub(crate) fn mount_live_as<V: IntoView + 'static>(
    root: &HtmlElement,
    role: Role,
    screen: impl Fn() -> V + Send + Sync + 'static,
) -> (Mounted<impl Mountable>, Live) {
    let live = std::rc::Rc::new(std::cell::Cell::new(None));
    // The mount's own owner is a child of this one, which [`Mounted`] cleans up.
    let owner = Owner::new();
    let app = owner.with(|| {
        let live = live.clone();
        mount_to(root.clone(), move || {
            signed_in(role);
            live.set(Some(Live::provide()));
            view! { <Router>{screen()}</Router> }
        })
    });
    (Mounted { owner, _app: app }, live.get().unwrap())
}

/// The partner's panel of source 12, with the live context it listens to.
pub(crate) fn mount_live_panel(root: &HtmlElement) -> (Mounted<impl Mountable>, Live) {
    mount_live(root, || view! { <TrafficPanel source_id=12/> })
}

/// The panel of source 12 shown, every load of its traffic answered the same; and how many
/// times it was loaded.
pub(crate) async fn live_panel_shown(
    root: &HtmlElement,
) -> (Mounted<impl Mountable>, Live, impl Fn() -> u32) {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{}}}]}}"#,
        traffic_json(90, 5, 5, "90")
    ));
    let (app, live) = mount_live_panel(root);
    wait_for(root, "figure").await;
    (app, live, || calls("GET /api/traffic-sources/12/traffic"))
}

/// A traffic update from the live stream, as the server sends it.
pub(crate) fn traffic_update(source_id: i64) -> LiveUpdate {
    LiveUpdate {
        kind: "traffic".into(),
        source_id: Some(source_id),
        status: None,
        visibility: None,
        listed: None,
        verified: None,
    }
}

#[wasm_bindgen_test]
async fn new_clicks_redraw_the_open_panel_in_place_and_quietly() {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [
            {{"status":200,"body":{}}},
            {{"status":200,"delay":300,"body":{}}}
        ]}}"#,
        traffic_json(90, 5, 5, "90"),
        traffic_json(91, 5, 5, "91")
    ));
    let root = container();
    let (_app, live) = mount_live_panel(&root);
    wait_for(&root, "figure").await;
    assert!(text(&root, "figcaption").starts_with("100 clicks in 30 days"));
    // Someone reading the data table, the focus on its button.
    click(&root, "button.traffic-chart__toggle");
    settle().await;
    let button: HtmlElement = find(&root, "button.traffic-chart__toggle").unchecked_into();
    button.focus().unwrap();

    // Clicks on another source: nothing to load.
    live.received(traffic_update(13));
    settle().await;
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 1);

    // Clicks on this one: loaded again, without "Updating…" (a screen reader would say it
    // every few seconds), and drawn in place.
    live.received(traffic_update(12));
    settle().await;
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 2);
    assert_eq!(text(&root, ".traffic__updating"), "");
    for _ in 0..100 {
        if text(&root, "figcaption").starts_with("101 clicks") {
            break;
        }
        sleep(20).await;
    }
    assert!(
        text(&root, "figcaption").starts_with("101 clicks in 30 days"),
        "{}",
        text(&root, "figcaption")
    );
    assert_eq!(text(&root, ".traffic__updating"), "");
    let now: Element = find(&root, "button.traffic-chart__toggle");
    assert!(now.is_same_node(Some(&button)), "the same button");
    assert_eq!(
        document()
            .active_element()
            .map(|e| e.is_same_node(Some(&button))),
        Some(true),
        "the focus stays on it"
    );
    assert_eq!(
        attr(&root, "button.traffic-chart__toggle", "aria-expanded").as_deref(),
        Some("true")
    );
    let last = find(&root, ".traffic-chart__table tbody tr:last-child");
    assert_eq!(text(&last, "td"), "101", "the open table has the new click");
    assert!(text(&root, ".referrer-mix").contains("91 clicks (90%)"));
    root.remove();
}

#[wasm_bindgen_test]
async fn updates_close_together_make_one_load_at_most_every_second() {
    let root = container();
    let (_app, live, loads) = live_panel_shown(&root).await;
    assert_eq!(loads(), 1);
    // The first update after a quiet while: at once.
    live.received(traffic_update(12));
    settle().await;
    assert_eq!(loads(), 2);
    // Two more within the second (a busy program's sources): one load, when it is up.
    live.received(traffic_update(12));
    settle().await;
    live.received(traffic_update(12));
    settle().await;
    assert_eq!(loads(), 2, "not yet");
    sleep(1_100).await;
    assert_eq!(loads(), 3, "one load for both");
    sleep(300).await;
    assert_eq!(loads(), 3);
    root.remove();
}

#[wasm_bindgen_test]
async fn a_wait_that_is_up_after_the_panel_is_gone_loads_nothing() {
    let root = container();
    let (app, live, loads) = live_panel_shown(&root).await;
    live.received(traffic_update(12));
    settle().await;
    assert_eq!(loads(), 2);
    // An update within the second waits for it to be up; the page is left meanwhile.
    live.received(traffic_update(12));
    settle().await;
    drop(app);
    sleep(1_300).await;
    assert_eq!(loads(), 2, "nothing loaded for a page that is gone");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_staff_panel_follows_its_sources_clicks_on_a_stream_of_its_own_while_shown() {
    fake_event_source();
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [
            {{"status":200,"body":{}}},
            {{"status":200,"body":{}}}
        ]}}"#,
        traffic_json(50, 38, 12, "50"),
        traffic_json(50, 39, 12, "49")
    ));
    let root = container();
    let (app, _live) = mount_live_as(&root, Role::Staff, || {
        view! { <TrafficPanel source_id=12 prominent_mismatch=true/> }
    });
    wait_for(&root, ".traffic__lead").await;
    assert_eq!(
        streams(),
        vec![("/api/events?traffic_of=12".to_string(), false)],
        "a stream for this source's clicks"
    );
    // Its clicks, as the server sends them on that stream: the panel loads them in place.
    eval(
        r#"window.__streams[0].dispatchEvent(new MessageEvent('traffic',
            { data: JSON.stringify({ kind: 'traffic', source_id: 12 }) }))"#,
    );
    for _ in 0..100 {
        if text(&root, ".traffic__lead-figure").starts_with("39%") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 2);
    assert_eq!(
        text(&root, ".traffic__lead-figure"),
        "39% of clicks came from other sites"
    );
    // Gone with the panel.
    drop(app);
    assert_eq!(
        streams(),
        vec![("/api/events?traffic_of=12".to_string(), true)]
    );
    root.remove();

    // A partner's own stream carries their clicks: their panel opens none.
    fake_event_source();
    let root = container();
    let (_app, _live, _loads) = live_panel_shown(&root).await;
    assert_eq!(streams(), vec![]);
    root.remove();
}

/// One of the partner's sources as the list answers it.
pub(crate) fn listed_source(id: i64, name: &str, clicks: i64, rate: u8) -> String {
    format!(
        r#"{{"id":{id},"partner_id":3,"partner_name":"Someone","name":"{name}",
        "url":"https://{id}.example","channels":["content"],"status":"active","visibility":"public",
        "version":1,"program_count":1,"clicks_30d":{clicks},"match_rate_30d":{rate},
        "verification_state":"unverified","created_at":"2026-11-01T00:00:00Z",
        "updated_at":"2026-11-02T00:00:00Z"}}"#
    )
}

#[wasm_bindgen_test]
async fn the_sources_table_takes_new_figures_in_place_and_quietly() {
    let page = |clicks, rate| {
        format!(
            r#"{{"status":200,"body":{{"items":[{},{}],"next_cursor":null,"total":2}}}}"#,
            listed_source(12, "Dealspotter Blog", clicks, rate),
            listed_source(14, "Tent Reviews", 7, 50)
        )
    };
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources": [{}, {}]}}"#,
        page(1_200, 90),
        page(1_201, 89)
    ));
    let root = container();
    let (_app, live) = mount_live(&root, || view! { <SourcesList/> });
    wait_for(&root, "table tbody tr").await;
    let loads = || calls("GET /api/traffic-sources");
    assert_eq!(loads(), 1);
    let first = find(&root, "table tbody tr:first-child");
    let clicks = |row: &Element| text(row, r#"td[data-label="Clicks (30 days)"]"#);
    let rate = |row: &Element| text(row, r#"td[data-label="Match rate"]"#);
    assert_eq!(
        (clicks(&first), rate(&first)),
        ("1,200".into(), "90%".into())
    );
    // A partner reading the table, the focus on the row's Edit link.
    let edit: HtmlElement = find(&first, "td.cell-actions a").unchecked_into();
    edit.focus().unwrap();

    // Clicks on a source that is not on this page: nothing to load.
    live.received(traffic_update(99));
    settle().await;
    assert_eq!(loads(), 1);

    // Clicks on one that is: the page asked again quietly, only its figures redrawn.
    live.received(traffic_update(12));
    for _ in 0..100 {
        if clicks(&first) == "1,201" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(loads(), 2);
    assert_eq!(
        (clicks(&first), rate(&first)),
        ("1,201".into(), "89%".into())
    );
    let now = find(&root, "table tbody tr:first-child");
    assert!(now.is_same_node(Some(&first)), "the same row");
    assert_eq!(
        document()
            .active_element()
            .map(|e| e.is_same_node(Some(&edit))),
        Some(true),
        "the focus stays on its Edit link"
    );
    assert_eq!(text(&root, ".updating"), "", "nothing said");
    let other = find(&root, "table tbody tr:last-child");
    assert_eq!(clicks(&other), "7");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_quiet_answer_for_a_page_left_meanwhile_is_dropped() {
    let page = |clicks, rate| {
        format!(
            r#"{{"status":200,"body":{{"items":[{}],"next_cursor":null,"total":1}}}}"#,
            listed_source(12, "Dealspotter Blog", clicks, rate)
        )
    };
    let address = eval("location.pathname + location.search")
        .as_string()
        .unwrap();
    // The page's load; the quiet refresh, slow; the load of the search made meanwhile.
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources": [{}, {}, {}]}}"#,
        page(1_200, 90),
        page(1_300, 80).replacen(r#""status":200"#, r#""status":200,"delay":600"#, 1),
        page(1_250, 85)
    ));
    let root = container();
    let (_app, live) = mount_live(&root, || view! { <SourcesList/> });
    wait_for(&root, "table tbody tr").await;
    let clicks = || text(&root, r#"table tbody tr td[data-label="Clicks (30 days)"]"#);
    assert_eq!(clicks(), "1,200");

    live.received(traffic_update(12));
    settle().await;
    assert_eq!(calls("GET /api/traffic-sources"), 2, "asked again quietly");
    // The partner searches before that answer is back.
    let search: HtmlInputElement = find(&root, "#search").unchecked_into();
    search.set_value("Deal");
    search
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(&root, ".filters__search button[type=submit]");
    for _ in 0..100 {
        if clicks() == "1,250" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(clicks(), "1,250", "the search's own answer");
    assert_eq!(calls("GET /api/traffic-sources"), 3);
    // The quiet answer, for the page before the search, arrives: it is not shown.
    sleep(800).await;
    assert_eq!(clicks(), "1,250", "the older page's figures are dropped");
    root.remove();
    eval(&format!("history.replaceState(null, '', {address:?})"));
}

#[wasm_bindgen_test]
async fn the_staff_table_follows_its_pages_clicks_and_takes_new_figures_in_place() {
    let page = |items: &[String], next: &str| {
        format!(
            r#"{{"status":200,"body":{{"items":[{}],"next_cursor":{next},"total":3}}}}"#,
            items.join(",")
        )
    };
    let address = eval("location.pathname + location.search")
        .as_string()
        .unwrap();
    fake_event_source();
    // The first page; the same again, quietly, after new clicks on source 12; the next page.
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources": [{}, {}, {}]}}"#,
        page(
            &[
                listed_source(12, "Dealspotter Blog", 1_200, 90),
                listed_source(14, "Tent Reviews", 7, 50)
            ],
            r#""c2""#
        ),
        page(
            &[
                listed_source(12, "Dealspotter Blog", 1_201, 89),
                listed_source(14, "Tent Reviews", 7, 50)
            ],
            r#""c2""#
        ),
        page(&[listed_source(15, "Camp Deals", 40, 75)], "null")
    ));
    let root = container();
    let (app, _live) = mount_live_as(&root, Role::Staff, || {
        Toasts::provide();
        view! { <AdminSources/> }
    });
    wait_for(&root, "table tbody tr").await;
    settle().await;
    assert_eq!(
        streams(),
        vec![("/api/events?traffic_of=12,14".to_string(), false)],
        "one stream for the page's sources"
    );
    let first = find(&root, "table tbody tr:first-child");
    let clicks = |row: &Element| text(row, r#"td[data-label="Clicks (30 days)"]"#);
    let rate = |row: &Element| text(row, r#"td[data-label="Match rate"]"#);
    assert_eq!(clicks(&first), "1,200");
    // Staff at work: the row selected, the focus on its box.
    let check: HtmlInputElement = find(&first, r#"input[type="checkbox"]"#).unchecked_into();
    check.click();
    check.focus().unwrap();
    settle().await;
    assert!(check.checked());

    eval(
        r#"window.__streams[0].dispatchEvent(new MessageEvent('traffic',
            { data: JSON.stringify({ kind: 'traffic', source_id: 12 }) }))"#,
    );
    for _ in 0..100 {
        if clicks(&first) == "1,201" {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(
        (clicks(&first), rate(&first)),
        ("1,201".into(), "89%".into())
    );
    assert!(
        find(&root, "table tbody tr:first-child").is_same_node(Some(&first)),
        "the same row"
    );
    assert!(check.checked(), "still selected");
    assert_eq!(
        document()
            .active_element()
            .map(|e| e.is_same_node(Some(&check))),
        Some(true),
        "the focus stays on its box"
    );
    assert_eq!(text(&root, ".updating"), "", "nothing said");

    // The next page: a stream for its sources instead.
    click(&root, r#"a[rel="next"]"#);
    for _ in 0..100 {
        if text(&root, "table tbody tr th").contains("Camp Deals") {
            break;
        }
        sleep(20).await;
    }
    settle().await;
    assert_eq!(
        streams(),
        vec![
            ("/api/events?traffic_of=12,14".to_string(), true),
            ("/api/events?traffic_of=15".to_string(), false)
        ]
    );
    // Leaving the page closes it.
    drop(app);
    assert!(
        streams().iter().all(|(_, closed)| *closed),
        "none left open: {:?}",
        streams()
    );
    root.remove();
    eval(&format!("history.replaceState(null, '', {address:?})"));
}

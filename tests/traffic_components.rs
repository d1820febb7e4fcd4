//! Component tests in headless Chromium for traffic evidence: the daily chart (totals in its
//! caption with bots left out, the data table behind its toggle, the empty state, a drawing
//! that tells refused from redirected without colour), the source traffic panel (the staff
//! view's mismatch lead, the referrer table's words, the period chosen, loading failure and Try
//! again, new clicks drawn in place, staff's on a stream for that source), the partner's
//! sources table taking new figures as clicks arrive (and not those of a page left), and the click lookup (field errors: empty, unknown ID; the click found).
//! Answers come from a fake `fetch` installed on the window.
//!
//! Run: `scripts/test-wasm.sh --test traffic_components`.
#![cfg(target_arch = "wasm32")]

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use leptos_router::components::Router;
use model::{live::LiveUpdate, traffic::TrafficDay, Account, Role};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    components::{
        click_lookup::ClickLookup,
        traffic_chart::{caption, short_day, thousands, TrafficChart},
        traffic_panel::{match_rate_cell, mismatch_sentence, TrafficPanel},
    },
    live::Live,
    pages::sources_list::SourcesList,
    session::{Session, SessionState},
};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

// ---- helpers -------------------------------------------------------------------------------

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn container() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

async fn settle() {
    sleep(30).await;
}

/// Waits (up to two seconds) until `selector` matches inside `root`.
async fn wait_for(root: &Element, selector: &str) -> Element {
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

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

fn exists(root: &Element, selector: &str) -> bool {
    root.query_selector(selector).unwrap().is_some()
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

fn click(root: &Element, selector: &str) {
    find(root, selector).unchecked_into::<HtmlElement>().click();
}

fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    find(root, selector).get_attribute(name)
}

fn eval(js: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(js).unwrap_or_else(|e| panic!("eval failed: {e:?}"))
}

/// Replaces `window.fetch` with a fake that answers from `window.__routes` ("METHOD /path" →
/// a list of `{status, body, delay}`, the last one repeating) and records every call in
/// `window.__calls`.
fn fake_fetch(routes_json: &str) {
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

fn calls(key: &str) -> u32 {
    eval(&format!(
        "window.__calls.filter((c) => c.key === '{key}').length"
    ))
    .as_f64()
    .unwrap() as u32
}

fn signed_in(role: Role) {
    Session::provide_with(SessionState::SignedIn(Account {
        id: 3,
        email: "someone@example.com".into(),
        role,
        display_name: "Someone".into(),
    }));
}

fn day(n: u32, redirected: i64, refused: i64, bots: i64) -> TrafficDay {
    TrafficDay {
        day: format!("2026-11-{n:02}"),
        hour: None,
        redirected,
        refused,
        bots,
        visitors: redirected,
    }
}

/// 30 days of November: 40 redirected a day, 2 refused on the 10th, bots on two days.
fn november() -> Vec<TrafficDay> {
    (1..=30)
        .map(|n| match n {
            10 => day(n, 40, 2, 0),
            12 => day(n, 40, 0, 50),
            20 => day(n, 40, 0, 6),
            _ => day(n, 40, 0, 0),
        })
        .collect()
}

fn mount_chart(root: &HtmlElement, series: Vec<TrafficDay>) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        view! { <TrafficChart series=series.clone() id="chart-1".to_string() subject="Dealspotter Blog"/> }
    })
}

// ---- the chart -------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn figures_are_written_with_thousands_separators_and_short_days() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_234), "1,234");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(short_day("2026-11-03", false), "3 Nov");
    assert_eq!(short_day("2026-01-31", true), "31 Jan 2026");
    assert_eq!(short_day("not a day", false), "not a day");
    assert_eq!(match_rate_cell(Some(92)), "92%");
    assert_eq!(match_rate_cell(None), "Too little traffic");
}

#[wasm_bindgen_test]
fn the_caption_counts_human_clicks_and_leaves_bots_out() {
    let mut series: Vec<TrafficDay> = (1..=30).map(|n| day(n, 40, 0, 0)).collect();
    series[0] = day(1, 30, 34, 56);
    // 29 × 40 + 30 = 1,190 redirected, 34 refused: 1,224 human clicks; 56 bots apart.
    assert_eq!(
        caption(&series),
        "1,224 clicks in 30 days: 1,190 redirected, 34 refused; 56 bot clicks left out."
    );
    assert_eq!(
        caption(&[day(1, 1, 0, 0)]),
        "1 click in 1 day: 1 redirected, 0 refused; no bot clicks."
    );
    assert_eq!(
        caption(&[day(1, 0, 0, 1), day(2, 0, 0, 0)]),
        "0 clicks in 2 days: 0 redirected, 0 refused; 1 bot click left out."
    );
}

#[wasm_bindgen_test]
async fn the_chart_says_its_totals_in_words_and_names_its_picture() {
    let root = container();
    let _app = mount_chart(&root, november());
    settle().await;
    // 30 × 40 redirected + 2 refused; the 56 bot clicks are not in the count.
    let expected = "1,202 clicks in 30 days: 1,200 redirected, 2 refused; 56 bot clicks left out.";
    assert_eq!(text(&root, "figure figcaption"), expected);
    let svg = find(&root, "figure svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    let label = svg.get_attribute("aria-label").unwrap();
    assert!(label.contains("Dealspotter Blog"), "{label}");
    assert!(label.contains(expected), "{label}");
    assert!(
        label.contains("Busiest day: 10 Nov 2026, 42 clicks."),
        "{label}"
    );
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 360 214"));
    assert_eq!(svg.get_attribute("width").as_deref(), Some("100%"));
    // Refused bars are hatched, not only another colour; bots have a row of their own.
    assert_eq!(
        count(&root, "svg rect.chart__redirected"),
        31,
        "30 bars + the legend's swatch"
    );
    let refused = find(&root, "svg.traffic-chart__svg rect.chart__refused");
    assert_eq!(
        refused.get_attribute("fill").as_deref(),
        Some("url(#chart-1-hatch)")
    );
    assert!(exists(&root, "pattern#chart-1-hatch"));
    assert_eq!(count(&root, "svg.traffic-chart__svg rect.chart__bots"), 2);
    let legend = text(&root, ".chart-legend");
    assert!(legend.contains("Redirected (solid)"), "{legend}");
    assert!(legend.contains("Refused (hatched)"), "{legend}");
    assert!(legend.contains("Bot clicks"), "{legend}");
    // Axis labels: the scale and the first, middle and last days.
    let labels: Vec<String> = {
        let list = root.query_selector_all("svg text.chart__label").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    // 42 at most: a step of 20 up to 60.
    for expected in ["0", "20", "40", "60", "1 Nov", "16 Nov", "30 Nov", "Bots"] {
        assert!(
            labels.iter().any(|l| l == expected),
            "{expected} in {labels:?}"
        );
    }
    root.remove();
}

#[wasm_bindgen_test]
async fn the_data_table_opens_and_closes_with_its_button() {
    let root = container();
    let _app = mount_chart(&root, november());
    settle().await;
    let button = "button.traffic-chart__toggle";
    assert_eq!(text(&root, button), "Show data table");
    assert_eq!(
        attr(&root, button, "aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        attr(&root, button, "aria-controls").as_deref(),
        Some("chart-1-table")
    );
    assert!(find(&root, "#chart-1-table").has_attribute("hidden"));
    assert!(!exists(&root, "table"));

    click(&root, button);
    settle().await;
    assert_eq!(text(&root, button), "Hide data table");
    assert_eq!(
        attr(&root, button, "aria-expanded").as_deref(),
        Some("true")
    );
    assert!(!find(&root, "#chart-1-table").has_attribute("hidden"));
    assert_eq!(count(&root, "#chart-1-table tbody tr"), 30, "every day");
    // It may scroll sideways on a phone: keys reach it, and it says what it is.
    assert_eq!(
        attr(&root, "#chart-1-table", "tabindex").as_deref(),
        Some("0")
    );
    assert_eq!(
        attr(&root, "#chart-1-table", "role").as_deref(),
        Some("region")
    );
    assert_eq!(
        attr(&root, "#chart-1-table", "aria-label").as_deref(),
        Some("Clicks per day of Dealspotter Blog, as a table")
    );
    assert_eq!(
        text(&root, "#chart-1-table caption"),
        "Clicks per day of Dealspotter Blog"
    );
    let tenth = find(&root, "#chart-1-table tbody tr:nth-child(10)");
    let cells: Vec<String> = {
        let list = tenth.query_selector_all("th, td").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    assert_eq!(cells, ["10 Nov 2026", "40", "2", "0", "40"]);
    assert_eq!(
        find(&tenth, "time").get_attribute("datetime").as_deref(),
        Some("2026-11-10")
    );

    click(&root, button);
    settle().await;
    assert_eq!(text(&root, button), "Show data table");
    assert_eq!(
        attr(&root, button, "aria-expanded").as_deref(),
        Some("false")
    );
    assert!(!exists(&root, "table"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_series_of_zeros_shows_the_empty_state() {
    let root = container();
    let _app = mount_chart(&root, (1..=30).map(|n| day(n, 0, 0, 0)).collect());
    settle().await;
    assert_eq!(
        text(&root, ".traffic-chart__empty"),
        "No clicks in the last 30 days yet"
    );
    assert!(!exists(&root, "svg"));
    assert!(!exists(&root, "button"));
    root.remove();
}

#[wasm_bindgen_test]
async fn bot_clicks_alone_are_drawn_but_counted_apart() {
    let root = container();
    let _app = mount_chart(
        &root,
        (1..=7)
            .map(|n| day(n, 0, 0, if n == 3 { 9 } else { 0 }))
            .collect(),
    );
    settle().await;
    assert_eq!(
        text(&root, "figcaption"),
        "0 clicks in 7 days: 0 redirected, 0 refused; 9 bot clicks left out."
    );
    assert_eq!(count(&root, "svg.traffic-chart__svg rect.chart__bots"), 1);
    assert_eq!(
        count(&root, "svg.traffic-chart__svg rect.chart__redirected"),
        0
    );
    root.remove();
}

// ---- the source traffic panel -------------------------------------------------------------------

fn traffic_json(matched: i64, mismatched: i64, none: i64, rate: &str) -> String {
    let days: Vec<String> = (1..=30)
        .map(|n| {
            let r = if n == 30 {
                matched + mismatched + none
            } else {
                0
            };
            format!(
                r#"{{"day":"2026-11-{n:02}","redirected":{r},"refused":0,"bots":0,"visitors":{r}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"traffic_source_id":12,"days":30,"declared_site":"dealspotter.example","series":[{}],
            "referrers":{{"match":{matched},"mismatch":{mismatched},"none":{none}}},"match_rate":{rate},
            "top_referrers":[{{"host":"dealspotter.example","matches":true,"clicks":{matched}}},{{"host":"popunder.example","matches":false,"clicks":{mismatched}}}]}}"#,
        days.join(",")
    )
}

fn mount_panel(root: &HtmlElement, prominent: bool) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        signed_in(Role::Staff);
        view! { <Router><TrafficPanel source_id=12 prominent_mismatch=prominent/></Router> }
    })
}

#[wasm_bindgen_test]
async fn the_staff_view_leads_with_the_share_from_other_sites() {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{}}}]}}"#,
        traffic_json(50, 38, 12, "50")
    ));
    let root = container();
    let _app = mount_panel(&root, true);
    let lead = wait_for(&root, ".traffic__lead").await;
    assert!(lead.class_list().contains("alert--warning"));
    assert_eq!(
        text(&root, ".traffic__lead-figure"),
        "38% of clicks came from other sites"
    );
    let detail = lead.text_content().unwrap();
    assert!(
        detail.contains("38 of 100 clicks came from other sites"),
        "{detail}"
    );
    assert!(detail.contains("popunder.example"), "{detail}");
    // It comes first, before the chart.
    let first = find(&root, "section.traffic > .traffic__head + *");
    assert!(first.class_list().contains("traffic__lead"));
    assert_eq!(
        text(&root, ".traffic__rate"),
        "50% of clicks came from dealspotter.example."
    );
    assert_eq!(
        calls("GET /api/traffic-sources/12/traffic"),
        1,
        "one request"
    );
    // (gloo-net leaves a trailing `&`.)
    assert!(eval("window.__calls[0].search")
        .as_string()
        .unwrap()
        .starts_with("?days=30"));
    // The mix in counts and shares; the referrers' table says whose site in words.
    let mix = text(&root, ".referrer-mix");
    assert!(
        mix.contains("From dealspotter.example (the declared site)50 clicks (50%)"),
        "{mix}"
    );
    assert!(mix.contains("From other sites38 clicks (38%)"), "{mix}");
    assert!(mix.contains("With no referrer12 clicks (12%)"), "{mix}");
    let rows = root
        .query_selector_all(".traffic__referrers tbody tr")
        .unwrap();
    assert_eq!(rows.length(), 2);
    let second: Element = rows.item(1).unwrap().unchecked_into();
    assert!(second.text_content().unwrap().contains("popunder.example"));
    assert_eq!(text(&second, "td:last-child"), "Other site");
    let first_row: Element = rows.item(0).unwrap().unchecked_into();
    assert_eq!(text(&first_row, "td:last-child"), "Declared site");
    root.remove();
}

#[wasm_bindgen_test]
async fn too_little_traffic_gives_counts_but_no_percentages() {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{}}}]}}"#,
        traffic_json(5, 3, 1, "null")
    ));
    let root = container();
    let _app = mount_panel(&root, true);
    wait_for(&root, ".traffic__lead").await;
    assert!(find(&root, ".traffic__lead")
        .class_list()
        .contains("alert--info"));
    assert!(text(&root, ".traffic__lead").contains("Too little traffic to judge"));
    assert!(text(&root, ".traffic__rate").contains("Too little traffic to judge"));
    let mix = text(&root, ".referrer-mix");
    assert!(mix.contains("5 clicks") && !mix.contains('%'), "{mix}");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_partner_view_has_no_lead_and_a_failure_offers_try_again() {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [
            {{"status":500,"body":{{"error":{{"code":"internal","message":"Something broke on our side.","fields":{{}}}}}}}},
            {{"status":200,"body":{}}}
        ]}}"#,
        traffic_json(90, 5, 5, "90")
    ));
    let root = container();
    let _app = mount_panel(&root, false);
    let alert = wait_for(&root, "[role=alert]").await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains("Couldn't load the traffic"));
    assert!(alert
        .text_content()
        .unwrap()
        .contains("Something broke on our side."));
    click(&root, "[role=alert] button");
    wait_for(&root, "figure").await;
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 2);
    assert!(!exists(&root, ".traffic__lead"));
    assert_eq!(
        text(&root, ".traffic__rate"),
        "90% of clicks came from dealspotter.example."
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn choosing_a_period_loads_that_many_days_and_says_so() {
    let week: Vec<String> = (24..=30)
        .map(|n| {
            format!(
                r#"{{"day":"2026-11-{n:02}","redirected":0,"refused":0,"bots":0,"visitors":0}}"#
            )
        })
        .collect();
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [
            {{"status":200,"body":{}}},
            {{"status":200,"delay":300,"body":{{"traffic_source_id":12,"days":7,"declared_site":"dealspotter.example","series":[{}],"referrers":{{"match":0,"mismatch":0,"none":0}},"match_rate":null,"top_referrers":[]}}}}
        ]}}"#,
        traffic_json(90, 5, 5, "90"),
        week.join(",")
    ));
    let root = container();
    let _app = mount_panel(&root, false);
    wait_for(&root, "figure").await;
    assert_eq!(text(&root, "#traffic-title"), "Traffic in the last 30 days");
    assert_eq!(text(&root, "label[for=traffic-period]"), "Period");
    let options: Vec<String> = (0..4)
        .map(|i| {
            eval(&format!(
                "document.querySelector('#traffic-period').options[{i}].text"
            ))
            .as_string()
            .unwrap()
        })
        .collect();
    assert_eq!(
        options,
        [
            "Last 24 hours",
            "Last 7 days",
            "Last 30 days",
            "Last 90 days"
        ]
    );
    assert_eq!(
        eval("document.querySelector('#traffic-period').value").as_string(),
        Some("30d".into())
    );

    eval(
        "const s = document.querySelector('#traffic-period'); s.value = '7d'; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    settle().await;
    // The month stays up, said to be updating, until the week arrives.
    assert_eq!(text(&root, ".traffic__updating"), "Updating…");
    assert_eq!(text(&root, "#traffic-title"), "Traffic in the last 7 days");
    assert!(exists(&root, ".referrer-mix"));
    let empty = wait_for(&root, ".traffic-chart__empty").await;
    assert_eq!(
        empty.text_content().as_deref(),
        Some("No clicks in the last 7 days yet")
    );
    assert_eq!(text(&root, ".traffic__updating"), "");
    assert_eq!(calls("GET /api/traffic-sources/12/traffic"), 2);
    assert!(eval("window.__calls[1].search")
        .as_string()
        .unwrap()
        .starts_with("?days=7"));
    // The period is in the page's address, a history entry of its own.
    assert_eq!(eval("location.search").as_string(), Some("?days=7".into()));
    eval("history.back()");
    sleep(100).await;
    assert_eq!(eval("location.search").as_string(), Some("".into()));
    assert_eq!(text(&root, "#traffic-title"), "Traffic in the last 30 days");
    root.remove();
}

#[wasm_bindgen_test]
fn a_period_in_the_address_is_one_offered_or_the_month() {
    use model::traffic::Period;
    use web::components::traffic_period::period_from;
    assert_eq!(period_from(Some("7"), None), Period::Days(7));
    assert_eq!(period_from(Some("90"), None), Period::Days(90));
    assert_eq!(period_from(None, Some("24")), Period::Hours(24));
    for other in [
        None,
        Some(""),
        Some("14"),
        Some("0"),
        Some("-7"),
        Some("week"),
    ] {
        assert_eq!(period_from(other, None), Period::Days(30), "{other:?}");
    }
    // Hours other than the day offered, or both at once, read as the month too.
    for (days, hours) in [
        (None, Some("12")),
        (None, Some("7")),
        (Some("7"), Some("24")),
    ] {
        assert_eq!(
            period_from(days, hours),
            Period::Days(30),
            "{days:?} {hours:?}"
        );
    }
}

/// 24 hours of 4 December 2026, from 14:00 on the 3rd: 5 redirected an hour, 3 refused at
/// 20:00, 7 bot clicks at 02:00.
fn last_day() -> Vec<TrafficDay> {
    (0..24)
        .map(|i| {
            let (day, hour) = if i < 10 { (3, 14 + i) } else { (4, i - 10) };
            TrafficDay {
                day: format!("2026-12-{day:02}"),
                hour: Some(format!("2026-12-{day:02}T{hour:02}:00:00Z")),
                redirected: 5,
                refused: if (day, hour) == (3, 20) { 3 } else { 0 },
                bots: if (day, hour) == (4, 2) { 7 } else { 0 },
                visitors: 5,
            }
        })
        .collect()
}

#[wasm_bindgen_test]
async fn an_hourly_series_is_drawn_and_tabled_hour_by_hour() {
    let root = container();
    let _app = mount_chart(&root, last_day());
    settle().await;
    let expected = "123 clicks in 24 hours: 120 redirected, 3 refused; 7 bot clicks left out.";
    assert_eq!(text(&root, "figure figcaption"), expected);
    let label = attr(&root, "figure svg", "aria-label").unwrap();
    assert!(
        label.starts_with("Chart of clicks per hour of Dealspotter Blog"),
        "{label}"
    );
    assert!(
        label.contains("Busiest hour: 3 Dec 2026, 20:00 UTC, 8 clicks."),
        "{label}"
    );
    let labels: Vec<String> = {
        let list = root.query_selector_all("svg text.chart__label").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    for tick in ["14:00", "02:00", "13:00 UTC"] {
        assert!(labels.iter().any(|l| l == tick), "{tick} in {labels:?}");
    }
    let tooltip = find(&root, "svg.traffic-chart__svg g title")
        .text_content()
        .unwrap();
    assert_eq!(tooltip, "3 Dec, 14:00: 5 redirected, 0 refused, 0 bot");
    click(&root, "button.traffic-chart__toggle");
    settle().await;
    assert_eq!(
        text(&root, "#chart-1-table caption"),
        "Clicks per hour of Dealspotter Blog"
    );
    assert_eq!(text(&root, "#chart-1-table thead th"), "Hour (UTC)");
    assert_eq!(count(&root, "#chart-1-table tbody tr"), 24);
    let first = find(&root, "#chart-1-table tbody tr time");
    assert_eq!(
        first.get_attribute("datetime").as_deref(),
        Some("2026-12-03T14:00:00Z")
    );
    assert_eq!(
        first.text_content().as_deref(),
        Some("3 Dec 2026, 14:00 UTC")
    );
    assert!(text(&root, ".traffic-table__note").contains("in the hour of their first click"));
    root.remove();

    let root = container();
    let quiet = last_day()
        .into_iter()
        .map(|d| TrafficDay {
            redirected: 0,
            refused: 0,
            bots: 0,
            ..d
        })
        .collect();
    let _quiet = mount_chart(&root, quiet);
    settle().await;
    assert_eq!(
        text(&root, ".traffic-chart__empty"),
        "No clicks in the last 24 hours yet"
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn the_last_24_hours_are_asked_by_the_hour_and_kept_in_the_address() {
    let hours: Vec<String> = (0..24)
        .map(|h| {
            format!(
                r#"{{"day":"2026-12-04","hour":"2026-12-04T{h:02}:00:00Z","redirected":{},"refused":0,"bots":0,"visitors":0}}"#,
                if h == 9 { 40 } else { 0 }
            )
        })
        .collect();
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [
            {{"status":200,"body":{}}},
            {{"status":200,"body":{{"traffic_source_id":12,"hours":24,"declared_site":"dealspotter.example","series":[{}],"referrers":{{"match":40,"mismatch":0,"none":0}},"match_rate":100,"top_referrers":[{{"host":"dealspotter.example","matches":true,"clicks":40}}]}}}}
        ]}}"#,
        traffic_json(90, 5, 5, "90"),
        hours.join(",")
    ));
    let root = container();
    let _app = mount_panel(&root, false);
    wait_for(&root, "figure").await;
    assert_eq!(text(&root, "a.traffic__csv"), "Download CSV");
    assert_eq!(
        attr(&root, "a.traffic__csv", "href").as_deref(),
        Some("/api/traffic-sources/12/traffic.csv?days=30")
    );
    assert!(attr(&root, "a.traffic__csv", "download").is_some());
    eval(
        "const s = document.querySelector('#traffic-period'); s.value = '24h'; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    settle().await;
    assert_eq!(
        text(&root, "#traffic-title"),
        "Traffic in the last 24 hours"
    );
    let mut caption = String::new();
    for _ in 0..50 {
        caption = text(&root, "figure figcaption");
        if caption.contains("24 hours") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(
        caption,
        "40 clicks in 24 hours: 40 redirected, 0 refused; no bot clicks."
    );
    assert!(eval("window.__calls[1].search")
        .as_string()
        .unwrap()
        .starts_with("?hours=24"));
    assert_eq!(
        eval("location.search").as_string(),
        Some("?hours=24".into())
    );
    assert_eq!(
        attr(&root, "a.traffic__csv", "href").as_deref(),
        Some("/api/traffic-sources/12/traffic.csv?hours=24"),
        "the download follows the period"
    );
    assert_eq!(
        eval("document.querySelector('#traffic-period').value").as_string(),
        Some("24h".into())
    );
    eval("history.back()");
    sleep(100).await;
    assert_eq!(eval("location.search").as_string(), Some("".into()));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_source_without_clicks_shows_the_empty_state_and_no_figures() {
    let days: Vec<String> = (1..=30)
        .map(|n| {
            format!(
                r#"{{"day":"2026-11-{n:02}","redirected":0,"refused":0,"bots":0,"visitors":0}}"#
            )
        })
        .collect();
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{{"traffic_source_id":12,"days":30,"declared_site":"dealspotter.example","series":[{}],"referrers":{{"match":0,"mismatch":0,"none":0}},"match_rate":null,"top_referrers":[]}}}}]}}"#,
        days.join(",")
    ));
    let root = container();
    let _app = mount_panel(&root, false);
    let empty = wait_for(&root, ".traffic-chart__empty").await;
    assert_eq!(
        empty.text_content().as_deref(),
        Some("No clicks in the last 30 days yet")
    );
    assert!(text(&root, ".traffic__rate").contains("Too little traffic to judge"));
    assert!(!exists(&root, ".referrer-mix"));
    assert!(!exists(&root, "table"));
    root.remove();
}

/// `screen`, seen by a signed-in partner under a router, with the live context it listens to.
fn mount_live<V: IntoView + 'static>(
    root: &HtmlElement,
    screen: impl Fn() -> V + Send + Sync + 'static,
) -> (UnmountHandle<impl Mountable>, Live) {
    mount_live_as(root, Role::Partner, screen)
}

/// [`mount_live`] for someone of `role`.
fn mount_live_as<V: IntoView + 'static>(
    root: &HtmlElement,
    role: Role,
    screen: impl Fn() -> V + Send + Sync + 'static,
) -> (UnmountHandle<impl Mountable>, Live) {
    let live = std::rc::Rc::new(std::cell::Cell::new(None));
    let app = {
        let live = live.clone();
        mount_to(root.clone(), move || {
            signed_in(role);
            live.set(Some(Live::provide()));
            view! { <Router>{screen()}</Router> }
        })
    };
    (app, live.get().unwrap())
}

/// The partner's panel of source 12, with the live context it listens to.
fn mount_live_panel(root: &HtmlElement) -> (UnmountHandle<impl Mountable>, Live) {
    mount_live(root, || view! { <TrafficPanel source_id=12/> })
}

/// The panel of source 12 shown, every load of its traffic answered the same; and how many
/// times it was loaded.
async fn live_panel_shown(
    root: &HtmlElement,
) -> (UnmountHandle<impl Mountable>, Live, impl Fn() -> u32) {
    fake_fetch(&format!(
        r#"{{"GET /api/traffic-sources/12/traffic": [{{"status":200,"body":{}}}]}}"#,
        traffic_json(90, 5, 5, "90")
    ));
    let (app, live) = mount_live_panel(root);
    wait_for(root, "figure").await;
    (app, live, || calls("GET /api/traffic-sources/12/traffic"))
}

/// A traffic update from the live stream, as the server sends it.
fn traffic_update(source_id: i64) -> LiveUpdate {
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

/// Replaces `window.EventSource` with a fake that records each stream opened in
/// `window.__streams` (its `url`, whether it was `closed`), to which a test sends events.
fn fake_event_source() {
    eval(
        r#"
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
fn streams() -> Vec<(String, bool)> {
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
fn listed_source(id: i64, name: &str, clicks: i64, rate: u8) -> String {
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
fn the_mismatch_sentence_follows_the_judging_rule() {
    let mix = |matched, mismatched, none| model::traffic::ReferrerMix {
        matched,
        mismatched,
        none,
    };
    assert_eq!(
        mismatch_sentence(&mix(62, 38, 0)),
        "38% of clicks came from other sites"
    );
    assert!(mismatch_sentence(&mix(10, 10, 9)).starts_with("Too little traffic to judge"));
}

// ---- the click lookup -----------------------------------------------------------------------

const CLICK: &str = r#"{"click_id":"c_9f2K","at":"2026-11-30T09:15:00Z","collaboration_id":4,"traffic_source_id":12,
    "source_name":"Dealspotter Blog","program_id":2,"program_name":"Northwind Spring Sale","outcome":"refused_paused",
    "referrer_host":"popunder.example","referrer_class":"mismatch","bot":true}"#;

fn mount_lookup(root: &HtmlElement) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        signed_in(Role::Advertiser);
        view! { <ClickLookup/> }
    })
}

fn type_into(root: &Element, selector: &str, value: &str) {
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

//! The source traffic panel: the staff view's lead, the referrer table, the period chosen,
//! the last 24 hours, failure and Try again, the judging rule.

use model::traffic::TrafficDay;
use model::Role;
use web::components::traffic_panel::{mismatch_sentence, TrafficPanel};

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

use crate::chart::mount_chart;
use crate::support::*;

pub(crate) fn traffic_json(matched: i64, mismatched: i64, none: i64, rate: &str) -> String {
    let days: Vec<String> = (1..=30)
        .map(|n| {
            let r = if n == 30 {
                matched + mismatched + none
            } else {
                0
            };
            format!(
                r#"{{"day":"2026-11-{n:02}","redirected":{r},"refused":0,"bots":0,"visitors":{r},"valid":{r}}}"#
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

pub(crate) fn mount_panel(root: &HtmlElement, prominent: bool) -> UnmountHandle<impl Mountable> {
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

/// 24 hours of 4 December 2026, from 14:00 on the 3rd: 5 valid clicks an hour (redirected),
/// 3 refused at 20:00, 7 bot clicks at 02:00.
pub(crate) fn last_day() -> Vec<TrafficDay> {
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
                valid: 5,
                invalid: model::traffic::InvalidCounts {
                    refused: if (day, hour) == (3, 20) { 3 } else { 0 },
                    bot: if (day, hour) == (4, 2) { 7 } else { 0 },
                    ..Default::default()
                },
            }
        })
        .collect()
}

#[wasm_bindgen_test]
async fn an_hourly_series_is_drawn_and_tabled_hour_by_hour() {
    let root = container();
    let _app = mount_chart(&root, last_day());
    settle().await;
    let expected = "123 clicks in 24 hours: 120 valid, 3 invalid; 7 bot clicks left out.";
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
    assert_eq!(tooltip, "3 Dec, 14:00: 5 valid, 0 invalid, 0 bot");
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
            valid: 0,
            invalid: Default::default(),
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
                r#"{{"day":"2026-12-04","hour":"2026-12-04T{h:02}:00:00Z","redirected":{n},"refused":0,"bots":0,"visitors":0,"valid":{n}}}"#,
                n = if h == 9 { 40 } else { 0 }
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
        "40 clicks in 24 hours: 40 valid, 0 invalid; no bot clicks."
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

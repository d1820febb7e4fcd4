//! The daily chart: figures in words, the caption's totals, the data table, the empty state,
//! bots apart, valid and invalid clicks told apart without colour.

use model::traffic::TrafficDay;
use web::components::{
    traffic_chart::{caption, short_day, thousands, TrafficChart},
    traffic_panel::match_rate_cell,
};

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use crate::support::*;

/// A day whose redirected clicks are all valid; refused and bot clicks are invalid.
pub(crate) fn day(n: u32, redirected: i64, refused: i64, bots: i64) -> TrafficDay {
    TrafficDay {
        day: format!("2026-11-{n:02}"),
        hour: None,
        redirected,
        refused,
        bots,
        visitors: redirected,
        valid: redirected,
        invalid: model::traffic::InvalidCounts {
            bot: bots,
            refused,
            ..Default::default()
        },
    }
}

/// 30 days of November: 40 redirected a day, 2 refused on the 10th, bots on two days.
pub(crate) fn november() -> Vec<TrafficDay> {
    (1..=30)
        .map(|n| match n {
            10 => day(n, 40, 2, 0),
            12 => day(n, 40, 0, 50),
            20 => day(n, 40, 0, 6),
            _ => day(n, 40, 0, 0),
        })
        .collect()
}

pub(crate) fn mount_chart(
    root: &HtmlElement,
    series: Vec<TrafficDay>,
) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        view! { <TrafficChart series=series.clone() id="chart-1".to_string() subject="Dealspotter Blog"/> }
    })
}

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
    // 29 × 40 + 30 = 1,190 valid, 34 refused (invalid): 1,224 human clicks; 56 bots apart.
    assert_eq!(
        caption(&series),
        "1,224 clicks in 30 days: 1,190 valid, 34 invalid; 56 bot clicks left out."
    );
    assert_eq!(
        caption(&[day(1, 1, 0, 0)]),
        "1 click in 1 day: 1 valid, 0 invalid; no bot clicks."
    );
    assert_eq!(
        caption(&[day(1, 0, 0, 1), day(2, 0, 0, 0)]),
        "0 clicks in 2 days: 0 valid, 0 invalid; 1 bot click left out."
    );
    // Repeats, prefetches and clicks too fast redirect but are invalid.
    let mut busy = day(1, 10, 1, 0);
    busy.valid = 6;
    busy.invalid.duplicate = 2;
    busy.invalid.prefetch = 1;
    busy.invalid.velocity = 1;
    assert_eq!(
        caption(&[busy]),
        "11 clicks in 1 day: 6 valid, 5 invalid; no bot clicks."
    );
}

#[wasm_bindgen_test]
async fn the_chart_says_its_totals_in_words_and_names_its_picture() {
    let root = container();
    let _app = mount_chart(&root, november());
    settle().await;
    // 30 × 40 valid + 2 refused; the 56 bot clicks are not in the count.
    let expected = "1,202 clicks in 30 days: 1,200 valid, 2 invalid; 56 bot clicks left out.";
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
    // Invalid bars are hatched, not only another colour; bots have a row of their own.
    assert_eq!(
        count(&root, "svg rect.chart__valid"),
        31,
        "30 bars + the legend's swatch"
    );
    assert_eq!(
        count(&root, "svg.traffic-chart__svg rect.chart__invalid"),
        1
    );
    let invalid = find(&root, "svg.traffic-chart__svg rect.chart__invalid");
    assert_eq!(
        invalid.get_attribute("fill").as_deref(),
        Some("url(#chart-1-hatch)")
    );
    assert!(exists(&root, "pattern#chart-1-hatch"));
    assert_eq!(count(&root, "svg.traffic-chart__svg rect.chart__bots"), 2);
    // The legend says what each pattern is, and counts each invalid reason.
    let legend = text(&root, ".chart-legend");
    assert!(legend.contains("Valid (solid) 1,200"), "{legend}");
    assert!(
        legend.contains("Invalid (hatched): Refused (link not live) 2, Prefetches and previews 0, Too fast 0, Repeat clicks 0"),
        "{legend}"
    );
    assert!(legend.contains("Bot clicks"), "{legend}");
    assert!(legend.contains("56"), "{legend}");
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
    // Date, Valid, each invalid reason, Gross, Visitors (issue 30).
    let heads: Vec<String> = {
        let list = root.query_selector_all("#chart-1-table thead th").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    assert_eq!(
        heads,
        [
            "Day",
            "Valid",
            "Bots",
            "Refused (link not live)",
            "Prefetches and previews",
            "Too fast",
            "Repeat clicks",
            "Gross",
            "Visitors"
        ]
    );
    assert_eq!(
        cells,
        ["10 Nov 2026", "40", "0", "2", "0", "0", "0", "42", "40"]
    );
    let twelfth = find(&root, "#chart-1-table tbody tr:nth-child(12)");
    let cells: Vec<String> = {
        let list = twelfth.query_selector_all("td").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    assert_eq!(
        cells,
        ["40", "50", "0", "0", "0", "0", "90", "40"],
        "bots in the gross"
    );
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
        "0 clicks in 7 days: 0 valid, 0 invalid; 9 bot clicks left out."
    );
    assert_eq!(count(&root, "svg.traffic-chart__svg rect.chart__bots"), 1);
    assert_eq!(count(&root, "svg.traffic-chart__svg rect.chart__valid"), 0);
    root.remove();
}

//! The one traffic chart, day by day or hour by hour, used wherever a series of clicks is
//! shown (the partner's source page, the staff source page, each source of an advertiser's
//! program).
//!
//! Human clicks are stacked bars: valid ones solid, invalid ones (refused, prefetches,
//! repeats, too fast) hatched above them, so the two are told apart without colour. Bot
//! clicks get their own row under the axis, on their own scale, and stay out of every total.
//! The same figures are given in words (the caption, the legend's count of each invalid
//! reason) and, on request, as a plain table of every day (or hour) with each reason and the
//! gross.

use leptos::prelude::*;
use model::traffic::{InvalidReason, TrafficDay};

mod draw;
mod words;

use draw::{draw, esc};
pub use words::{caption, clicks, empty_text, short_day, thousands, Totals};
use words::{datetime, hourly, human_invalid, name, unit, Name};

/// A daily chart of clicks, with its figures in words and as a table.
///
/// Every day zero: a short empty state instead of an empty drawing.
///
/// New figures (a live update) are drawn in place: the button and the table's region stay,
/// so an open table stays open and the focus stays where it was.
///
/// The drawing and the table are written as markup (escaped) rather than as views: a chart
/// has hundreds of nodes of a few kinds that never change once drawn, and views of them
/// would add their generic code to the bundle for nothing.
#[component]
pub fn TrafficChart(
    /// The days (or hours) to draw, oldest first, those without clicks included (as the API
    /// sends them).
    #[prop(into)]
    series: Signal<Vec<TrafficDay>>,
    /// Prefix of the ids inside (pattern, table), unique on the page, e.g. `traffic-12`.
    id: String,
    /// What the traffic is of, e.g. a source's name; said in the drawing's label and in the
    /// table's caption. Empty: just "Clicks per day".
    #[prop(optional, into)]
    subject: String,
) -> impl IntoView {
    let empty = Memo::new(move |_| {
        series.with(|s| {
            let totals = Totals::of(s);
            totals.human() == 0 && totals.bots == 0
        })
    });
    let of = if subject.is_empty() {
        String::new()
    } else {
        format!(" of {subject}")
    };
    let open = RwSignal::new(false);
    let (id, of) = (StoredValue::new(id), StoredValue::new(of));
    move || {
        if empty.get() {
            return view! {
                <p class="traffic-chart__empty">{move || series.with(|s| empty_text(s))}</p>
            }
            .into_any();
        }
        let table_id = id.with_value(|id| format!("{id}-table"));
        let table_name = move || {
            series.with(|s| format!("Clicks per {}{}, as a table", unit(s), of.get_value()))
        };
        let drawing = move || {
            series.with(|s| {
                let label = of.with_value(|of| label(s, of));
                id.with_value(|id| format!("{}{}", draw(s, id, &label), legend(id, s)))
            })
        };
        // Written only while open.
        let table_markup = move || {
            if !open.get() {
                return String::new();
            }
            series.with(|s| of.with_value(|of| data_table(s, of)))
        };
        view! {
            <figure class="traffic-chart">
                <figcaption class="traffic-chart__caption">{move || series.with(|s| caption(s))}</figcaption>
                <div class="traffic-chart__drawing" inner_html=drawing></div>
                <button
                    type="button"
                    class="button button--small traffic-chart__toggle"
                    aria-expanded=move || open.get().to_string()
                    aria-controls=table_id.clone()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide data table" } else { "Show data table" }}
                </button>
                // Focusable: on a phone the table scrolls sideways, and keys must reach all of it.
                <div
                    class="traffic-chart__table"
                    id=table_id
                    role="region"
                    aria-label=table_name
                    tabindex="0"
                    hidden=move || !open.get()
                    inner_html=table_markup
                ></div>
            </figure>
        }
        .into_any()
    }
}

/// The drawing's accessible name: what it shows, the figures in words, the busiest day.
fn label(series: &[TrafficDay], of: &str) -> String {
    let unit = unit(series);
    let human = |d: &TrafficDay| d.valid + human_invalid(&d.invalid);
    let busiest = series
        .iter()
        .max_by_key(|d| (human(d), std::cmp::Reverse(datetime(d).to_string())))
        .filter(|d| human(d) > 0)
        .map(|d| {
            format!(
                " Busiest {unit}: {}, {}.",
                name(d, Name::Long),
                clicks(human(d))
            )
        })
        .unwrap_or_default();
    format!(
        "Chart of clicks per {unit}{of}: valid and invalid clicks stacked, bot clicks in a row of their own. {}{busiest}",
        caption(series)
    )
}

/// The legend, in words (the swatches are decoration), with the period's count of each
/// invalid reason: what the hatched bars and the bots' row hold.
fn legend(id: &str, series: &[TrafficDay]) -> String {
    let swatch = |shape: &str| {
        format!(
            r#"<svg class="chart-legend__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">{shape}</svg>"#
        )
    };
    let totals = Totals::of(series);
    let reasons = InvalidReason::ALL
        .into_iter()
        .filter(|r| *r != InvalidReason::Bot)
        .map(|r| format!("{} {}", r.label(), thousands(totals.invalid.get(r))))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"<ul class="chart-legend"><li>{}Valid (solid) {}</li><li>{}Invalid (hatched): {}</li><li>{}Bot clicks (bottom row, own scale, left out of the totals) {}</li></ul>"#,
        swatch(r#"<rect x="0.5" y="0.5" width="13" height="13" class="chart__valid"/>"#),
        thousands(totals.valid),
        swatch(&format!(
            r#"<rect x="0.5" y="0.5" width="13" height="13" class="chart__invalid" fill="url(#{}-hatch)"/>"#,
            esc(id)
        )),
        esc(&reasons),
        swatch(r#"<rect x="0.5" y="4.5" width="13" height="9" class="chart__bots"/>"#),
        thousands(totals.bots),
    )
}

/// Every day (or hour) as a row: valid clicks, each invalid reason, the gross (every click,
/// bots included) and the visitors.
fn data_table(series: &[TrafficDay], of: &str) -> String {
    let (unit, column, visitors) = if hourly(series) {
        (
            "hour",
            "Hour (UTC)",
            "Visitors counts unique visitors, each in the hour of their first click of the day.",
        )
    } else {
        ("day", "Day", "Visitors counts unique visitors.")
    };
    let reasons: String = InvalidReason::ALL
        .iter()
        .map(|r| format!(r#"<th scope="col">{}</th>"#, esc(r.label())))
        .collect();
    let mut out = format!(
        r#"<p class="traffic-table__note">Valid counts the clicks every figure counts; the next five columns count the invalid ones by reason; Gross counts every click, bots included; {visitors}</p><table class="traffic-table"><caption>Clicks per {unit}{}</caption><thead><tr><th scope="col">{column}</th><th scope="col">Valid</th>{reasons}<th scope="col">Gross</th><th scope="col">Visitors</th></tr></thead><tbody>"#,
        esc(of)
    );
    for d in series {
        let cells: String = InvalidReason::ALL
            .iter()
            .map(|r| format!("<td>{}</td>", thousands(d.invalid.get(*r))))
            .collect();
        out.push_str(&format!(
            r#"<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td>{cells}<td>{}</td><td>{}</td></tr>"#,
            esc(datetime(d)),
            esc(&name(d, Name::Long)),
            thousands(d.valid),
            thousands(d.valid + d.invalid.total()),
            thousands(d.visitors),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

//! The one daily traffic chart, used wherever a series of clicks is shown (the partner's
//! source page, the staff source page, each source of an advertiser's program).
//!
//! Human clicks are stacked bars: redirected ones solid, refused ones hatched, so the two are
//! told apart without colour. Bot clicks get their own row under the axis, on their own scale,
//! and stay out of every total. The same figures are given in words (the caption) and, on
//! request, as a plain table of every day.

use leptos::prelude::*;
use model::traffic::TrafficDay;

// The drawing's own units. The viewBox is as wide as a small phone, so at 360 px its text is
// drawn at about its nominal size; CSS caps how far it grows on wide screens.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 214.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 6.0;
const PLOT_TOP: f64 = 10.0;
const PLOT_BOTTOM: f64 = 148.0;
const X_LABELS: f64 = 164.0;
const BOTS_TOP: f64 = 178.0;
const BOTS_BOTTOM: f64 = 204.0;

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `"1 click"`, `"1,234 clicks"`.
pub fn clicks(n: i64) -> String {
    if n == 1 {
        "1 click".into()
    } else {
        format!("{} clicks", thousands(n))
    }
}

/// `"30 days"`, `"1 day"`.
fn days(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The totals of a series: human clicks redirected and refused, bots apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub redirected: i64,
    pub refused: i64,
    pub bots: i64,
}

impl Totals {
    pub fn of(series: &[TrafficDay]) -> Totals {
        series.iter().fold(Totals::default(), |t, d| Totals {
            redirected: t.redirected + d.redirected,
            refused: t.refused + d.refused,
            bots: t.bots + d.bots,
        })
    }

    /// Human clicks: what the charts and every rate count.
    pub fn human(self) -> i64 {
        self.redirected + self.refused
    }
}

/// The chart's caption: "1,234 clicks in 30 days: 1,200 redirected, 34 refused; 56 bot clicks
/// left out."
pub fn caption(series: &[TrafficDay]) -> String {
    let t = Totals::of(series);
    let bots = match t.bots {
        0 => "no bot clicks".to_string(),
        1 => "1 bot click left out".to_string(),
        n => format!("{} bot clicks left out", thousands(n)),
    };
    format!(
        "{} in {}: {} redirected, {} refused; {bots}.",
        clicks(t.human()),
        days(series.len()),
        thousands(t.redirected),
        thousands(t.refused),
    )
}

/// What the chart shows when every day is zero, e.g. "No clicks in the last 30 days yet".
pub fn empty_text(days: usize) -> String {
    match days {
        1 => "No clicks in the last day yet".into(),
        n => format!("No clicks in the last {n} days yet"),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `"2026-11-03"` → `"3 Nov"` (with the year: `"3 Nov 2026"`); the raw text if it is not a date.
pub fn short_day(day: &str, with_year: bool) -> String {
    let mut parts = day.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return day.to_string();
    };
    let month = m
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    match (month, d.parse::<u32>()) {
        (Some(month), Ok(d)) if with_year => format!("{d} {month} {y}"),
        (Some(month), Ok(d)) => format!("{d} {month}"),
        _ => day.to_string(),
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `n`: the top of the scale.
fn nice_max(n: i64) -> i64 {
    let mut step = 1_i64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// An axis label that fits beside the plot: `950`, `1.2k`, `12k`, `1.5M`.
fn compact(n: i64) -> String {
    match n {
        n if n < 1_000 => n.to_string(),
        n if n < 10_000 && n % 1_000 != 0 => format!("{:.1}k", n as f64 / 1_000.0),
        n if n < 1_000_000 => format!("{}k", n / 1_000),
        n => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// A daily chart of clicks, with its figures in words and as a table.
///
/// Every day zero: a short empty state instead of an empty drawing.
#[component]
pub fn TrafficChart(
    /// The days to draw, oldest first, days without clicks included (as the API sends them).
    series: Vec<TrafficDay>,
    /// Prefix of the ids inside (pattern, table), unique on the page, e.g. `traffic-12`.
    id: String,
    /// What the traffic is of, e.g. a source's name; said in the drawing's label and in the
    /// table's caption. Empty: just "Clicks per day".
    #[prop(optional, into)]
    subject: String,
) -> impl IntoView {
    let n = series.len();
    let totals = Totals::of(&series);
    if totals.human() == 0 && totals.bots == 0 {
        return view! { <p class="traffic-chart__empty">{empty_text(n)}</p> }.into_any();
    }
    let caption = caption(&series);
    let of = if subject.is_empty() {
        String::new()
    } else {
        format!(" of {subject}")
    };
    let busiest = series
        .iter()
        .max_by_key(|d| (d.redirected + d.refused, std::cmp::Reverse(d.day.clone())))
        .filter(|d| d.redirected + d.refused > 0)
        .map(|d| {
            format!(
                " Busiest day: {}, {}.",
                short_day(&d.day, true),
                clicks(d.redirected + d.refused)
            )
        })
        .unwrap_or_default();
    let label = format!(
        "Chart of clicks per day{of}: redirected and refused clicks stacked, bot clicks in a row of their own. {caption}{busiest}"
    );
    let table_id = format!("{id}-table");
    let hatch_id = format!("{id}-hatch");
    let open = RwSignal::new(false);

    let drawing = draw(&series, &hatch_id, &label);
    let legend = view! {
        <ul class="chart-legend">
            <li>
                <svg class="chart-legend__swatch" viewBox="0 0 14 14" aria-hidden="true">
                    <rect x="0.5" y="0.5" width="13" height="13" class="chart__redirected"/>
                </svg>
                "Redirected (solid)"
            </li>
            <li>
                <svg class="chart-legend__swatch" viewBox="0 0 14 14" aria-hidden="true">
                    <rect x="0.5" y="0.5" width="13" height="13" class="chart__refused" fill=format!("url(#{hatch_id})")/>
                </svg>
                "Refused (hatched)"
            </li>
            <li>
                <svg class="chart-legend__swatch" viewBox="0 0 14 14" aria-hidden="true">
                    <rect x="0.5" y="4.5" width="13" height="9" class="chart__bots"/>
                </svg>
                "Bot clicks (bottom row, own scale, left out of the totals)"
            </li>
        </ul>
    };
    let rows = StoredValue::new(series);
    let table = move || {
        open.get().then(|| {
            let body = rows.with_value(|series| {
                series
                    .iter()
                    .map(|d| {
                        view! {
                            <tr>
                                <th scope="row"><time datetime=d.day.clone()>{short_day(&d.day, true)}</time></th>
                                <td>{thousands(d.redirected)}</td>
                                <td>{thousands(d.refused)}</td>
                                <td>{thousands(d.bots)}</td>
                                <td>{thousands(d.visitors)}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            });
            view! {
                <table class="traffic-table">
                    <caption>{format!("Clicks per day{of}")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col">"Redirected"</th>
                            <th scope="col">"Refused"</th>
                            <th scope="col">"Bot clicks (left out)"</th>
                            <th scope="col">"Unique visitors"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            }
        })
    };
    view! {
        <figure class="traffic-chart">
            <figcaption class="traffic-chart__caption">{caption}</figcaption>
            {drawing}
            {legend}
            <button
                type="button"
                class="button button--small traffic-chart__toggle"
                aria-expanded=move || open.get().to_string()
                aria-controls=table_id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide data table" } else { "Show data table" }}
            </button>
            <div class="traffic-chart__table" id=table_id hidden=move || !open.get()>{table}</div>
        </figure>
    }
    .into_any()
}

/// The SVG: scale, stacked bars, date labels and the bots' row. A picture with one label; its
/// parts are not announced one by one (the table is there for that).
fn draw(series: &[TrafficDay], hatch_id: &str, label: &str) -> impl IntoView {
    let n = series.len().max(1) as f64;
    let top = nice_max(
        series
            .iter()
            .map(|d| d.redirected + d.refused)
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let bots_top = series.iter().map(|d| d.bots).max().unwrap_or(0).max(1);
    let slot = (WIDTH - LEFT - RIGHT) / n;
    let bar = (slot * 0.72).max(0.8);
    let y_of = |v: i64| PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * v as f64 / top as f64;
    let hatch = format!("url(#{hatch_id})");

    let marks: &[i64] = if top >= 2 {
        &[0, top / 2, top]
    } else {
        &[0, top]
    };
    let grid = marks
        .iter()
        .map(|&v| {
            let y = y_of(v);
            view! {
                <line class="chart__grid" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
                <text class="chart__label" x=LEFT - 4.0 y=y + 4.0 text-anchor="end">{compact(v)}</text>
            }
        })
        .collect_view();

    let bars = series
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
            let base = y_of(d.redirected);
            let stack = y_of(d.redirected + d.refused);
            let bot_h = (BOTS_BOTTOM - BOTS_TOP) * d.bots as f64 / bots_top as f64;
            let tip = format!(
                "{}: {} redirected, {} refused, {} bot",
                short_day(&d.day, false),
                thousands(d.redirected),
                thousands(d.refused),
                thousands(d.bots)
            );
            view! {
                <g>
                    <title>{tip}</title>
                    {(d.redirected > 0).then(|| view! {
                        <rect class="chart__redirected" x=x y=base width=bar height=PLOT_BOTTOM - base/>
                    })}
                    {(d.refused > 0).then(|| view! {
                        <rect class="chart__refused" x=x y=stack width=bar height=base - stack fill=hatch.clone()/>
                    })}
                    {(d.bots > 0).then(|| view! {
                        <rect class="chart__bots" x=x y=BOTS_BOTTOM - bot_h width=bar height=bot_h/>
                    })}
                </g>
            }
        })
        .collect_view();

    // First and last day, and one in the middle when there is room between them.
    let mut ticks = vec![0, series.len().saturating_sub(1)];
    if series.len() >= 7 {
        ticks.insert(1, series.len() / 2);
    }
    ticks.dedup();
    let x_labels = ticks
        .into_iter()
        .filter_map(|i| series.get(i).map(|d| (i, d)))
        .map(|(i, d)| {
            let x = LEFT + slot * (i as f64 + 0.5);
            let anchor = if i == 0 && series.len() > 1 {
                "start"
            } else if i + 1 == series.len() && series.len() > 1 {
                "end"
            } else {
                "middle"
            };
            let x = match anchor {
                "start" => x - slot / 2.0,
                "end" => x + slot / 2.0,
                _ => x,
            };
            view! { <text class="chart__label" x=x y=X_LABELS text-anchor=anchor>{short_day(&d.day, false)}</text> }
        })
        .collect_view();

    view! {
        <svg
            class="traffic-chart__svg"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            width="100%"
            role="img"
            aria-label=label.to_string()
            preserveAspectRatio="xMidYMid meet"
        >
            <title>{label.to_string()}</title>
            <defs>
                <pattern id=hatch_id.to_string() patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)">
                    <rect width="5" height="5" class="chart__hatch-bg"/>
                    <line x1="0" y1="0" x2="0" y2="5" class="chart__hatch-line"/>
                </pattern>
            </defs>
            {grid}
            {bars}
            <line class="chart__axis" x1=LEFT x2=WIDTH - RIGHT y1=PLOT_BOTTOM y2=PLOT_BOTTOM/>
            {x_labels}
            <text class="chart__label" x=LEFT - 4.0 y=BOTS_BOTTOM - 6.0 text-anchor="end">"Bots"</text>
            <line class="chart__grid" x1=LEFT x2=WIDTH - RIGHT y1=BOTS_BOTTOM y2=BOTS_BOTTOM/>
        </svg>
    }
}

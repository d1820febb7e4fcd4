//! The one traffic chart, day by day or hour by hour, used wherever a series of clicks is
//! shown (the partner's source page, the staff source page, each source of an advertiser's
//! program).
//!
//! Human clicks are stacked bars: redirected ones solid, refused ones hatched, so the two are
//! told apart without colour. Bot clicks get their own row under the axis, on their own scale,
//! and stay out of every total. The same figures are given in words (the caption) and, on
//! request, as a plain table of every day.

use leptos::prelude::*;
use model::traffic::TrafficDay;

// The drawing's own units. The viewBox is as wide as a small phone, so at 360 px its text is
// drawn at about its nominal size; CSS caps how far it grows on wide screens.
const WIDTH: i64 = 360;
const HEIGHT: i64 = 214;
const LEFT: i64 = 36;
const RIGHT: i64 = 6;
const PLOT_TOP: i64 = 10;
const PLOT_BOTTOM: i64 = 148;
const X_LABELS: i64 = 164;
const BOTS_TOP: i64 = 178;
const BOTS_BOTTOM: i64 = 204;

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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

/// An hourly series (each point carries its hour) rather than a daily one.
fn hourly(series: &[TrafficDay]) -> bool {
    series.first().is_some_and(|d| d.hour.is_some())
}

/// What a point of the series is: `"day"` or `"hour"`.
fn unit(series: &[TrafficDay]) -> &'static str {
    if hourly(series) {
        "hour"
    } else {
        "day"
    }
}

/// The series' length: `"30 days"`, `"24 hours"`, `"1 day"`.
fn span(series: &[TrafficDay]) -> String {
    match series.len() {
        1 => format!("1 {}", unit(series)),
        n => format!("{n} {}s", unit(series)),
    }
}

/// How a point is named.
#[derive(Clone, Copy)]
enum Name {
    /// Under the axis: `"3 Nov"`, `"13:00"`.
    Tick,
    /// A bar's tooltip: `"3 Nov"`, `"4 Dec, 13:00"`.
    Short,
    /// The table and the busiest point: `"3 Nov 2026"`, `"4 Dec 2026, 13:00 UTC"`.
    Long,
}

/// A point's name (see [`Name`]).
fn name(d: &TrafficDay, how: Name) -> String {
    let Some(time) = d.hour.as_deref().and_then(|h| h.get(11..16)) else {
        return short_day(&d.day, matches!(how, Name::Long));
    };
    match how {
        Name::Tick => time.to_string(),
        Name::Short => format!("{}, {time}", short_day(&d.day, false)),
        Name::Long => format!("{}, {time} UTC", short_day(&d.day, true)),
    }
}

/// A point's machine-readable time: the hour's RFC 3339 start, or the day.
fn datetime(d: &TrafficDay) -> &str {
    d.hour.as_deref().unwrap_or(&d.day)
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
        span(series),
        thousands(t.redirected),
        thousands(t.refused),
    )
}

/// What the chart shows when every point is zero, e.g. "No clicks in the last 30 days yet".
pub fn empty_text(series: &[TrafficDay]) -> String {
    match series.len() {
        1 => format!("No clicks in the last {} yet", unit(series)),
        _ => format!("No clicks in the last {} yet", span(series)),
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

/// The scale: a step of 1, 2 or 5 × 10ⁿ, and the top, at most four steps above zero.
fn scale(max: i64) -> (i64, i64) {
    let mut power = 1_i64;
    loop {
        for m in [1, 2, 5] {
            let step = power * m;
            let steps = (max + step - 1) / step;
            if steps <= 4 {
                return (step, steps.max(1) * step);
            }
        }
        power *= 10;
    }
}

/// An axis label that fits beside the plot: `950`, `1.2k`, `12k`, `1.5M`. Integer arithmetic
/// only: formatting a float would pull the float printer into the bundle.
fn compact(n: i64) -> String {
    match n {
        n if n < 1_000 => n.to_string(),
        n if n < 10_000 && n % 1_000 != 0 => format!("{}.{}k", n / 1_000, n % 1_000 / 100),
        n if n < 1_000_000 => format!("{}k", n / 1_000),
        n => format!("{}.{}M", n / 1_000_000, n % 1_000_000 / 100_000),
    }
}

/// Text for markup: `&`, `<`, `>` and quotes escaped.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A length in tenths of a unit, as SVG reads it: `1234` → `"123.4"`.
fn u(tenths: i64) -> String {
    let t = tenths.max(0);
    format!("{}.{}", t / 10, t % 10)
}

/// A daily chart of clicks, with its figures in words and as a table.
///
/// Every day zero: a short empty state instead of an empty drawing.
///
/// The drawing and the table are written as markup (escaped) rather than as views: a chart
/// has hundreds of nodes of a few kinds that never change once drawn, and views of them
/// would add their generic code to the bundle for nothing.
#[component]
pub fn TrafficChart(
    /// The days (or hours) to draw, oldest first, those without clicks included (as the API
    /// sends them).
    series: Vec<TrafficDay>,
    /// Prefix of the ids inside (pattern, table), unique on the page, e.g. `traffic-12`.
    id: String,
    /// What the traffic is of, e.g. a source's name; said in the drawing's label and in the
    /// table's caption. Empty: just "Clicks per day".
    #[prop(optional, into)]
    subject: String,
) -> impl IntoView {
    let totals = Totals::of(&series);
    if totals.human() == 0 && totals.bots == 0 {
        return view! { <p class="traffic-chart__empty">{empty_text(&series)}</p> }.into_any();
    }
    let unit = unit(&series);
    let caption = caption(&series);
    let of = if subject.is_empty() {
        String::new()
    } else {
        format!(" of {subject}")
    };
    let busiest = series
        .iter()
        .max_by_key(|d| {
            (
                d.redirected + d.refused,
                std::cmp::Reverse(datetime(d).to_string()),
            )
        })
        .filter(|d| d.redirected + d.refused > 0)
        .map(|d| {
            format!(
                " Busiest {unit}: {}, {}.",
                name(d, Name::Long),
                clicks(d.redirected + d.refused)
            )
        })
        .unwrap_or_default();
    let label = format!(
        "Chart of clicks per {unit}{of}: redirected and refused clicks stacked, bot clicks in a row of their own. {caption}{busiest}"
    );
    let table_id = format!("{id}-table");
    let table_name = format!("Clicks per {unit}{of}, as a table");
    let drawing = format!("{}{}", draw(&series, &id, &label), legend(&id));
    let open = RwSignal::new(false);
    let table = StoredValue::new(None::<String>);
    let rows = StoredValue::new(series);
    // Written the first time it is opened, kept for the next.
    let table_markup = move || {
        if !open.get() {
            return String::new();
        }
        if table.with_value(Option::is_none) {
            let markup = rows.with_value(|series| data_table(series, &of));
            table.set_value(Some(markup));
        }
        table.with_value(|t| t.clone().unwrap_or_default())
    };
    view! {
        <figure class="traffic-chart">
            <figcaption class="traffic-chart__caption">{caption}</figcaption>
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

/// The legend, in words (the swatches are decoration).
fn legend(id: &str) -> String {
    let swatch = |shape: &str| {
        format!(
            r#"<svg class="chart-legend__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">{shape}</svg>"#
        )
    };
    format!(
        r#"<ul class="chart-legend"><li>{}Redirected (solid)</li><li>{}Refused (hatched)</li><li>{}Bot clicks (bottom row, own scale, left out of the totals)</li></ul>"#,
        swatch(r#"<rect x="0.5" y="0.5" width="13" height="13" class="chart__redirected"/>"#),
        swatch(&format!(
            r#"<rect x="0.5" y="0.5" width="13" height="13" class="chart__refused" fill="url(#{}-hatch)"/>"#,
            esc(id)
        )),
        swatch(r#"<rect x="0.5" y="4.5" width="13" height="9" class="chart__bots"/>"#),
    )
}

/// Every day (or hour) as a row.
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
    let mut out = format!(
        r#"<p class="traffic-table__note">Redirected and Refused count human clicks; Bots counts clicks by bots, left out of the totals; {visitors}</p><table class="traffic-table"><caption>Clicks per {unit}{}</caption><thead><tr><th scope="col">{column}</th><th scope="col">Redirected</th><th scope="col">Refused</th><th scope="col">Bots</th><th scope="col">Visitors</th></tr></thead><tbody>"#,
        esc(of)
    );
    for d in series {
        out.push_str(&format!(
            r#"<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(datetime(d)),
            esc(&name(d, Name::Long)),
            thousands(d.redirected),
            thousands(d.refused),
            thousands(d.bots),
            thousands(d.visitors),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// The SVG: scale, stacked bars, date labels and the bots' row. A picture with one label; its
/// parts are not announced one by one (the table is there for that). Lengths are computed in
/// tenths of a unit, in integers.
fn draw(series: &[TrafficDay], id: &str, label: &str) -> String {
    let n = series.len().max(1) as i64;
    let (step, top) = scale(
        series
            .iter()
            .map(|d| d.redirected + d.refused)
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let bots_top = series.iter().map(|d| d.bots).max().unwrap_or(0).max(1);
    let (left, right) = (LEFT * 10, (WIDTH - RIGHT) * 10);
    let (plot_top, plot_bottom) = (PLOT_TOP * 10, PLOT_BOTTOM * 10);
    let (bots_top_y, bots_bottom) = (BOTS_TOP * 10, BOTS_BOTTOM * 10);
    let plot_w = right - left;
    let slot = plot_w / n;
    let bar = (slot * 72 / 100).max(8);
    let y_of = |v: i64| plot_bottom - (plot_bottom - plot_top) * v / top;
    let hatch = format!("{}-hatch", esc(id));
    let label = esc(label);

    let mut out = format!(
        r#"<svg class="traffic-chart__svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet"><title>{label}</title><defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" class="chart__hatch-bg"/><line x1="0" y1="0" x2="0" y2="5" class="chart__hatch-line"/></pattern></defs>"#
    );
    for v in (0..=top).step_by(step as usize) {
        let y = y_of(v);
        out.push_str(&format!(
            r#"<line class="chart__grid" x1="{}" x2="{}" y1="{y}" y2="{y}"/><text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            u(left),
            u(right),
            u(left - 40),
            u(y + 40),
            compact(v),
            y = u(y),
        ));
    }
    for (i, d) in series.iter().enumerate() {
        let x = left + plot_w * i as i64 / n + (slot - bar) / 2;
        let base = y_of(d.redirected);
        let stack = y_of(d.redirected + d.refused);
        out.push_str(&format!(
            "<g><title>{}: {} redirected, {} refused, {} bot</title>",
            esc(&name(d, Name::Short)),
            thousands(d.redirected),
            thousands(d.refused),
            thousands(d.bots)
        ));
        if d.redirected > 0 {
            out.push_str(&format!(
                r#"<rect class="chart__redirected" x="{}" y="{}" width="{}" height="{}"/>"#,
                u(x),
                u(base),
                u(bar),
                u(plot_bottom - base)
            ));
        }
        if d.refused > 0 {
            out.push_str(&format!(
                r#"<rect class="chart__refused" x="{}" y="{}" width="{}" height="{}" fill="url(#{hatch})"/>"#,
                u(x),
                u(stack),
                u(bar),
                u(base - stack)
            ));
        }
        if d.bots > 0 {
            let h = ((bots_bottom - bots_top_y) * d.bots / bots_top).max(5);
            out.push_str(&format!(
                r#"<rect class="chart__bots" x="{}" y="{}" width="{}" height="{}"/>"#,
                u(x),
                u(bots_bottom - h),
                u(bar),
                u(h)
            ));
        }
        out.push_str("</g>");
    }
    out.push_str(&format!(
        r#"<line class="chart__axis" x1="{}" x2="{}" y1="{y}" y2="{y}"/>"#,
        u(left),
        u(right),
        y = u(plot_bottom)
    ));
    // First and last point, and one in the middle when there is room between them.
    let last = series.len().saturating_sub(1);
    let mut ticks = vec![0, last];
    if series.len() >= 7 {
        ticks.insert(1, series.len() / 2);
    }
    ticks.dedup();
    for i in ticks {
        let Some(d) = series.get(i) else { continue };
        let (x, anchor) = match i {
            0 if last > 0 => (left, "start"),
            i if i == last && last > 0 => (right, "end"),
            i => (left + plot_w * i as i64 / n + slot / 2, "middle"),
        };
        out.push_str(&format!(
            r#"<text class="chart__label" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            u(x),
            u(X_LABELS * 10),
            esc(&name(d, Name::Tick))
        ));
    }
    out.push_str(&format!(
        r#"<text class="chart__label" x="{}" y="{}" text-anchor="end">Bots</text><line class="chart__grid" x1="{}" x2="{}" y1="{y}" y2="{y}"/></svg>"#,
        u(left - 40),
        u(bots_bottom - 60),
        u(left),
        u(right),
        y = u(bots_bottom)
    ));
    out
}

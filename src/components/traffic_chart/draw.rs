//! The chart's drawing, as SVG markup: scale, stacked bars (valid solid, invalid hatched),
//! point labels and the bots' row.

use model::traffic::TrafficDay;

use super::words::{human_invalid, name, thousands, Name};

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
pub(super) fn esc(text: &str) -> String {
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

/// The SVG: scale, stacked bars, date labels and the bots' row. A picture with one label; its
/// parts are not announced one by one (the table is there for that). Lengths are computed in
/// tenths of a unit, in integers.
pub(super) fn draw(series: &[TrafficDay], id: &str, label: &str) -> String {
    let n = series.len().max(1) as i64;
    let (step, top) = scale(
        series
            .iter()
            .map(|d| d.valid + human_invalid(&d.invalid))
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
        let invalid = human_invalid(&d.invalid);
        let base = y_of(d.valid);
        let stack = y_of(d.valid + invalid);
        out.push_str(&format!(
            "<g><title>{}: {} valid, {} invalid, {} bot</title>",
            esc(&name(d, Name::Short)),
            thousands(d.valid),
            thousands(invalid),
            thousands(d.bots)
        ));
        if d.valid > 0 {
            out.push_str(&format!(
                r#"<rect class="chart__valid" x="{}" y="{}" width="{}" height="{}"/>"#,
                u(x),
                u(base),
                u(bar),
                u(plot_bottom - base)
            ));
        }
        if invalid > 0 {
            out.push_str(&format!(
                r#"<rect class="chart__invalid" x="{}" y="{}" width="{}" height="{}" fill="url(#{hatch})"/>"#,
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
        let mut label = name(d, Name::Tick);
        // Hours are UTC's, like the days: said once, on the last one.
        if i == last && d.hour.is_some() {
            label.push_str(" UTC");
        }
        out.push_str(&format!(
            r#"<text class="chart__label" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            u(x),
            u(X_LABELS * 10),
            esc(&label)
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

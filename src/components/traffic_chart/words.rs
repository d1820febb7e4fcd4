//! The chart's words: counts with thousands separators, day and hour names, the caption and
//! the empty state. Also used by the lists' count cells.

use model::traffic::{InvalidCounts, TrafficDay};

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
pub(super) fn hourly(series: &[TrafficDay]) -> bool {
    series.first().is_some_and(|d| d.hour.is_some())
}

/// What a point of the series is: `"day"` or `"hour"`.
pub(super) fn unit(series: &[TrafficDay]) -> &'static str {
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
pub(super) enum Name {
    /// Under the axis: `"3 Nov"`, `"13:00"`.
    Tick,
    /// A bar's tooltip: `"3 Nov"`, `"4 Dec, 13:00"`.
    Short,
    /// The table and the busiest point: `"3 Nov 2026"`, `"4 Dec 2026, 13:00 UTC"`.
    Long,
}

/// A point's name (see [`Name`]).
pub(super) fn name(d: &TrafficDay, how: Name) -> String {
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
pub(super) fn datetime(d: &TrafficDay) -> &str {
    d.hour.as_deref().unwrap_or(&d.day)
}

/// The totals of a series: valid clicks, invalid ones by reason (bots among them, but
/// drawn and counted apart), and the human clicks redirected and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub redirected: i64,
    pub refused: i64,
    pub bots: i64,
    pub valid: i64,
    pub invalid: InvalidCounts,
}

impl Totals {
    pub fn of(series: &[TrafficDay]) -> Totals {
        series.iter().fold(Totals::default(), |t, d| Totals {
            redirected: t.redirected + d.redirected,
            refused: t.refused + d.refused,
            bots: t.bots + d.bots,
            valid: t.valid + d.valid,
            invalid: InvalidCounts {
                bot: t.invalid.bot + d.invalid.bot,
                prefetch: t.invalid.prefetch + d.invalid.prefetch,
                duplicate: t.invalid.duplicate + d.invalid.duplicate,
                velocity: t.invalid.velocity + d.invalid.velocity,
                refused: t.invalid.refused + d.invalid.refused,
            },
        })
    }

    /// Human clicks: what the charts and every rate count.
    pub fn human(self) -> i64 {
        self.redirected + self.refused
    }
}

/// A point's invalid clicks other than bots' (drawn hatched above its valid ones).
pub(super) fn human_invalid(invalid: &InvalidCounts) -> i64 {
    invalid.total() - invalid.bot
}

/// The chart's caption: "1,224 clicks in 30 days: 1,190 valid, 34 invalid; 56 bot clicks
/// left out." Valid and invalid add up to the human clicks drawn as bars.
pub fn caption(series: &[TrafficDay]) -> String {
    let t = Totals::of(series);
    let bots = match t.bots {
        0 => "no bot clicks".to_string(),
        1 => "1 bot click left out".to_string(),
        n => format!("{} bot clicks left out", thousands(n)),
    };
    let invalid = human_invalid(&t.invalid);
    format!(
        "{} in {}: {} valid, {} invalid; {bots}.",
        clicks(t.valid + invalid),
        span(series),
        thousands(t.valid),
        thousands(invalid),
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

//! Traffic evidence: what the click ledger says about a source, and the rules that turn
//! counts into the figures people see (match rate, volume band, "too little to judge").
//!
//! Counts here are of **human** clicks unless a field says otherwise: clicks flagged as
//! bots are counted apart (`bots`) and left out of every rate.

use serde::{Deserialize, Serialize};

/// Fewer human clicks than this in a window and a rate would mislead: the figures say
/// "too little traffic to judge" instead of a percentage.
pub const MIN_CLICKS_TO_JUDGE: i64 = 30;
/// The window of `clicks_30d`, `match_rate_30d` and the marketplace band.
pub const LIST_WINDOW_DAYS: u32 = 30;
pub const DEFAULT_DAYS: u32 = 30;
pub const MAX_DAYS: u32 = 90;
/// The longest hourly series the server answers: two days.
pub const MAX_HOURS: u32 = 48;

/// How far back a traffic view looks: a number of hours, drawn hour by hour, or of days,
/// drawn day by day. Both end now (the current hour, today), in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Hours(u32),
    Days(u32),
}

/// The period a traffic view opens on.
pub const DEFAULT_PERIOD: Period = Period::Days(DEFAULT_DAYS);
/// The periods a traffic view offers, as the leading affiliate dashboards do: the last
/// 24 hours, a week, a month (the default) and a quarter, the most the server answers.
pub const PERIODS: [Period; 4] = [
    Period::Hours(24),
    Period::Days(7),
    DEFAULT_PERIOD,
    Period::Days(MAX_DAYS),
];

impl Period {
    /// The query parameter that asks for it: `("hours", 24)`, `("days", 7)`.
    pub fn param(self) -> (&'static str, u32) {
        match self {
            Period::Hours(n) => ("hours", n),
            Period::Days(n) => ("days", n),
        }
    }

    /// Its length in words: "24 hours", "7 days", "1 day".
    pub fn length(self) -> String {
        let (unit, n) = match self {
            Period::Hours(n) => ("hour", n),
            Period::Days(n) => ("day", n),
        };
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    }

    /// A stable id for a list's option: `"24h"`, `"7d"`.
    pub fn id(self) -> String {
        match self {
            Period::Hours(n) => format!("{n}h"),
            Period::Days(n) => format!("{n}d"),
        }
    }

    /// The period of an [`id`](Period::id), if it is one of [`PERIODS`].
    pub fn from_id(id: &str) -> Option<Period> {
        PERIODS.into_iter().find(|p| p.id() == id)
    }
}

fn whole_number(raw: &str, max: u32, name: &str) -> Result<u32, String> {
    match raw.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{name} must be a whole number from 1 to {max}.")),
    }
}

/// Parses the `days` query parameter of the traffic calls: 1–90, default 30.
pub fn parse_days(raw: Option<&str>) -> Result<u32, String> {
    match raw {
        None | Some("") => Ok(DEFAULT_DAYS),
        Some(s) => whole_number(s, MAX_DAYS, "days"),
    }
}

/// Parses the traffic calls' `days` (1–90) or `hours` (1–48); neither gives the default
/// month, both is an error.
pub fn parse_period(days: Option<&str>, hours: Option<&str>) -> Result<Period, String> {
    match (
        days.filter(|d| !d.is_empty()),
        hours.filter(|h| !h.is_empty()),
    ) {
        (Some(_), Some(_)) => Err("Give days or hours, not both.".into()),
        (None, Some(h)) => whole_number(h, MAX_HOURS, "hours").map(Period::Hours),
        (d, None) => parse_days(d).map(Period::Days),
    }
}

/// The share of `matched` among `total` human clicks, in whole percent (rounded to the
/// nearest), or `None` while `total` is below [`MIN_CLICKS_TO_JUDGE`].
pub fn match_rate(matched: i64, total: i64) -> Option<u8> {
    if total < MIN_CLICKS_TO_JUDGE || total <= 0 {
        return None;
    }
    let matched = matched.clamp(0, total);
    Some(((matched * 200 + total) / (2 * total)) as u8)
}

crate::schema! {
/// What happened to a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClickOutcome {
    /// 302 to the landing page.
    Redirected,
    /// 410: the source was Paused.
    RefusedPaused,
    /// 410: the source was Blocked.
    RefusedBlocked,
}
}

impl ClickOutcome {
    pub const ALL: [ClickOutcome; 3] = [
        ClickOutcome::Redirected,
        ClickOutcome::RefusedPaused,
        ClickOutcome::RefusedBlocked,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ClickOutcome::Redirected => "redirected",
            ClickOutcome::RefusedPaused => "refused_paused",
            ClickOutcome::RefusedBlocked => "refused_blocked",
        }
    }

    pub fn from_id(id: &str) -> Option<ClickOutcome> {
        Self::ALL.into_iter().find(|o| o.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClickOutcome::Redirected => "Redirected",
            ClickOutcome::RefusedPaused => "Refused (source paused)",
            ClickOutcome::RefusedBlocked => "Refused (source blocked)",
        }
    }

    pub fn redirected(self) -> bool {
        self == ClickOutcome::Redirected
    }
}

crate::schema! {
/// Where a click came from, against the source's declared site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferrerClass {
    /// The referrer is on the declared site (same registrable domain, or the platform
    /// that hosts the source).
    Match,
    /// The referrer is another site.
    Mismatch,
    /// No referrer was sent. Not fraud by itself: browsers drop it under `noreferrer`
    /// and from HTTPS to HTTP.
    None,
}
}

impl ReferrerClass {
    pub const ALL: [ReferrerClass; 3] = [
        ReferrerClass::Match,
        ReferrerClass::Mismatch,
        ReferrerClass::None,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ReferrerClass::Match => "match",
            ReferrerClass::Mismatch => "mismatch",
            ReferrerClass::None => "none",
        }
    }

    pub fn from_id(id: &str) -> Option<ReferrerClass> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

crate::schema! {
/// How much traffic a source had in 30 days, as advertisers see it in the marketplace:
/// a band, never the exact count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeBand {
    /// Fewer than [`MIN_CLICKS_TO_JUDGE`] clicks: too little traffic to judge.
    TooLittle,
    Under1k,
    From1kTo10k,
    From10kTo100k,
    Over100k,
}
}

crate::deserialize_by_id!(VolumeBand { TooLittle = "too_little", Under1k = "under1k", From1kTo10k = "from1k_to10k", From10kTo100k = "from10k_to100k", Over100k = "over100k" });

impl VolumeBand {
    /// The band of a count of human clicks.
    pub fn of(clicks: i64) -> VolumeBand {
        match clicks {
            c if c < MIN_CLICKS_TO_JUDGE => VolumeBand::TooLittle,
            c if c < 1_000 => VolumeBand::Under1k,
            c if c < 10_000 => VolumeBand::From1kTo10k,
            c if c < 100_000 => VolumeBand::From10kTo100k,
            _ => VolumeBand::Over100k,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VolumeBand::TooLittle => "Too little traffic to judge",
            VolumeBand::Under1k => "Under 1k clicks in 30 days",
            VolumeBand::From1kTo10k => "1k–10k clicks in 30 days",
            VolumeBand::From10kTo100k => "10k–100k clicks in 30 days",
            VolumeBand::Over100k => "Over 100k clicks in 30 days",
        }
    }
}

/// "92% of clicks came from dealspotter.example", or why there is no figure.
pub fn match_rate_sentence(rate: Option<u8>, declared_site: Option<&str>) -> String {
    match (rate, declared_site) {
        (None, _) => format!(
            "Too little traffic to judge where clicks come from (fewer than {MIN_CLICKS_TO_JUDGE} clicks, bots aside)."
        ),
        (Some(r), Some(site)) => format!("{r}% of clicks came from {site}."),
        (Some(r), None) => format!("{r}% of clicks came from the declared site."),
    }
}

crate::schema! {
/// One UTC day of a traffic series, or one hour of an hourly series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficDay {
    /// `YYYY-MM-DD`, UTC: the day, or the day of the hour.
    pub day: String,
    /// In an hourly series only: the hour's start, RFC 3339 UTC (`2026-12-04T13:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<String>,
    /// Human clicks that redirected.
    pub redirected: i64,
    /// Human clicks answered 410 (source Paused or Blocked).
    pub refused: i64,
    /// Clicks flagged as bots, whatever their outcome.
    pub bots: i64,
    /// Unique human visitors of each link that day, added over the links. In an hourly
    /// series a visitor counts in the hour of their first click of the UTC day.
    pub visitors: i64,
    /// Valid clicks: what every figure counts. The gross is `valid` plus the `invalid`.
    #[serde(default)]
    pub valid: i64,
    /// Invalid clicks by reason.
    #[serde(default)]
    pub invalid: InvalidCounts,
}
}

crate::schema! {
/// Why a click is not counted: each invalid click has exactly one reason, the first that
/// applies in the order `bot`, `refused`, `prefetch`, `velocity`, `duplicate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// The user agent is a crawler's.
    Bot,
    /// The link was not live (source paused, blocked, or the link not approved).
    Refused,
    /// A prefetch or link preview (`Sec-Purpose: prefetch` and the like), not a visit.
    Prefetch,
    /// The visitor clicked faster than the velocity limit, across all links.
    Velocity,
    /// The same visitor on the same link within an hour of a counted click.
    Duplicate,
}
}

impl InvalidReason {
    pub const ALL: [InvalidReason; 5] = [
        InvalidReason::Bot,
        InvalidReason::Refused,
        InvalidReason::Prefetch,
        InvalidReason::Velocity,
        InvalidReason::Duplicate,
    ];

    pub fn id(self) -> &'static str {
        match self {
            InvalidReason::Bot => "bot",
            InvalidReason::Refused => "refused",
            InvalidReason::Prefetch => "prefetch",
            InvalidReason::Velocity => "velocity",
            InvalidReason::Duplicate => "duplicate",
        }
    }

    pub fn from_id(id: &str) -> Option<InvalidReason> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            InvalidReason::Bot => "Bots",
            InvalidReason::Refused => "Refused (link not live)",
            InvalidReason::Prefetch => "Prefetches and previews",
            InvalidReason::Velocity => "Too fast",
            InvalidReason::Duplicate => "Repeat clicks",
        }
    }
}

crate::schema! {
/// Invalid clicks by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidCounts {
    pub bot: i64,
    pub prefetch: i64,
    pub duplicate: i64,
    pub velocity: i64,
    pub refused: i64,
}
}

impl InvalidCounts {
    pub fn total(&self) -> i64 {
        self.bot + self.prefetch + self.duplicate + self.velocity + self.refused
    }

    pub fn get(&self, reason: InvalidReason) -> i64 {
        match reason {
            InvalidReason::Bot => self.bot,
            InvalidReason::Refused => self.refused,
            InvalidReason::Prefetch => self.prefetch,
            InvalidReason::Velocity => self.velocity,
            InvalidReason::Duplicate => self.duplicate,
        }
    }
}

/// The observed channel of a valid click no signal places.
pub const UNKNOWN_CHANNEL: &str = "unknown";

crate::schema! {
/// Valid clicks that came through one observed channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedChannel {
    /// A channel id as in `GET /api/channels`, or `unknown`.
    pub channel: String,
    pub clicks: i64,
    /// Whole percent of the period's valid clicks.
    pub share: u8,
    /// The signal that placed most of these clicks (`gclid`, `utm_medium`,
    /// `referrer_search`, `own_site`…); absent for `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}
}

crate::schema! {
/// How much of a source's traffic a channel is, as advertisers see it: a band, never a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBand {
    /// Half or more of its valid clicks.
    Most,
    /// 15–49%.
    Part,
    /// Under 15%.
    Little,
}
}

crate::deserialize_by_id!(ShareBand { Most = "most", Part = "part", Little = "little" });

impl ShareBand {
    pub fn of(share: u8) -> ShareBand {
        match share {
            50.. => ShareBand::Most,
            15..=49 => ShareBand::Part,
            _ => ShareBand::Little,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ShareBand::Most => "most clicks",
            ShareBand::Part => "part of the clicks",
            ShareBand::Little => "a few clicks",
        }
    }
}

crate::schema! {
/// A channel a source's valid clicks came through, as a band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedBand {
    /// A channel id as in `GET /api/channels`, or `unknown`.
    pub channel: String,
    pub band: ShareBand,
}
}

impl ObservedBand {
    /// The band advertisers see of one observed channel: the one rule of the marketplace
    /// and of an application's evidence.
    pub fn of(c: &ObservedChannel) -> ObservedBand {
        ObservedBand {
            channel: c.channel.clone(),
            band: ShareBand::of(c.share),
        }
    }
}

/// "Observed: Paid Search (most clicks), Content (part of the clicks)", and whether that
/// matches what the source declares: the bands in words, wherever advertisers read them.
pub fn observed_in_words(bands: &[ObservedBand], matches: Option<bool>) -> String {
    let bands: Vec<String> = bands
        .iter()
        .map(|o| {
            let name = crate::Channel::from_id(&o.channel).map_or("Unknown", |c| c.label());
            format!("{name} ({})", o.band.label())
        })
        .collect();
    let verdict = match matches {
        Some(true) => " — matches the declared channels",
        Some(false) => " — not the declared channels",
        None => "",
    };
    format!("Observed: {}{verdict}", bands.join(", "))
}

/// Whether a source's observed channels match those it declares: no more than
/// `undeclared_percent` of its valid clicks came through others. `None` while the share
/// through declared channels is too little to judge (`declared_share` is `None`).
pub fn observed_matches(declared_share: Option<u8>, undeclared_percent: u32) -> Option<bool> {
    declared_share.map(|s| u32::from(s) + undeclared_percent >= 100)
}

/// Whole percent of a source's clicks flagged as bots among all its clicks (bots
/// included), or `None` while there are fewer than [`MIN_CLICKS_TO_JUDGE`] of them.
pub fn bot_share(bots: i64, all: i64) -> Option<u8> {
    match_rate(bots, all)
}

/// Whole percent of `part` in `total`, rounded to the nearest; 0 when `total` is 0.
pub fn percent(part: i64, total: i64) -> u8 {
    if total <= 0 {
        return 0;
    }
    let part = part.clamp(0, total);
    ((part * 200 + total) / (2 * total)) as u8
}

crate::schema! {
/// Human clicks by referrer class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferrerMix {
    /// From the declared site.
    #[serde(rename = "match")]
    pub matched: i64,
    /// From another site.
    #[serde(rename = "mismatch")]
    pub mismatched: i64,
    /// With no referrer.
    pub none: i64,
}
}

impl ReferrerMix {
    pub fn total(&self) -> i64 {
        self.matched + self.mismatched + self.none
    }

    /// See [`match_rate`].
    pub fn match_rate(&self) -> Option<u8> {
        match_rate(self.matched, self.total())
    }
}

crate::schema! {
/// A site that sent clicks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopReferrer {
    /// Lower case, no port, no leading `www.`.
    pub host: String,
    /// The host belongs to the source's declared site.
    pub matches: bool,
    /// Human clicks from it.
    pub clicks: i64,
}
}

crate::schema! {
/// `GET /api/traffic-sources/{id}/traffic`: a source's traffic over `days` days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTraffic {
    pub traffic_source_id: i64,
    /// The period in days, for a daily series; absent for an hourly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// The period in hours, for an hourly series; absent for a daily one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    /// The registrable domain of the declared URL (e.g. `dealspotter.example`), or the
    /// platform's for a source hosted on one (e.g. `instagram.com`).
    pub declared_site: Option<String>,
    /// One entry per day (or hour), oldest first, those without clicks included.
    pub series: Vec<TrafficDay>,
    pub referrers: ReferrerMix,
    /// Whole percent of human clicks from the declared site; `null` when too little
    /// traffic to judge.
    pub match_rate: Option<u8>,
    /// At most ten, most clicks first.
    pub top_referrers: Vec<TopReferrer>,
    /// Valid clicks by observed channel, most first.
    #[serde(default)]
    pub observed_channels: Vec<ObservedChannel>,
    /// Whole percent of valid clicks whose observed channel the source declares; `null`
    /// when too little traffic to judge.
    #[serde(default)]
    pub declared_share: Option<u8>,
    /// The channels the source declares now.
    #[serde(default)]
    pub declared_channels: Vec<crate::Channel>,
}
}

crate::schema! {
/// One source's traffic in a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaborationTraffic {
    pub collaboration_id: i64,
    pub traffic_source_id: i64,
    pub source_name: String,
    pub declared_site: Option<String>,
    pub series: Vec<TrafficDay>,
    pub referrers: ReferrerMix,
    pub match_rate: Option<u8>,
    /// As in [`SourceTraffic`], for this link.
    #[serde(default)]
    pub observed_channels: Vec<ObservedChannel>,
    #[serde(default)]
    pub declared_share: Option<u8>,
}
}

crate::schema! {
/// `GET /api/programs/{id}/traffic`: a series per source in the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramTraffic {
    pub program_id: i64,
    /// The period in days, for daily series; absent for hourly ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// The period in hours, for hourly series; absent for daily ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    pub collaborations: Vec<CollaborationTraffic>,
}
}

crate::schema! {
/// `GET /api/clicks/{click_id}`: one click, for conversion attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Click {
    pub click_id: String,
    /// RFC 3339.
    pub at: String,
    pub collaboration_id: i64,
    pub traffic_source_id: i64,
    pub source_name: String,
    pub program_id: i64,
    pub program_name: String,
    pub outcome: ClickOutcome,
    /// Lower case, no port, no leading `www.`; absent when the browser sent none.
    pub referrer_host: Option<String>,
    pub referrer_class: ReferrerClass,
    pub bot: bool,
    /// Counted in the figures.
    #[serde(default)]
    pub valid: bool,
    /// Why not, for an invalid click.
    #[serde(default)]
    pub invalid_reason: Option<InvalidReason>,
    /// The channel it came through (a channel id or `unknown`), for a valid click.
    #[serde(default)]
    pub observed_channel: Option<String>,
    /// The name of the signal that told the channel, e.g. `gclid`; never its value.
    #[serde(default)]
    pub signal: Option<String>,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_one_to_ninety() {
        assert_eq!(parse_days(None), Ok(30));
        assert_eq!(parse_days(Some("")), Ok(30));
        assert_eq!(parse_days(Some("1")), Ok(1));
        assert_eq!(parse_days(Some("90")), Ok(90));
        for bad in ["0", "91", "-1", "7.5", "x"] {
            assert!(parse_days(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_period_offered_is_one_the_server_answers() {
        assert!(PERIODS.contains(&DEFAULT_PERIOD));
        for p in PERIODS {
            let n = p.param().1.to_string();
            let asked = match p.param().0 {
                "hours" => parse_period(None, Some(&n)),
                _ => parse_period(Some(&n), None),
            };
            assert_eq!(asked, Ok(p));
            assert_eq!(Period::from_id(&p.id()), Some(p));
        }
    }

    #[test]
    fn a_period_is_days_or_hours_not_both() {
        assert_eq!(parse_period(None, None), Ok(DEFAULT_PERIOD));
        assert_eq!(parse_period(Some(""), Some("")), Ok(DEFAULT_PERIOD));
        assert_eq!(parse_period(None, Some("24")), Ok(Period::Hours(24)));
        assert_eq!(parse_period(None, Some("48")), Ok(Period::Hours(48)));
        assert_eq!(parse_period(Some("7"), None), Ok(Period::Days(7)));
        assert!(parse_period(Some("7"), Some("24")).is_err());
        for bad in ["0", "49", "1.5", "x"] {
            assert!(parse_period(None, Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(Period::Hours(24).length(), "24 hours");
        assert_eq!(Period::Days(1).length(), "1 day");
        assert_eq!(Period::from_id("12h"), None);
    }

    #[test]
    fn a_rate_needs_enough_clicks() {
        assert_eq!(match_rate(29, 29), None);
        assert_eq!(match_rate(0, 0), None);
        assert_eq!(match_rate(30, 30), Some(100));
        assert_eq!(match_rate(0, 30), Some(0));
        assert_eq!(match_rate(92, 100), Some(92));
        assert_eq!(match_rate(2, 3 * MIN_CLICKS_TO_JUDGE), Some(2));
        // Rounded to the nearest whole percent.
        assert_eq!(match_rate(995, 1000), Some(100));
        assert_eq!(match_rate(994, 1000), Some(99));
    }

    #[test]
    fn observed_matches_at_the_threshold() {
        assert_eq!(observed_matches(None, 30), None);
        assert_eq!(observed_matches(Some(70), 30), Some(true));
        assert_eq!(observed_matches(Some(69), 30), Some(false));
        assert_eq!(observed_matches(Some(0), 100), Some(true));
        let c = ObservedChannel {
            channel: "paid_search".into(),
            clicks: 62,
            share: 62,
            signal: Some("gclid".into()),
        };
        assert_eq!(ObservedBand::of(&c).band, ShareBand::Most);
        assert_eq!(bot_share(5, MIN_CLICKS_TO_JUDGE - 1), None);
        assert_eq!(bot_share(10, 40), Some(25));
    }

    #[test]
    fn bands_never_give_the_count() {
        assert_eq!(VolumeBand::of(0), VolumeBand::TooLittle);
        assert_eq!(
            VolumeBand::of(MIN_CLICKS_TO_JUDGE - 1),
            VolumeBand::TooLittle
        );
        assert_eq!(VolumeBand::of(MIN_CLICKS_TO_JUDGE), VolumeBand::Under1k);
        assert_eq!(VolumeBand::of(999), VolumeBand::Under1k);
        assert_eq!(VolumeBand::of(1_000), VolumeBand::From1kTo10k);
        assert_eq!(VolumeBand::of(99_999), VolumeBand::From10kTo100k);
        assert_eq!(VolumeBand::of(100_000), VolumeBand::Over100k);
    }

    #[test]
    fn ids_round_trip() {
        for o in ClickOutcome::ALL {
            assert_eq!(ClickOutcome::from_id(o.id()), Some(o));
        }
        for c in ReferrerClass::ALL {
            assert_eq!(ReferrerClass::from_id(c.id()), Some(c));
        }
        let json = serde_json::to_string(&ReferrerMix {
            matched: 1,
            mismatched: 2,
            none: 3,
        })
        .unwrap();
        assert_eq!(json, r#"{"match":1,"mismatch":2,"none":3}"#);
    }
}

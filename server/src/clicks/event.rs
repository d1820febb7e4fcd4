//! One click as the ledger keeps it: a journal line, then a row of `click_events`.

use model::traffic::{ClickOutcome, InvalidReason, ReferrerClass};
use serde::{Deserialize, Serialize};

/// Everything the ledger stores about a click. No raw IP address and no full referring
/// URL: only the referrer's host and a daily-salted visitor hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickEvent {
    pub click_id: String,
    /// Unix milliseconds.
    pub at: i64,
    pub collaboration_id: i64,
    pub traffic_source_id: i64,
    pub program_id: i64,
    pub partner_id: i64,
    pub advertiser_id: i64,
    pub outcome: ClickOutcome,
    pub referrer_host: Option<String>,
    pub referrer_class: ReferrerClass,
    pub bot: bool,
    pub visitor_hash: String,
    /// `followed` or `refused` when the click asked for a deep link; absent from journal
    /// lines without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_link: Option<String>,
    /// Captured on the hot path for the judge ([`super::judge`]): the request said it was
    /// a prefetch or preview, or came from a known link-preview fetcher.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prefetch: bool,
    /// The name of the first paid-click identifier in the tracking link's query
    /// (`gclid`…); never its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_param: Option<String>,
    /// The channel the tracking link's `utm_medium` says ([`super::hints::medium_channel`]);
    /// the value itself is not kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_channel: Option<String>,
    /// Set by the judge in the drain; `None` before it ran (never journaled).
    #[serde(skip)]
    pub verdict: Option<Verdict>,
}

/// The judge's word on a click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `None`: valid.
    pub invalid: Option<InvalidReason>,
    /// For a valid click: a channel id or `unknown`.
    pub channel: Option<&'static str>,
    /// The name of the signal that told the channel (`gclid`, `utm_medium`…).
    pub signal: Option<&'static str>,
}

impl Verdict {
    pub fn valid(&self) -> bool {
        self.invalid.is_none()
    }
}

impl ClickEvent {
    pub fn human(&self) -> bool {
        !self.bot
    }

    /// The judge's reason, or `None` for a valid click (or one not judged yet: judged
    /// clicks only reach the store).
    pub fn invalid(&self) -> Option<InvalidReason> {
        self.verdict.as_ref().and_then(|v| v.invalid)
    }

    pub fn valid(&self) -> bool {
        self.invalid().is_none()
    }
}

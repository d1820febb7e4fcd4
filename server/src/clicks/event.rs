//! One click as the ledger keeps it: a journal line, then a row of `click_events`.

use model::traffic::{ClickOutcome, ReferrerClass};
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
}

impl ClickEvent {
    pub fn human(&self) -> bool {
        !self.bot
    }
}

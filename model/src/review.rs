//! Staff's review queue: why a source needs a look (reason codes, in words, with the weight
//! that orders the queue riskiest first), the evidence beside an entry, and bulk actions.

use serde::{Deserialize, Serialize};

use crate::source::{Status, TrafficSource};
use crate::verification::VerificationMethod;
use crate::FieldErrors;

crate::schema! {
/// Why a source is in the review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// Added in the last 14 days and not verified (shared platforms aside).
    NewUnverified,
    /// The re-check (or a later check) no longer finds the proof it once found.
    VerificationLost,
    /// The partner moved the source's URL to another host.
    UrlHostChanged,
    /// The same registrable domain is declared by more than one partner.
    DuplicateClaim,
    /// Too many of its human clicks in 7 days came from other sites.
    ReferrerMismatch,
    /// Too many of its clicks in 7 days came from bots.
    BotShare,
    /// Staff lifted a block in the last 30 days.
    RecentlyUnblocked,
    /// Too many of its valid clicks in 7 days came through a channel it does not declare.
    UndeclaredChannel,
}
}

impl ReviewReason {
    pub const ALL: [ReviewReason; 8] = [
        ReviewReason::ReferrerMismatch,
        ReviewReason::UndeclaredChannel,
        ReviewReason::VerificationLost,
        ReviewReason::DuplicateClaim,
        ReviewReason::BotShare,
        ReviewReason::UrlHostChanged,
        ReviewReason::RecentlyUnblocked,
        ReviewReason::NewUnverified,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ReviewReason::NewUnverified => "new_unverified",
            ReviewReason::VerificationLost => "verification_lost",
            ReviewReason::UrlHostChanged => "url_host_changed",
            ReviewReason::DuplicateClaim => "duplicate_claim",
            ReviewReason::ReferrerMismatch => "referrer_mismatch",
            ReviewReason::BotShare => "bot_share",
            ReviewReason::RecentlyUnblocked => "recently_unblocked",
            ReviewReason::UndeclaredChannel => "undeclared_channel",
        }
    }

    pub fn from_id(id: &str) -> Option<ReviewReason> {
        ReviewReason::ALL.into_iter().find(|r| r.id() == id)
    }

    /// In words, for the queue's rows and its filter.
    pub fn label(self) -> &'static str {
        match self {
            ReviewReason::NewUnverified => "New and not verified",
            ReviewReason::VerificationLost => "Verification lost",
            ReviewReason::UrlHostChanged => "Website moved to another host",
            ReviewReason::DuplicateClaim => "Site claimed by several partners",
            ReviewReason::ReferrerMismatch => "Clicks come from other sites",
            ReviewReason::BotShare => "Many bot clicks",
            ReviewReason::RecentlyUnblocked => "Recently unblocked",
            ReviewReason::UndeclaredChannel => "Clicks through an undeclared channel",
        }
    }

    /// How much the reason adds to a source's risk; the queue lists the highest sum first.
    /// Evidence from traffic and lost proofs weigh most; a new source alone weighs least.
    pub fn weight(self) -> i64 {
        match self {
            ReviewReason::ReferrerMismatch => 40,
            ReviewReason::UndeclaredChannel => 35,
            ReviewReason::VerificationLost => 35,
            ReviewReason::DuplicateClaim => 30,
            ReviewReason::BotShare => 25,
            ReviewReason::UrlHostChanged => 20,
            ReviewReason::RecentlyUnblocked => 15,
            ReviewReason::NewUnverified => 10,
        }
    }
}

/// A new source stays "new" this long.
pub const NEW_SOURCE_DAYS: i64 = 14;
/// A host change or an unblock stays a reason this long.
pub const RECENT_CHANGE_DAYS: i64 = 30;
/// Traffic reasons look at this many days of clicks.
pub const TRAFFIC_WINDOW_DAYS: u32 = 7;

crate::schema! {
/// One reason a source is in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReasonEntry {
    pub reason: ReviewReason,
    /// The reason in words.
    pub label: String,
    /// The figures behind it, e.g. "62% of 340 human clicks in 7 days".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// RFC 3339: when the reason appeared.
    pub since: String,
}
}

crate::schema! {
/// A row of `GET /api/admin/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub source: TrafficSource,
    /// The sum of the reasons' weights: the queue's order, highest first.
    pub risk: i64,
    /// The reasons that appeared since the source was last reviewed.
    pub reasons: Vec<ReviewReasonEntry>,
}
}

crate::schema! {
/// The body of `POST /api/admin/review/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkReviewed {
    /// For staff only; up to 2,000 characters.
    #[serde(default)]
    pub note: Option<String>,
}
}

impl MarkReviewed {
    pub fn validate(&self) -> Result<Option<String>, FieldErrors> {
        crate::text::optional_text(self.note.as_deref(), 2000)
            .map_err(|m| FieldErrors::from([("note".to_string(), m)]))
    }
}

crate::schema! {
/// A source declaring the same registrable domain as another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub source_id: i64,
    pub source_name: String,
    pub url: String,
    pub partner_id: i64,
    pub partner_name: String,
    pub status: Status,
    pub verified: bool,
    /// RFC 3339.
    pub created_at: String,
}
}

crate::schema! {
/// One ownership check, kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationAttempt {
    /// RFC 3339.
    pub at: String,
    /// `manual` (the partner's "Verify now") or `recheck` (the periodic re-check).
    pub kind: String,
    /// The proof found, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<VerificationMethod>,
    /// In words; none while the check runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}
}

crate::schema! {
/// `GET /api/admin/review/{id}`: what staff weigh before marking reviewed or blocking.
/// The traffic chart and the history have their own calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvidence {
    pub source: TrafficSource,
    pub risk: i64,
    /// Pending reasons (empty when the source is not in the queue).
    pub reasons: Vec<ReviewReasonEntry>,
    /// RFC 3339: when staff last marked it reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<String>,
    /// The registrable domain its URL declares; none on a shared platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Every source declaring the same site, this one included, oldest first (up to 50).
    pub claims: Vec<Claim>,
    /// The latest ownership checks, newest first (up to 20).
    pub attempts: Vec<VerificationAttempt>,
}
}

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Block,
    Unblock,
    MarkReviewed,
}
}

crate::schema! {
/// Which list a bulk filter is the query string of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkList {
    /// `GET /api/traffic-sources` (staff's admin table).
    #[default]
    Sources,
    /// `GET /api/admin/review` (the queue).
    Review,
}
}

/// At most this many sources per bulk request.
pub const BULK_MAX: usize = 500;

crate::schema! {
/// The body of `POST /api/admin/traffic-sources/bulk`: the sources by `ids`, or every
/// source matching `filter` (a list's query string, e.g. `status=active&q=shop`), up to 500.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub action: BulkAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The list `filter` is for; default `sources`.
    #[serde(default)]
    pub list: BulkList,
    /// `block`: the reason the partners will see. Required for `block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `block` and `mark_reviewed`: for staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
}

/// Which sources a valid bulk request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkTarget {
    Ids(Vec<i64>),
    Filter(BulkList, String),
}

/// A bulk request that passed its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBulk {
    pub action: BulkAction,
    pub target: BulkTarget,
    pub reason: Option<String>,
    pub note: Option<String>,
}

impl BulkRequest {
    /// The same request for these ids (and no filter).
    pub fn with_ids(self, ids: Vec<i64>) -> BulkRequest {
        BulkRequest {
            ids: Some(ids),
            filter: None,
            ..self
        }
    }

    pub fn validate(&self) -> Result<ValidBulk, FieldErrors> {
        let mut errors = FieldErrors::new();
        let target = match (&self.ids, &self.filter) {
            (Some(ids), None) if ids.is_empty() => {
                errors.insert("ids".into(), "Select at least one source.".into());
                None
            }
            (Some(ids), None) if ids.len() > BULK_MAX => {
                errors.insert(
                    "ids".into(),
                    format!(
                        "Select at most {BULK_MAX} sources at a time (this has {}).",
                        ids.len()
                    ),
                );
                None
            }
            (Some(ids), None) => {
                // Repeats dropped, first place kept (at most 500: a scan is cheap).
                let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
                for id in ids {
                    if !unique.contains(id) {
                        unique.push(*id);
                    }
                }
                Some(BulkTarget::Ids(unique))
            }
            (None, Some(filter)) => Some(BulkTarget::Filter(self.list, filter.clone())),
            _ => {
                errors.insert(
                    "ids".into(),
                    "Send either the ids of the sources or a filter, not both.".into(),
                );
                None
            }
        };
        let reason = match self.action {
            BulkAction::Block => {
                match crate::text::single_line(
                    self.reason.as_deref().unwrap_or(""),
                    500,
                    "the reason the partners will see",
                ) {
                    Ok(r) => Some(r),
                    Err(m) => {
                        errors.insert("reason".into(), m);
                        None
                    }
                }
            }
            _ => None,
        };
        let note = match crate::text::optional_text(self.note.as_deref(), 2000) {
            Ok(n) => n,
            Err(m) => {
                errors.insert("note".into(), m);
                None
            }
        };
        match target {
            Some(target) if errors.is_empty() => Ok(ValidBulk {
                action: self.action,
                target,
                reason,
                note,
            }),
            _ => Err(errors),
        }
    }
}

crate::schema! {
/// What happened to one source of a bulk request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkItemOutcome {
    Done,
    AlreadyBlocked,
    NotBlocked,
    NotFound,
}
}

impl BulkItemOutcome {
    pub fn label(self) -> &'static str {
        match self {
            BulkItemOutcome::Done => "Done",
            BulkItemOutcome::AlreadyBlocked => "Already blocked",
            BulkItemOutcome::NotBlocked => "Was not blocked",
            BulkItemOutcome::NotFound => "No such source",
        }
    }
}

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    pub id: i64,
    pub outcome: BulkItemOutcome,
}
}

crate::schema! {
/// The answer of a bulk request: each source's result, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub results: Vec<BulkResult>,
    /// How many were changed.
    pub done: i64,
    /// How many were left as they were (already so, or not found).
    pub skipped: i64,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(action: BulkAction) -> BulkRequest {
        BulkRequest {
            action,
            ids: Some(vec![3, 1, 3]),
            filter: None,
            list: BulkList::Sources,
            reason: Some(" Spam ".into()),
            note: None,
        }
    }

    #[test]
    fn reasons_round_trip_and_have_words() {
        for r in ReviewReason::ALL {
            assert_eq!(ReviewReason::from_id(r.id()), Some(r));
            assert!(!r.label().is_empty() && r.weight() > 0);
        }
        assert_eq!(ReviewReason::from_id("nope"), None);
    }

    #[test]
    fn a_bulk_request_names_ids_or_a_filter_once_each() {
        let v = request(BulkAction::Block).validate().unwrap();
        assert_eq!(v.target, BulkTarget::Ids(vec![3, 1]));
        assert_eq!(v.reason.as_deref(), Some("Spam"));
        let mut both = request(BulkAction::Unblock);
        both.filter = Some("status=blocked".into());
        assert!(both.validate().unwrap_err().contains_key("ids"));
        let mut none = request(BulkAction::Unblock);
        none.ids = None;
        assert!(none.validate().unwrap_err().contains_key("ids"));
        let mut many = request(BulkAction::Unblock);
        many.ids = Some((0..=BULK_MAX as i64).collect());
        assert!(many.validate().unwrap_err().contains_key("ids"));
        let mut empty = request(BulkAction::Unblock);
        empty.ids = Some(vec![]);
        assert!(empty.validate().is_err());
    }

    #[test]
    fn blocking_in_bulk_needs_a_reason() {
        let mut r = request(BulkAction::Block);
        r.reason = None;
        assert!(r.validate().unwrap_err().contains_key("reason"));
        let mut u = request(BulkAction::Unblock);
        u.reason = None;
        assert_eq!(u.validate().unwrap().reason, None);
    }
}

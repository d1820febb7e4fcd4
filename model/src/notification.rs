//! Notifications: what the platform tells a person about changes they did not make.

use serde::{Deserialize, Serialize};

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    SourceBlocked,
    SourceUnblocked,
    /// The periodic re-check found no proof any more.
    VerificationLost,
    /// A webhook endpoint was turned off after failing for too long.
    WebhookDisabled,
    /// A collaboration changed: an invitation, an application, its approval, decline,
    /// withdrawal or end, told to the other side.
    Collaboration,
}
}

crate::deserialize_by_id!(NotificationKind { SourceBlocked = "source_blocked", SourceUnblocked = "source_unblocked", VerificationLost = "verification_lost", WebhookDisabled = "webhook_disabled", Collaboration = "collaboration" });

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// A sentence for the reader. For partners it carries the public reason, never staff's note.
    pub message: String,
    pub traffic_source_id: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `null` while unread.
    pub read_at: Option<String>,
}
}

crate::schema! {
/// `GET /api/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
    pub unread_count: i64,
}
}

crate::schema! {
/// `GET` and `PUT /api/me/email-settings`: whether block, unblock and verification-lost
/// notifications are also sent to the account's email address (on by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub notifications: bool,
}
}

crate::schema! {
/// Where an email of the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// Waiting for its first try or a retry.
    Pending,
    Sent,
    /// Refused for good by the mail server, or out of retries: staff see it.
    Failed,
}
}

crate::schema! {
/// One email of the outbox, as staff see it (`GET /api/admin/emails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub state: EmailState,
    pub attempts: i64,
    /// What the mail server (or the connection) last answered, when it failed.
    pub last_error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when a pending email is tried next.
    pub next_attempt_at: Option<String>,
}
}

crate::schema! {
/// `GET /api/admin/emails`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmailPage {
    pub items: Vec<OutboxEmail>,
    pub next_cursor: Option<String>,
}
}

impl EmailState {
    pub fn id(self) -> &'static str {
        match self {
            EmailState::Pending => "pending",
            EmailState::Sent => "sent",
            EmailState::Failed => "failed",
        }
    }

    pub fn parse(id: &str) -> Option<EmailState> {
        [EmailState::Pending, EmailState::Sent, EmailState::Failed]
            .into_iter()
            .find(|s| s.id() == id)
    }
}

/// The wait before retry `attempt` (1 for the first retry): `base_ms` doubled each time,
/// at most an hour, so a mail server that is down for a while is not hammered.
pub fn retry_delay_ms(base_ms: i64, attempt: i64) -> i64 {
    const HOUR_MS: i64 = 3_600_000;
    let doublings = (attempt.max(1) - 1).min(30) as u32;
    base_ms
        .max(1)
        .saturating_mul(1_i64 << doublings)
        .min(HOUR_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        assert_eq!(retry_delay_ms(30_000, 1), 30_000);
        assert_eq!(retry_delay_ms(30_000, 2), 60_000);
        assert_eq!(retry_delay_ms(30_000, 4), 240_000);
        assert_eq!(retry_delay_ms(30_000, 12), 3_600_000);
        assert_eq!(retry_delay_ms(30_000, 1_000), 3_600_000);
    }

    #[test]
    fn email_states_round_trip() {
        for s in [EmailState::Pending, EmailState::Sent, EmailState::Failed] {
            assert_eq!(EmailState::parse(s.id()), Some(s));
        }
        assert_eq!(EmailState::parse("queued"), None);
    }
}

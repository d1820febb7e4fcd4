//! Notifications: what the platform tells a person about changes they did not make.

use serde::{Deserialize, Serialize};

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    SourceBlocked,
    SourceUnblocked,
    /// The periodic re-check found no proof any more.
    VerificationLost,
}
}

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

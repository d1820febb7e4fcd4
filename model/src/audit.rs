//! The audit history of a source: who changed what, when.

use serde::{Deserialize, Serialize};

use crate::account::Role;

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Created,
    Edited,
    Paused,
    Resumed,
    Blocked,
    Unblocked,
    /// A proof of ownership was found; `reason` names the method.
    Verified,
    /// The mark was dropped (proof gone, or the URL's host changed); `reason` says why.
    Unverified,
    /// Staff looked at the source's review reasons and left it as it is; `note` says why.
    Reviewed,
    /// The source's place in a program changed: `changes` holds the program and the state
    /// before and after; `reason` a decline's or an end's.
    Collaboration,
}
}

impl AuditAction {
    pub fn id(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Edited => "edited",
            AuditAction::Paused => "paused",
            AuditAction::Resumed => "resumed",
            AuditAction::Blocked => "blocked",
            AuditAction::Unblocked => "unblocked",
            AuditAction::Verified => "verified",
            AuditAction::Unverified => "unverified",
            AuditAction::Reviewed => "reviewed",
            AuditAction::Collaboration => "collaboration",
        }
    }
    pub fn from_id(id: &str) -> Option<AuditAction> {
        use AuditAction::*;
        [
            Created,
            Edited,
            Paused,
            Resumed,
            Blocked,
            Unblocked,
            Verified,
            Unverified,
            Reviewed,
            Collaboration,
        ]
        .into_iter()
        .find(|a| a.id() == id)
    }
}

crate::schema! {
/// One changed field: its value before and after (`null` where it had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}
}

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    /// 0 for staff as others see them: "Platform staff", not a person.
    pub id: i64,
    pub display_name: String,
    pub role: Role,
}
}

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub action: AuditAction,
    pub actor: AuditActor,
    pub changes: Vec<FieldChange>,
    /// The public reason of a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Staff's internal note; only ever sent to staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
}

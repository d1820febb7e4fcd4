//! The one error body every failing API call answers with:
//! `{"error": {"code": "...", "message": "...", "fields": {"name": "..."}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → what is wrong with it, in words a person understands.
pub type FieldErrors = BTreeMap<String, String>;

crate::schema! {
/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: ApiError,
}
}

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable, machine-readable: `malformed`, `unauthenticated`, `forbidden`, `not_found`,
    /// `version_conflict`, `duplicate`, `too_large`, `invalid`, `too_many_attempts`, `internal`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field messages, for errors a person can fix at a field.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}
}

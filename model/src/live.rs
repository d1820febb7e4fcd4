//! What the live event stream (`GET /api/events`) sends: the `data` of each server-sent
//! event, written by the server and read by the web app.

use serde::{Deserialize, Serialize};

/// The server tells of new clicks on a source (a `traffic` update) at most once in this
/// many milliseconds for each source and advertiser; clicks stored meanwhile are told of
/// when it is over. A page showing the source's traffic is at most this far behind.
pub const TRAFFIC_EVERY_MS: i64 = 5_000;

/// One change, named by `kind`: `source` (a source's status, visibility or verification
/// changed),
/// `notification` (one was made for you), `collaboration` (a source joined a program) or
/// `traffic` (new clicks on the source were stored: its traffic figures are out of date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveUpdate {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// For a source: whether it is in the marketplace now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed: Option<bool>,
    /// For a source: whether its ownership is verified now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

impl LiveUpdate {
    /// A source that is no longer in the marketplace (blocked, paused or made private).
    pub fn left_marketplace(&self) -> Option<i64> {
        (self.kind == "source" && self.listed == Some(false))
            .then_some(self.source_id)
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_leaves_the_marketplace_only_when_unlisted() {
        let read = |json: &str| serde_json::from_str::<LiveUpdate>(json).unwrap();
        assert_eq!(
            read(r#"{"kind":"source","source_id":7,"status":"blocked","listed":false}"#)
                .left_marketplace(),
            Some(7)
        );
        assert_eq!(
            read(r#"{"kind":"source","source_id":7,"listed":true}"#).left_marketplace(),
            None
        );
        assert_eq!(
            read(r#"{"kind":"notification","source_id":7}"#).left_marketplace(),
            None
        );
    }
}

//! Signed webhooks: the endpoints partners and advertisers register, the events they can
//! receive, and what they read about each delivery attempt. Signing and delivery are the
//! server's (`server/src/webhooks/`); the rules of an endpoint's fields live here so the
//! settings page checks them as they are typed.

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// Endpoints one account may register.
pub const MAX_ENDPOINTS_PER_ACCOUNT: usize = 10;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Longest endpoint address, in bytes of its normal form (as a source's URL).
pub const MAX_URL_LEN: usize = crate::url::MAX_URL_LEN;
/// Delivery attempts an endpoint keeps, newest first (`GET /api/webhooks/{id}/deliveries`).
pub const DELIVERIES_KEPT: usize = 100;
/// Characters of a receiver's answer kept with its attempt.
pub const RESPONSE_KEPT_CHARS: usize = 500;

crate::schema! {
/// What happened. `source.*` go to the source's partner and to the advertisers with the
/// source in a program; `collaboration.*` to both sides of the collaboration;
/// `webhook.test` only to the endpoint it was asked for ("Send test event").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WebhookEventType {
    #[serde(rename = "source.blocked")]
    SourceBlocked,
    #[serde(rename = "source.unblocked")]
    SourceUnblocked,
    #[serde(rename = "source.paused")]
    SourcePaused,
    #[serde(rename = "source.activated")]
    SourceActivated,
    #[serde(rename = "collaboration.invited")]
    CollaborationInvited,
    #[serde(rename = "collaboration.applied")]
    CollaborationApplied,
    #[serde(rename = "collaboration.approved")]
    CollaborationApproved,
    #[serde(rename = "collaboration.declined")]
    CollaborationDeclined,
    #[serde(rename = "collaboration.withdrawn")]
    CollaborationWithdrawn,
    #[serde(rename = "collaboration.ended")]
    CollaborationEnded,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}
}

impl WebhookEventType {
    /// Every event an endpoint can subscribe to, in the order the settings page lists them.
    pub const SUBSCRIBABLE: [WebhookEventType; 10] = [
        WebhookEventType::SourceBlocked,
        WebhookEventType::SourceUnblocked,
        WebhookEventType::SourcePaused,
        WebhookEventType::SourceActivated,
        WebhookEventType::CollaborationInvited,
        WebhookEventType::CollaborationApplied,
        WebhookEventType::CollaborationApproved,
        WebhookEventType::CollaborationDeclined,
        WebhookEventType::CollaborationWithdrawn,
        WebhookEventType::CollaborationEnded,
    ];

    pub fn id(self) -> &'static str {
        match self {
            WebhookEventType::SourceBlocked => "source.blocked",
            WebhookEventType::SourceUnblocked => "source.unblocked",
            WebhookEventType::SourcePaused => "source.paused",
            WebhookEventType::SourceActivated => "source.activated",
            WebhookEventType::CollaborationInvited => "collaboration.invited",
            WebhookEventType::CollaborationApplied => "collaboration.applied",
            WebhookEventType::CollaborationApproved => "collaboration.approved",
            WebhookEventType::CollaborationDeclined => "collaboration.declined",
            WebhookEventType::CollaborationWithdrawn => "collaboration.withdrawn",
            WebhookEventType::CollaborationEnded => "collaboration.ended",
            WebhookEventType::WebhookTest => "webhook.test",
        }
    }

    pub fn from_id(id: &str) -> Option<WebhookEventType> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([WebhookEventType::WebhookTest])
            .find(|e| e.id() == id)
    }

    /// What the event means, for the settings page's checkboxes.
    pub fn label(self) -> &'static str {
        match self {
            WebhookEventType::SourceBlocked => "A source was blocked by platform staff",
            WebhookEventType::SourceUnblocked => "A source's block was lifted",
            WebhookEventType::SourcePaused => "A source was paused by its partner",
            WebhookEventType::SourceActivated => "A source was made active by its partner",
            WebhookEventType::CollaborationInvited => "An advertiser invited a source",
            WebhookEventType::CollaborationApplied => "A partner applied with a source",
            WebhookEventType::CollaborationApproved => "A collaboration was approved",
            WebhookEventType::CollaborationDeclined => "A collaboration was declined",
            WebhookEventType::CollaborationWithdrawn => "A partner withdrew an application",
            WebhookEventType::CollaborationEnded => "A collaboration was ended",
            WebhookEventType::WebhookTest => "A test event you sent",
        }
    }
}

crate::schema! {
/// The body of `POST /api/webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are POSTed: an `https://` address on the public internet.
    #[serde(default)]
    pub url: String,
    /// The events to receive, at least one (see `WebhookEventType`, `webhook.test` aside).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<WebhookEventType>))]
    pub events: Vec<String>,
    /// A note for yourself, up to 200 characters.
    #[serde(default)]
    pub description: Option<String>,
}
}

/// An endpoint that passed its rules (the server still vets the address's host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWebhook {
    pub url: String,
    pub events: Vec<WebhookEventType>,
    pub description: Option<String>,
}

impl WebhookInput {
    pub fn validate(&self) -> Result<ValidWebhook, FieldErrors> {
        let mut errors = FieldErrors::new();
        let url = validate_endpoint_url(&self.url)
            .map_err(|m| errors.insert("url".into(), m))
            .ok();
        let events = validate_events(&self.events)
            .map_err(|m| errors.insert("events".into(), m))
            .ok();
        let description = validate_description(self.description.as_deref())
            .map_err(|m| errors.insert("description".into(), m))
            .ok();
        match (url, events, description) {
            (Some(url), Some(events), Some(description)) => Ok(ValidWebhook {
                url,
                events,
                description,
            }),
            _ => Err(errors),
        }
    }
}

/// An absolute `https://` address; `http://` only for this machine itself (the server
/// refuses loopback addresses anyway unless it runs with its test setting).
pub fn validate_endpoint_url(raw: &str) -> Result<String, String> {
    let url = crate::url::normalize_url(raw).map_err(|e| e.message().to_string())?;
    if url.contains('#') {
        return Err("Remove the part after # from the address: it is never sent.".into());
    }
    if url.starts_with("http://") && !is_loopback_host(host_of(&url)) {
        return Err(
            "Use an https:// address: deliveries carry your data and are sent encrypted only."
                .into(),
        );
    }
    Ok(url)
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .strip_prefix("127.")
            .is_some_and(|rest| rest.split('.').count() == 3)
}

pub fn validate_events(raw: &[String]) -> Result<Vec<WebhookEventType>, String> {
    if raw.is_empty() {
        return Err("Choose at least one event.".into());
    }
    let mut out = Vec::with_capacity(raw.len());
    for id in raw {
        let event = WebhookEventType::from_id(id.trim())
            .filter(|e| *e != WebhookEventType::WebhookTest)
            .ok_or_else(|| format!("\u{201c}{id}\u{201d} is not an event we send."))?;
        if !out.contains(&event) {
            out.push(event);
        }
    }
    out.sort();
    Ok(out)
}

pub fn validate_description(raw: Option<&str>) -> Result<Option<String>, String> {
    let value = crate::text::optional_text(raw, MAX_DESCRIPTION_CHARS)?;
    if value
        .as_deref()
        .is_some_and(|v| v.chars().any(char::is_control))
    {
        return Err("Use a single line without control characters.".into());
    }
    Ok(value)
}

crate::schema! {
/// A registered endpoint, as its owner reads it. The secret is never in it: it is shown
/// once, when made or rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub events: Vec<WebhookEventType>,
    pub description: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: when it was turned off after failing for too long; `null` while on.
    pub disabled_at: Option<String>,
    /// RFC 3339: since when every attempt has failed; `null` while it answers.
    pub failing_since: Option<String>,
    /// Events waiting to be delivered to it.
    pub pending: i64,
}
}

crate::schema! {
/// `POST /api/webhooks` (201): the endpoint and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and the base64 of the key: give it to a Standard Webhooks library.
    pub secret: String,
}
}

crate::schema! {
/// `POST /api/webhooks/{id}/rotate-secret`: the new secret, shown this once. Deliveries
/// carry a signature by the old one too for a day, so a receiver can switch without a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub secret: String,
    /// RFC 3339: until when the old secret's signature is sent as well.
    pub previous_valid_until: String,
}
}

crate::schema! {
/// `GET /api/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookList {
    pub items: Vec<WebhookEndpoint>,
    /// How many an account may have.
    pub limit: i64,
}
}

crate::schema! {
/// `POST /api/webhooks/{id}/test` (202): the test event is queued behind what the
/// endpoint is already due; its attempt shows in the deliveries under this id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedWebhook {
    /// Its `webhook-id`.
    pub message_id: String,
}
}

crate::schema! {
/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt of one event.
    pub message_id: String,
    pub event_type: WebhookEventType,
    /// 1 for the first attempt of the event.
    pub attempt: i64,
    /// RFC 3339.
    pub attempted_at: String,
    /// The receiver answered 2xx.
    pub ok: bool,
    /// The receiver's HTTP status; `null` when it never answered.
    pub status: Option<i64>,
    /// Milliseconds from the start of the attempt to the receiver's answer (or the failure).
    pub latency_ms: i64,
    /// The start of the receiver's answer (at most 500 characters).
    pub response: Option<String>,
    /// Why there was no answer (a refused address, a timeout, a refused connection).
    pub error: Option<String>,
}
}

crate::schema! {
/// `GET /api/webhooks/{id}/deliveries`: the last 100 attempts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_round_trip_and_match_their_json() {
        for e in WebhookEventType::SUBSCRIBABLE
            .into_iter()
            .chain([WebhookEventType::WebhookTest])
        {
            assert_eq!(WebhookEventType::from_id(e.id()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.id()));
        }
        assert_eq!(WebhookEventType::from_id("source.deleted"), None);
    }

    #[test]
    fn endpoints_need_https_except_on_this_machine() {
        assert_eq!(
            validate_endpoint_url(" HTTPS://Hooks.Example.com/in "),
            Ok("https://hooks.example.com/in".into())
        );
        assert!(validate_endpoint_url("http://hooks.example.com/")
            .unwrap_err()
            .contains("https://"));
        assert!(validate_endpoint_url("http://127.0.0.1:9/in").is_ok());
        assert!(validate_endpoint_url("http://[::1]:9/in").is_ok());
        assert!(validate_endpoint_url("http://localhost:9/").is_ok());
        assert!(validate_endpoint_url("http://127.example.com/").is_err());
        assert!(validate_endpoint_url("https://a.example/#frag").is_err());
        assert!(validate_endpoint_url("ftp://a.example/").is_err());
        assert!(validate_endpoint_url("https://user:pw@a.example/").is_err());
    }

    #[test]
    fn events_are_known_at_least_one_and_not_the_test() {
        assert_eq!(
            validate_events(&[
                "source.paused".into(),
                "source.blocked".into(),
                "source.paused".into()
            ]),
            Ok(vec![
                WebhookEventType::SourceBlocked,
                WebhookEventType::SourcePaused
            ])
        );
        assert!(validate_events(&[]).is_err());
        assert!(validate_events(&["webhook.test".into()]).is_err());
        assert!(validate_events(&["source.nope".into()])
            .unwrap_err()
            .contains("source.nope"));
    }

    #[test]
    fn a_description_is_optional_short_and_one_line() {
        assert_eq!(validate_description(Some("  ")), Ok(None));
        assert_eq!(validate_description(Some(" CRM ")), Ok(Some("CRM".into())));
        assert!(validate_description(Some(&"x".repeat(201))).is_err());
        assert!(validate_description(Some("a\nb")).is_err());
        let errors = WebhookInput::default().validate().unwrap_err();
        assert!(errors.contains_key("url") && errors.contains_key("events"));
    }
}

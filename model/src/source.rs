//! Traffic sources: the fields a partner declares and the rules they obey.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::FieldErrors;
use crate::text::single_line;
use crate::url::normalize_url;

pub const MAX_NAME_LEN: usize = 100;

crate::schema! {
/// Whether a source's tracking links work and whether advertisers can find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Paused,
    /// Set and lifted by staff only.
    Blocked,
}
}

crate::deserialize_by_id!(Status { Active = "active", Paused = "paused", Blocked = "blocked" });

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Blocked => "blocked",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Paused => "Paused",
            Status::Blocked => "Blocked",
        }
    }
    /// What the status means, in one line, for the form's help text.
    pub fn explanation(self) -> &'static str {
        match self {
            Status::Active => "Active: advertisers can work with it; its tracking links redirect.",
            Status::Paused => "Paused: hidden from advertisers; its tracking links stop working.",
            Status::Blocked => {
                "Blocked by platform staff: hidden, and its tracking links do not work."
            }
        }
    }
    pub fn from_id(id: &str) -> Option<Status> {
        [Status::Active, Status::Paused, Status::Blocked]
            .into_iter()
            .find(|s| s.id() == id)
    }
    /// Partners choose between these two; only staff set or lift Blocked.
    pub fn partner_may_choose(self) -> bool {
        self != Status::Blocked
    }
}

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}
}

crate::deserialize_by_id!(Visibility { Public = "public", Private = "private" });

impl Visibility {
    pub fn id(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Visibility::Public => "Public",
            Visibility::Private => "Private",
        }
    }
    pub fn explanation(self) -> &'static str {
        match self {
            Visibility::Public => "Public: listed in the marketplace for advertisers while active.",
            Visibility::Private => {
                "Private: not listed in the marketplace; existing links keep working."
            }
        }
    }
    pub fn from_id(id: &str) -> Option<Visibility> {
        [Visibility::Public, Visibility::Private]
            .into_iter()
            .find(|v| v.id() == id)
    }
}

crate::schema! {
/// The body of `POST /api/traffic-sources`. Fields are plain strings on the wire so that a
/// wrong value is reported at its field (422) rather than as a malformed body (400).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    /// Channel ids from `GET /api/channels`.
    #[serde(default)]
    pub channels: Vec<String>,
    /// `active` or `paused`.
    #[serde(default)]
    pub status: String,
    /// `public` or `private`.
    #[serde(default)]
    pub visibility: String,
}
}

crate::schema! {
/// The body of `PUT /api/traffic-sources/{id}`: the whole source plus the `version` the
/// edit started from. A save over a newer version is refused with 409.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceUpdate {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub visibility: String,
    pub version: Option<i64>,
}
}

impl SourceUpdate {
    pub fn input(&self) -> SourceInput {
        SourceInput {
            name: self.name.clone(),
            url: self.url.clone(),
            channels: self.channels.clone(),
            status: self.status.clone(),
            visibility: self.visibility.clone(),
        }
    }
}

/// A source that passed every rule: what the server stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSource {
    pub name: String,
    pub url: String,
    pub channels: Vec<Channel>,
    pub status: Status,
    pub visibility: Visibility,
}

pub fn validate_name(raw: &str) -> Result<String, String> {
    single_line(raw, MAX_NAME_LEN, "a name for this traffic source")
}

pub fn validate_url(raw: &str) -> Result<String, String> {
    normalize_url(raw).map_err(|e| e.message().to_string())
}

pub fn validate_channels(raw: &[String]) -> Result<Vec<Channel>, String> {
    if raw.is_empty() {
        return Err("Choose at least one channel.".into());
    }
    let mut out: Vec<Channel> = Vec::with_capacity(raw.len());
    for id in raw {
        let channel =
            Channel::from_id(id).ok_or_else(|| format!("\"{id}\" is not a channel we know."))?;
        if out.contains(&channel) {
            return Err(format!("{} is chosen more than once.", channel.label()));
        }
        out.push(channel);
    }
    out.sort();
    Ok(out)
}

pub fn validate_status(raw: &str) -> Result<Status, String> {
    match raw.trim() {
        "" => Err("Choose Active or Paused.".into()),
        s => Status::from_id(s).ok_or_else(|| "Status must be active or paused.".into()),
    }
}

pub fn validate_visibility(raw: &str) -> Result<Visibility, String> {
    match raw.trim() {
        "" => Err("Choose Public or Private.".into()),
        v => Visibility::from_id(v).ok_or_else(|| "Visibility must be public or private.".into()),
    }
}

impl SourceInput {
    /// Applies every field rule; on failure, one message per faulty field.
    pub fn validate(&self) -> Result<ValidSource, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = keep(&mut errors, "name", validate_name(&self.name));
        let url = keep(&mut errors, "url", validate_url(&self.url));
        let channels = keep(&mut errors, "channels", validate_channels(&self.channels));
        let status = keep(&mut errors, "status", validate_status(&self.status));
        let visibility = keep(
            &mut errors,
            "visibility",
            validate_visibility(&self.visibility),
        );
        match (name, url, channels, status, visibility) {
            (Some(name), Some(url), Some(channels), Some(status), Some(visibility))
                if errors.is_empty() =>
            {
                Ok(ValidSource {
                    name,
                    url,
                    channels,
                    status,
                    visibility,
                })
            }
            _ => Err(errors),
        }
    }
}

fn keep<T>(errors: &mut FieldErrors, field: &str, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(message) => {
            errors.insert(field.to_string(), message);
            None
        }
    }
}

crate::schema! {
/// A traffic source as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficSource {
    pub id: i64,
    pub partner_id: i64,
    /// The partner's display name.
    pub partner_name: String,
    pub name: String,
    pub url: String,
    pub channels: Vec<Channel>,
    pub status: Status,
    pub visibility: Visibility,
    /// Why staff blocked it; shown to the partner. Present only while Blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_reason: Option<String>,
    /// Staff's internal note on the block. Only ever sent to staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_note: Option<String>,
    /// Grows by one on every change; send it back when editing.
    pub version: i64,
    /// How many advertiser programs use this source.
    pub program_count: i64,
    /// Its collaborations in state `approved`, on the rows of `GET /api/traffic-sources`
    /// (0 in other answers).
    #[serde(default)]
    pub programs_approved: i64,
    /// Its applications waiting for an advertiser (`pending`), on the same rows.
    #[serde(default)]
    pub programs_pending: i64,
    /// Advertisers' invitations waiting for the partner (`invited`), on the same rows.
    #[serde(default)]
    pub invitations: i64,
    /// Human clicks on its links in the last 30 days (bots aside).
    #[serde(default)]
    pub clicks_30d: i64,
    /// Whole percent of those clicks that came from the declared site; `null` when too
    /// little traffic to judge (see `model::traffic::MIN_CLICKS_TO_JUDGE`).
    #[serde(default)]
    pub match_rate_30d: Option<u8>,
    /// Whether its partner proved control of its website (details on its read).
    #[serde(default)]
    pub verification_state: crate::verification::VerificationState,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}
}

fn approved() -> crate::program::CollaborationState {
    crate::program::CollaborationState::Approved
}

crate::schema! {
/// A program that uses a source, as its partner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProgram {
    pub collaboration_id: i64,
    pub program_id: i64,
    pub program_name: String,
    pub advertiser_name: String,
    #[serde(default = "approved")]
    pub state: crate::program::CollaborationState,
    /// Absolute tracking link, `…/t/{code}`; present only while approved.
    #[serde(default)]
    pub tracking_url: Option<String>,
    pub clicks: i64,
}
}

crate::schema! {
/// `GET /api/traffic-sources/{id}`: the source with the programs using it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficSourceDetail {
    pub source: TrafficSource,
    pub programs: Vec<SourceProgram>,
    /// Ownership verification: state, token to publish, the proof that worked.
    #[serde(default)]
    pub verification: crate::verification::Verification,
    /// Staff only (always `false` for the partner, who learns nothing about other
    /// partners): another partner has verified a source on the same site. A notice, not a
    /// refusal: agencies and subdomains are legitimate.
    #[serde(default)]
    pub verified_elsewhere: bool,
}
}

crate::schema! {
/// The body of `POST /api/traffic-sources/{id}/block`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// Shown to the partner. Required.
    #[serde(default)]
    pub reason: String,
    /// Seen by staff only.
    #[serde(default)]
    pub note: Option<String>,
}
}

/// A block request that passed its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBlock {
    pub reason: String,
    pub note: Option<String>,
}

impl BlockRequest {
    pub fn validate(&self) -> Result<ValidBlock, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reason = keep(
            &mut errors,
            "reason",
            crate::text::single_line(&self.reason, 500, "the reason the partner will see"),
        );
        let note = keep(
            &mut errors,
            "note",
            crate::text::optional_text(self.note.as_deref(), 2000),
        );
        match (reason, note) {
            (Some(reason), Some(note)) => Ok(ValidBlock { reason, note }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SourceInput {
        SourceInput {
            name: "  My Blog ".into(),
            url: "HTTPS://Blog.Example.com".into(),
            channels: vec!["video".into(), "content".into()],
            status: "active".into(),
            visibility: "public".into(),
        }
    }

    #[test]
    fn a_good_source_is_trimmed_normalised_and_sorted() {
        let v = input().validate().unwrap();
        assert_eq!(v.name, "My Blog");
        assert_eq!(v.url, "https://blog.example.com/");
        assert_eq!(v.channels, vec![Channel::Content, Channel::Video]);
        assert_eq!(v.status, Status::Active);
        assert_eq!(v.visibility, Visibility::Public);
    }

    #[test]
    fn each_bad_field_is_reported_at_that_field() {
        let bad = SourceInput {
            name: " ".into(),
            url: "example.com".into(),
            channels: vec![],
            status: "sleeping".into(),
            visibility: "".into(),
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["channels", "name", "status", "url", "visibility"]);
    }

    #[test]
    fn name_length_is_counted_in_characters() {
        assert!(validate_name(&"é".repeat(100)).is_ok());
        assert!(validate_name(&"é".repeat(101)).is_err());
        assert!(validate_name("two\nlines").is_err());
    }

    #[test]
    fn channels_refuse_unknown_and_duplicates() {
        assert!(validate_channels(&["tv".into()])
            .unwrap_err()
            .contains("tv"));
        assert!(validate_channels(&["email".into(), "email".into()]).is_err());
    }

    #[test]
    fn blocked_parses_but_partners_may_not_choose_it() {
        assert_eq!(validate_status("blocked"), Ok(Status::Blocked));
        assert!(!Status::Blocked.partner_may_choose());
        assert!(Status::Paused.partner_may_choose());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<SourceInput>(r#"{"name":"a","owner":1}"#);
        assert!(err.is_err());
    }

    #[test]
    fn block_needs_a_reason() {
        assert!(BlockRequest {
            reason: "  ".into(),
            note: None
        }
        .validate()
        .is_err());
        let ok = BlockRequest {
            reason: "Spam".into(),
            note: Some(" ".into()),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.note, None);
    }
}

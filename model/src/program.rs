//! Advertisers' programs, the marketplace, and collaborations with their tracking links.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::FieldErrors;
use crate::source::{Status, Visibility};
use crate::traffic::VolumeBand;

crate::schema! {
/// A source as advertisers see it in the marketplace (only Active and Public ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceSource {
    pub id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    pub name: String,
    pub url: String,
    pub channels: Vec<Channel>,
    /// How much traffic it had in 30 days, as a band: advertisers never see exact counts.
    pub volume_band: VolumeBand,
    /// Whole percent of its human clicks in 30 days that came from its declared site;
    /// `null` when too little traffic to judge.
    #[serde(default)]
    pub match_rate_30d: Option<u8>,
    /// Its partner proved control of its website.
    #[serde(default)]
    pub verified: bool,
    /// RFC 3339.
    pub updated_at: String,
    /// The channels its valid clicks of 30 days came through, most first, as bands.
    #[serde(default)]
    pub observed_channels: Vec<crate::traffic::ObservedBand>,
    /// Its observed channels match those declared: no more than
    /// `--review-undeclared-percent` of its valid clicks came through others; `null` when
    /// too little traffic to judge.
    #[serde(default)]
    pub observed_matches: Option<bool>,
}
}

crate::schema! {
/// Whether an application is approved at once or waits for the advertiser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    Automatic,
    #[default]
    Manual,
}
}

impl ApprovalMode {
    pub fn id(self) -> &'static str {
        match self {
            ApprovalMode::Automatic => "automatic",
            ApprovalMode::Manual => "manual",
        }
    }
    pub fn from_id(id: &str) -> Option<ApprovalMode> {
        [ApprovalMode::Automatic, ApprovalMode::Manual]
            .into_iter()
            .find(|m| m.id() == id)
    }
}

crate::schema! {
/// Whether partners find the program in their directory, or join it by invitation only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    #[default]
    Listed,
    Unlisted,
}
}

impl Listing {
    pub fn id(self) -> &'static str {
        match self {
            Listing::Listed => "listed",
            Listing::Unlisted => "unlisted",
        }
    }
    pub fn from_id(id: &str) -> Option<Listing> {
        [Listing::Listed, Listing::Unlisted]
            .into_iter()
            .find(|m| m.id() == id)
    }
}

/// The longest program description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 2000;
/// At most this many permitted domains per program.
pub const MAX_PERMITTED_DOMAINS: usize = 50;

crate::schema! {
/// The body of `POST /api/programs` and `PUT /api/programs/{id}`. Fields left out take
/// their defaults: no description, `manual`, `listed`, every channel, no extra domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    #[serde(default)]
    pub name: String,
    /// Where tracking links send visitors; validated like a source URL.
    #[serde(default)]
    pub landing_url: String,
    /// Plain text, up to 2,000 characters.
    #[serde(default)]
    pub description: String,
    /// `automatic` or `manual` (default).
    #[serde(default)]
    pub approval_mode: Option<String>,
    /// `listed` (default) or `unlisted`.
    #[serde(default)]
    pub listing: Option<String>,
    /// Channel ids; empty means every channel.
    #[serde(default)]
    pub accepted_channels: Vec<String>,
    /// Hosts or registrable domains deep links may lead to, besides the landing URL's host.
    #[serde(default)]
    pub permitted_domains: Vec<String>,
}
}

/// A program that passed its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProgram {
    pub name: String,
    pub landing_url: String,
    pub description: String,
    pub approval_mode: ApprovalMode,
    pub listing: Listing,
    pub accepted_channels: Vec<Channel>,
    pub permitted_domains: Vec<String>,
}

/// A permitted domain as a lower-case host name: `Shop.Example.com.` → `shop.example.com`.
/// A URL or a host with a port, path or wildcard is refused.
pub fn validate_domain(raw: &str) -> Result<String, String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if d.is_empty() || d.len() > 253 || !d.contains('.') || !d.split('.').all(ok_label) {
        return Err(format!(
            "\"{}\" is not a domain: write a host such as shop.example.com.",
            raw.trim()
        ));
    }
    Ok(d)
}

/// Whether `host` may be a deep link's destination: the landing URL's host, a permitted
/// domain, or a subdomain of one.
pub fn host_permitted(host: &str, landing_host: &str, permitted: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == landing_host.to_ascii_lowercase()
        || permitted
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

impl ProgramInput {
    pub fn validate(&self) -> Result<ValidProgram, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = crate::text::single_line(&self.name, 100, "a name for this program")
            .map_err(|m| errors.insert("name".into(), m))
            .ok();
        let landing_url = crate::source::validate_url(&self.landing_url)
            .map_err(|m| errors.insert("landing_url".into(), m))
            .ok();
        let description = self.description.trim().to_string();
        if description.chars().count() > MAX_DESCRIPTION_LEN {
            errors.insert(
                "description".into(),
                format!("Keep the description to {MAX_DESCRIPTION_LEN} characters."),
            );
        }
        let approval_mode = match self.approval_mode.as_deref() {
            None | Some("") => ApprovalMode::default(),
            Some(m) => ApprovalMode::from_id(m).unwrap_or_else(|| {
                errors.insert(
                    "approval_mode".into(),
                    "Approval mode must be automatic or manual.".into(),
                );
                ApprovalMode::default()
            }),
        };
        let listing = match self.listing.as_deref() {
            None | Some("") => Listing::default(),
            Some(m) => Listing::from_id(m).unwrap_or_else(|| {
                errors.insert(
                    "listing".into(),
                    "Listing must be listed or unlisted.".into(),
                );
                Listing::default()
            }),
        };
        let accepted_channels = if self.accepted_channels.is_empty() {
            Vec::new()
        } else {
            crate::source::validate_channels(&self.accepted_channels)
                .map_err(|m| errors.insert("accepted_channels".into(), m))
                .unwrap_or_default()
        };
        let mut permitted_domains = Vec::new();
        if self.permitted_domains.len() > MAX_PERMITTED_DOMAINS {
            errors.insert(
                "permitted_domains".into(),
                format!("At most {MAX_PERMITTED_DOMAINS} domains."),
            );
        } else {
            for raw in &self.permitted_domains {
                match validate_domain(raw) {
                    Ok(d) if !permitted_domains.contains(&d) => permitted_domains.push(d),
                    Ok(_) => {}
                    Err(m) => {
                        errors.insert("permitted_domains".into(), m);
                        break;
                    }
                }
            }
        }
        match (name, landing_url) {
            (Some(name), Some(landing_url)) if errors.is_empty() => Ok(ValidProgram {
                name,
                landing_url,
                description,
                approval_mode,
                listing,
                accepted_channels,
                permitted_domains,
            }),
            _ => Err(errors),
        }
    }
}

crate::schema! {
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub landing_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub approval_mode: ApprovalMode,
    #[serde(default)]
    pub listing: Listing,
    /// Empty: every channel.
    #[serde(default)]
    pub accepted_channels: Vec<Channel>,
    #[serde(default)]
    pub permitted_domains: Vec<String>,
    /// The advertiser's display name.
    #[serde(default)]
    pub advertiser_name: String,
    /// Its approved sources.
    pub source_count: i64,
    /// RFC 3339.
    pub created_at: String,
}
}

crate::schema! {
/// The body of `POST /api/programs/{id}/sources`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddSource {
    pub traffic_source_id: i64,
}
}

crate::schema! {
/// Where a source stands in a program. Only `approved` has a working tracking link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollaborationState {
    /// The advertiser invited the source; its partner accepts or declines.
    Invited,
    /// The partner applied; the advertiser approves or declines, or the partner withdraws.
    Pending,
    Approved,
    Declined,
    Withdrawn,
    Ended,
}
}

impl CollaborationState {
    pub const ALL: [CollaborationState; 6] = [
        CollaborationState::Invited,
        CollaborationState::Pending,
        CollaborationState::Approved,
        CollaborationState::Declined,
        CollaborationState::Withdrawn,
        CollaborationState::Ended,
    ];
    pub fn id(self) -> &'static str {
        match self {
            CollaborationState::Invited => "invited",
            CollaborationState::Pending => "pending",
            CollaborationState::Approved => "approved",
            CollaborationState::Declined => "declined",
            CollaborationState::Withdrawn => "withdrawn",
            CollaborationState::Ended => "ended",
        }
    }
    pub fn from_id(id: &str) -> Option<CollaborationState> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
    pub fn label(self) -> &'static str {
        match self {
            CollaborationState::Invited => "Invited",
            CollaborationState::Pending => "Pending",
            CollaborationState::Approved => "Approved",
            CollaborationState::Declined => "Declined",
            CollaborationState::Withdrawn => "Withdrawn",
            CollaborationState::Ended => "Ended",
        }
    }
    /// A pair in this state may start again (after the cooling-off for declined and ended).
    pub fn closed(self) -> bool {
        matches!(
            self,
            CollaborationState::Declined
                | CollaborationState::Withdrawn
                | CollaborationState::Ended
        )
    }
}

crate::schema! {
/// A source in a program (a collaboration), with its state and, while approved, its
/// tracking link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaboration {
    pub id: i64,
    pub program_id: i64,
    #[serde(default)]
    pub program_name: String,
    #[serde(default)]
    pub advertiser_name: String,
    pub traffic_source_id: i64,
    pub source_name: String,
    pub source_url: String,
    /// The source's partner.
    #[serde(default)]
    pub partner_id: i64,
    pub partner_name: String,
    /// The source's current status: links redirect only while it is Active.
    pub status: Status,
    pub visibility: Visibility,
    pub state: CollaborationState,
    /// The source's partner proved control of its website.
    #[serde(default)]
    pub verified: bool,
    /// The source's declared channels.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Those of its channels the program does not accept (empty when it accepts every one).
    #[serde(default)]
    pub channels_outside: Vec<Channel>,
    /// The partner's message with an application.
    #[serde(default)]
    pub message: Option<String>,
    /// Why it was declined or ended, for the other side to read.
    #[serde(default)]
    pub reason: Option<String>,
    /// Present only while `approved`.
    #[serde(default)]
    pub tracking_code: Option<String>,
    /// Absolute, `…/t/{code}`; present only while `approved`.
    #[serde(default)]
    pub tracking_url: Option<String>,
    /// Clicks that redirected.
    pub clicks: i64,
    /// Clicks answered "no longer active".
    pub refused_clicks: i64,
    /// Human clicks on this link in the last 30 days (bots aside).
    #[serde(default)]
    pub clicks_30d: i64,
    /// Whole percent of those that came from the source's declared site; `null` when too
    /// little traffic to judge.
    #[serde(default)]
    pub match_rate_30d: Option<u8>,
    /// The source's own evidence over 30 days (all its links, not only this one), for the
    /// advertiser deciding on it. Answered to advertisers and staff by
    /// `GET /api/collaborations`; absent for partners, who see their exact figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<SourceEvidence>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: the last change of state.
    #[serde(default)]
    pub updated_at: String,
}
}

crate::schema! {
/// What a source shows an advertiser beside an application or invitation: 30 days of its
/// valid clicks on every link, as bands where the marketplace shows bands (the same rules:
/// [`VolumeBand::of`], [`crate::traffic::ObservedBand::of`], [`crate::traffic::observed_matches`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceEvidence {
    pub volume_band: VolumeBand,
    /// Whole percent of its valid clicks that came from its declared site; `null` when too
    /// little traffic to judge.
    #[serde(default)]
    pub match_rate_30d: Option<u8>,
    /// Whole percent of all its clicks (bots included) flagged as bots; `null` when too
    /// few to judge.
    #[serde(default)]
    pub bot_share_30d: Option<u8>,
    /// The channels its valid clicks came through, most first, as bands.
    #[serde(default)]
    pub observed_channels: Vec<crate::traffic::ObservedBand>,
    /// No more than `--review-undeclared-percent` of its valid clicks came through a
    /// channel it does not declare; `null` when too little traffic to judge.
    #[serde(default)]
    pub observed_matches: Option<bool>,
}
}

crate::schema! {
/// The body of `POST /api/programs/{id}/applications`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub traffic_source_ids: Vec<i64>,
    #[serde(default)]
    pub message: String,
}
}

crate::schema! {
/// One source's answer to an application: its collaboration, or why it could not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationResult {
    pub traffic_source_id: i64,
    #[serde(default)]
    pub collaboration: Option<Collaboration>,
    /// `not_found`, `not_active`, `blocked`, `channels`, `already_member`, `cooling_off`.
    #[serde(default)]
    pub refusal: Option<String>,
    /// The refusal in words (the channels outside the accepted ones named).
    #[serde(default)]
    pub message: Option<String>,
}
}

crate::schema! {
/// `POST /api/programs/{id}/applications`: one result per source, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationResults {
    pub results: Vec<ApplicationResult>,
}
}

crate::schema! {
/// The body of `/decline` and `/end`: why, for the other side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}
}

crate::schema! {
/// `GET /api/programs/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramDetail {
    pub program: Program,
    pub sources: Vec<Collaboration>,
}
}

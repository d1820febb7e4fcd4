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
/// The body of `POST /api/programs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    #[serde(default)]
    pub name: String,
    /// Where tracking links send visitors; validated like a source URL.
    #[serde(default)]
    pub landing_url: String,
}
}

/// A program that passed its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProgram {
    pub name: String,
    pub landing_url: String,
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
        match (name, landing_url) {
            (Some(name), Some(landing_url)) => Ok(ValidProgram { name, landing_url }),
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
/// A source in one of the advertiser's programs, with its tracking link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaboration {
    pub id: i64,
    pub program_id: i64,
    pub traffic_source_id: i64,
    pub source_name: String,
    pub source_url: String,
    pub partner_name: String,
    /// The source's current status: links redirect only while it is Active.
    pub status: Status,
    pub visibility: Visibility,
    pub tracking_code: String,
    /// Absolute, `…/t/{code}`.
    pub tracking_url: String,
    /// Clicks that redirected.
    pub clicks: i64,
    /// Clicks answered "no longer active" because the source was not Active.
    pub refused_clicks: i64,
    /// Human clicks on this link in the last 30 days (bots aside).
    #[serde(default)]
    pub clicks_30d: i64,
    /// Whole percent of those that came from the source's declared site; `null` when too
    /// little traffic to judge.
    #[serde(default)]
    pub match_rate_30d: Option<u8>,
    /// RFC 3339.
    pub created_at: String,
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

//! Ownership verification of a source's website: the three proofs a partner can publish,
//! the states a source can be in, and which hosts are shared platforms that no single
//! partner can prove (the server checks, the page explains; both read this one place).

use serde::{Deserialize, Serialize};

/// The TXT record's value is `traffic-sources-verification=<token>`.
pub const TXT_PREFIX: &str = "traffic-sources-verification=";
/// `<meta name="traffic-sources-verification" content="<token>">`.
pub const META_NAME: &str = "traffic-sources-verification";
/// The file holding the token, on the declared host.
pub const WELL_KNOWN_PATH: &str = "/.well-known/traffic-sources-verification.txt";

/// Hosts where many people publish under one domain: a page or profile there proves
/// nothing about who controls the domain, and its owner will not add our record for a
/// partner. A host matches the entry or any subdomain of it. Kept short and obvious: a
/// host not listed is simply checked.
pub const SHARED_PLATFORMS: &[&str] = &[
    "instagram.com",
    "youtube.com",
    "youtu.be",
    "tiktok.com",
    "x.com",
    "twitter.com",
    "facebook.com",
    "fb.com",
    "linkedin.com",
    "pinterest.com",
    "twitch.tv",
    "reddit.com",
    "snapchat.com",
    "threads.net",
    "t.me",
    "telegram.me",
];

crate::schema! {
/// Whether the partner has proven they control the source's website.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    #[default]
    Unverified,
    Verified,
    /// Hosted on a shared platform (see `SHARED_PLATFORMS`): cannot be proven by site.
    NotVerifiable,
}
}

crate::deserialize_by_id!(VerificationState { Unverified = "unverified", Verified = "verified", NotVerifiable = "not_verifiable" });

impl VerificationState {
    pub fn id(self) -> &'static str {
        match self {
            VerificationState::Unverified => "unverified",
            VerificationState::Verified => "verified",
            VerificationState::NotVerifiable => "not_verifiable",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            VerificationState::Unverified => "Not verified",
            VerificationState::Verified => "Verified",
            VerificationState::NotVerifiable => "Not verifiable by site",
        }
    }
}

crate::schema! {
/// The proof that was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    DnsTxt,
    MetaTag,
    WellKnownFile,
}
}

impl VerificationMethod {
    pub const ALL: [VerificationMethod; 3] = [
        VerificationMethod::DnsTxt,
        VerificationMethod::MetaTag,
        VerificationMethod::WellKnownFile,
    ];
    pub fn id(self) -> &'static str {
        match self {
            VerificationMethod::DnsTxt => "dns_txt",
            VerificationMethod::MetaTag => "meta_tag",
            VerificationMethod::WellKnownFile => "well_known_file",
        }
    }
    pub fn from_id(id: &str) -> Option<VerificationMethod> {
        Self::ALL.into_iter().find(|m| m.id() == id)
    }
    pub fn label(self) -> &'static str {
        match self {
            VerificationMethod::DnsTxt => "DNS TXT record",
            VerificationMethod::MetaTag => "meta tag on the page",
            VerificationMethod::WellKnownFile => "file on the site",
        }
    }
}

crate::schema! {
/// `verification` of `GET /api/traffic-sources/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub state: VerificationState,
    /// The value to publish in one of the three proofs.
    pub token: String,
    /// The proof that worked; present while Verified.
    #[serde(default)]
    pub method: Option<VerificationMethod>,
    /// RFC 3339: when it was verified.
    #[serde(default)]
    pub verified_at: Option<String>,
    /// RFC 3339: when it was last checked, by "Verify now" or the periodic re-check.
    #[serde(default)]
    pub checked_at: Option<String>,
    /// The last check's outcome in words.
    #[serde(default)]
    pub last_outcome: Option<String>,
    /// Why the source cannot be verified by site; present only when `not_verifiable`.
    #[serde(default)]
    pub not_verifiable_reason: Option<String>,
}
}

crate::schema! {
/// One proof tried by a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofResult {
    pub method: VerificationMethod,
    pub found: bool,
    /// What was found or why not, e.g. "the page answered 404".
    pub detail: String,
}
}

crate::schema! {
/// The answer of `POST /api/traffic-sources/{id}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyOutcome {
    pub verified: bool,
    /// The proof that worked, when one did.
    pub method: Option<VerificationMethod>,
    /// One sentence for the partner.
    pub message: String,
    /// Each proof in turn, with its detail.
    pub proofs: Vec<ProofResult>,
    /// The source's verification after this check.
    pub verification: Verification,
}
}

/// The host of a normalised URL (see `url::normalize_url`), lower case, without port or
/// a leading `www.`.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// The shared platform a URL is on, if any.
pub fn shared_platform(url: &str) -> Option<&'static str> {
    let host = host_of(url)?;
    SHARED_PLATFORMS
        .iter()
        .copied()
        .find(|p| host == *p || host.ends_with(&format!(".{p}")))
}

/// Why a source on this URL cannot be verified by site, or `None` when it can.
pub fn not_verifiable_reason(url: &str) -> Option<String> {
    shared_platform(url).map(|p| {
        format!(
            "{p} is a shared platform: a profile or page there cannot carry your own DNS record, tag or file, so ownership cannot be proven by site. The source is not refused."
        )
    })
}

/// The three things to publish, exactly as a site owner copies them.
pub fn txt_record(token: &str) -> String {
    format!("{TXT_PREFIX}{token}")
}
pub fn meta_tag(token: &str) -> String {
    format!("<meta name=\"{META_NAME}\" content=\"{token}\">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_match_themselves_and_their_subdomains_only() {
        assert_eq!(
            shared_platform("https://instagram.com/someone"),
            Some("instagram.com")
        );
        assert_eq!(
            shared_platform("https://www.youtube.com/@x"),
            Some("youtube.com")
        );
        assert_eq!(
            shared_platform("https://m.tiktok.com/@x"),
            Some("tiktok.com")
        );
        assert_eq!(shared_platform("https://x.com/a"), Some("x.com"));
        assert_eq!(shared_platform("https://box.com/"), None);
        assert_eq!(shared_platform("https://notinstagram.com/"), None);
        assert!(not_verifiable_reason("https://blog.example.com/").is_none());
        assert!(not_verifiable_reason("https://facebook.com/page")
            .unwrap()
            .contains("facebook.com"));
    }

    #[test]
    fn host_drops_port_www_and_path() {
        assert_eq!(
            host_of("https://www.example.com:8443/a?b").as_deref(),
            Some("example.com")
        );
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("[::1]"));
        assert_eq!(host_of("nonsense"), None);
    }

    #[test]
    fn the_proofs_read_as_documented() {
        assert_eq!(txt_record("abc"), "traffic-sources-verification=abc");
        assert_eq!(
            meta_tag("abc"),
            "<meta name=\"traffic-sources-verification\" content=\"abc\">"
        );
        for m in VerificationMethod::ALL {
            assert_eq!(VerificationMethod::from_id(m.id()), Some(m));
        }
    }
}

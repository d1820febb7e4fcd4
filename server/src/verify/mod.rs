//! Ownership verification of a source's website: any one of three proofs carrying the
//! source's token (a DNS TXT record, a meta tag on the declared page, a well-known file).
//!
//! The server fetches addresses that users typed in, so this is an attack surface: every
//! network access goes through [`fetch::Fetcher`], which refuses non-public addresses
//! before connecting. Checks are rate-limited in the database (see `db::verification`).

pub mod dns;
pub mod fetch;
pub mod proofs;
pub mod recheck;

use model::verification::{ProofResult, VerificationMethod};
use reqwest::Url;

use crate::db::verification::{self as store, SourceVerification, Trigger};
use crate::{Config, Db};

/// The checker: its DNS resolver and its guarded fetcher.
pub struct Verifier {
    pub dns: dns::Dns,
    pub fetcher: fetch::Fetcher,
}

/// What one check found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub method: Option<VerificationMethod>,
    pub proofs: Vec<ProofResult>,
    /// One sentence: the proof found, or why each failed.
    pub message: String,
}

impl Verifier {
    pub fn new(config: &Config) -> std::io::Result<Verifier> {
        let dns = dns::Dns::new(config.dns_server)?;
        Ok(Verifier {
            fetcher: fetch::Fetcher::new(dns.clone(), config.verify_allow_loopback),
            dns,
        })
    }

    /// Tries the three proofs at once (each within the fetcher's 5 s), and reports the
    /// first that holds in the order DNS, meta tag, file.
    pub async fn check(&self, url: &str, token: &str) -> Checked {
        let Ok(parsed) = Url::parse(url) else {
            let detail = format!("{url} is not a web address we can check");
            return Checked {
                method: None,
                proofs: VerificationMethod::ALL
                    .into_iter()
                    .map(|method| ProofResult {
                        method,
                        found: false,
                        detail: detail.clone(),
                    })
                    .collect(),
                message: format!("No proof found: {detail}."),
            };
        };
        let (dns, meta, file) = tokio::join!(
            proofs::dns_txt(&self.dns, &parsed, token),
            proofs::meta_tag(&self.fetcher, &parsed, token),
            proofs::well_known_file(&self.fetcher, &parsed, token),
        );
        let proofs = vec![dns, meta, file];
        let found = proofs.iter().find(|p| p.found);
        let message = match found {
            Some(p) => format!("Verified: {}.", p.detail),
            None => format!(
                "No proof found: {}.",
                proofs
                    .iter()
                    .map(|p| p.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        Checked {
            method: found.map(|p| p.method),
            proofs,
            message,
        }
    }

    /// Checks a source and stores the result (the attempt is already recorded).
    pub async fn check_and_store(
        &self,
        db: &Db,
        attempt_id: i64,
        source: &SourceVerification,
        trigger: Trigger,
    ) -> Result<Checked, sqlx::Error> {
        let checked = self.check(&source.url, &source.token).await;
        store::finish(
            db,
            attempt_id,
            source,
            checked.method,
            &checked.message,
            trigger,
        )
        .await?;
        Ok(checked)
    }
}

//! Which kind of site a referring host is (search engine, social network, webmail, ad
//! network), from Snowplow's referer-parser data set (`referers.json`).
//!
//! That data is GPL-3.0 (it derives from Matomo's lists), so it is not compiled in: it is
//! read at start-up from `--referrers-file` (shipped beside the server as
//! `server/data/referers/`, with its licence). Without it, referrers still tell the
//! source's own site; other hosts give no channel.

use std::collections::HashMap;
use std::path::Path;

/// The kinds of site the data set names that say a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Search,
    Social,
    Email,
    Paid,
}

impl Medium {
    fn from_id(id: &str) -> Option<Medium> {
        match id {
            "search" => Some(Medium::Search),
            "social" => Some(Medium::Social),
            "email" => Some(Medium::Email),
            "paid" => Some(Medium::Paid),
            _ => None,
        }
    }
}

/// Host → medium. Hosts are stored without `www.`.
#[derive(Debug, Default)]
pub struct Referrers {
    hosts: HashMap<String, Medium>,
}

impl Referrers {
    /// Reads the data set's JSON: `{medium: {name: {"domains": [...]}}}`.
    pub fn load(path: &Path) -> Result<Referrers, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        Referrers::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The copy in the source tree (`server/data/referers/referers.json`), when it is
    /// there; none otherwise.
    pub fn bundled() -> Result<Referrers, String> {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/referers/referers.json"
        ));
        if path.exists() {
            Referrers::load(path)
        } else {
            tracing::warn!("no --referrers-file: referrers tell only a source's own site");
            Ok(Referrers::default())
        }
    }

    pub fn parse(text: &str) -> Result<Referrers, String> {
        type Data = HashMap<String, HashMap<String, Entry>>;
        #[derive(serde::Deserialize)]
        struct Entry {
            #[serde(default)]
            domains: Vec<String>,
        }
        let data: Data = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut hosts = HashMap::new();
        for (medium, sites) in &data {
            let Some(medium) = Medium::from_id(medium) else {
                continue;
            };
            for entry in sites.values() {
                // Entries with a path (`google.com/products`) cannot be told from a host.
                for domain in entry.domains.iter().filter(|d| !d.contains('/')) {
                    if let Some(host) = super::classify::normalize_host(domain) {
                        hosts.entry(host).or_insert(medium);
                    }
                }
            }
        }
        Ok(Referrers { hosts })
    }

    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The medium of a normalised host, or of the nearest parent domain the data names
    /// (`mail.google.com` before `google.com`).
    pub fn medium(&self, host: &str) -> Option<Medium> {
        let mut rest = host;
        loop {
            if let Some(m) = self.hosts.get(rest) {
                return Some(*m);
            }
            rest = rest.split_once('.')?.1;
            if !rest.contains('.') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_domain_wins() {
        let r = Referrers::parse(
            r#"{"search": {"Google": {"domains": ["google.com", "www.google.de", "google.com/products"]}},
                "email": {"Gmail": {"domains": ["mail.google.com"]}},
                "unknown": {"X": {"domains": ["x.example"]}}}"#,
        )
        .unwrap();
        assert_eq!(r.medium("google.com"), Some(Medium::Search));
        assert_eq!(r.medium("google.de"), Some(Medium::Search));
        assert_eq!(r.medium("mail.google.com"), Some(Medium::Email));
        assert_eq!(r.medium("news.google.com"), Some(Medium::Search));
        assert_eq!(r.medium("x.example"), None);
        assert_eq!(r.medium("com"), None);
    }
}

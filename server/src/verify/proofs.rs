//! The three proofs, each tried on its own and each answering in words what it found.

use model::verification::{
    ProofResult, VerificationMethod, META_NAME, TXT_PREFIX, WELL_KNOWN_PATH,
};
use reqwest::Url;
use scraper::{Html, Selector};

use super::dns::{Dns, Txt};
use super::fetch::{FetchError, Fetcher};

fn result(method: VerificationMethod, found: bool, detail: String) -> ProofResult {
    ProofResult {
        method,
        found,
        detail,
    }
}

/// The names a TXT record may sit on: the URL's host and its registrable domain
/// (`blog.example.co.uk` → also `example.co.uk`), by the Public Suffix List.
pub fn txt_names(url: &Url) -> Vec<String> {
    let Some(url::Host::Domain(host)) = url.host() else {
        return vec![];
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut names = vec![host.clone()];
    if let Some(domain) = psl::domain_str(&host) {
        if domain != host {
            names.push(domain.to_string());
        }
    }
    names
}

/// 1. `traffic-sources-verification=<token>` in a TXT record.
pub async fn dns_txt(dns: &Dns, url: &Url, token: &str) -> ProofResult {
    let method = VerificationMethod::DnsTxt;
    let names = txt_names(url);
    if names.is_empty() {
        return result(
            method,
            false,
            "the address is an IP address, which has no DNS name to hold a TXT record".into(),
        );
    }
    let wanted = format!("{TXT_PREFIX}{token}");
    let mut other_token_on = None;
    let mut failure = None;
    for name in &names {
        match dns.txt(name).await {
            Txt::Records(records) => {
                if records.iter().any(|r| r.trim() == wanted) {
                    return result(method, true, format!("found the TXT record on {name}"));
                }
                if records.iter().any(|r| r.trim().starts_with(TXT_PREFIX)) {
                    other_token_on.get_or_insert(name.clone());
                }
            }
            Txt::None => {}
            Txt::Failed => {
                failure.get_or_insert(format!("the DNS look-up of {name} failed"));
            }
        }
    }
    let detail = if let Some(name) = other_token_on {
        format!("the TXT record on {name} holds a different token")
    } else if let Some(why) = failure {
        why
    } else {
        format!("no TXT record {TXT_PREFIX}… on {}", names.join(" or "))
    };
    result(method, false, detail)
}

/// Why a fetch gave no usable page, for a proof's detail. `what`: "the page" or "the
/// file"; `must`: what has to be on the declared site instead.
fn fetch_failure(what: &str, must: &str, e: &FetchError) -> String {
    match e {
        FetchError::Refused { .. } => format!("{what} was not fetched: {e}"),
        FetchError::OffSite { to, site } => {
            format!("{what} redirected to {to}; {must} must be on {site}")
        }
        _ => format!("{what} could not be fetched: {e}"),
    }
}

/// 2. `<meta name="traffic-sources-verification" content="<token>">` on the declared page.
///
/// Only as found on the declared site: a redirect elsewhere is not followed.
pub async fn meta_tag(fetcher: &Fetcher, url: &Url, token: &str) -> ProofResult {
    let method = VerificationMethod::MetaTag;
    let page = match fetcher.get_on_site(url.as_str()).await {
        Ok(page) => page,
        Err(e) => return result(method, false, fetch_failure("the page", "the tag", &e)),
    };
    if !(200..300).contains(&page.status) {
        return result(method, false, format!("the page answered {}", page.status));
    }
    let contents = meta_contents(&String::from_utf8_lossy(&page.body));
    if contents.iter().any(|c| c.trim() == token) {
        result(method, true, "found the meta tag on the page".into())
    } else if contents.is_empty() {
        result(
            method,
            false,
            format!("the page has no {META_NAME} meta tag"),
        )
    } else {
        result(method, false, "the token on the page is different".into())
    }
}

/// The `content` of every `<meta name="traffic-sources-verification">`, parsed as a
/// browser would (an HTML5 parser, not a pattern that comments or attributes can fool).
pub fn meta_contents(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let selector = Selector::parse("meta[name][content]").expect("a valid selector");
    document
        .select(&selector)
        .filter(|m| {
            m.value()
                .attr("name")
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(META_NAME))
        })
        .filter_map(|m| m.value().attr("content").map(str::to_string))
        .collect()
}

/// 3. The token in `/.well-known/traffic-sources-verification.txt` on the declared site.
pub async fn well_known_file(fetcher: &Fetcher, url: &Url, token: &str) -> ProofResult {
    let method = VerificationMethod::WellKnownFile;
    let mut file = url.clone();
    file.set_path(WELL_KNOWN_PATH);
    file.set_query(None);
    file.set_fragment(None);
    let answer = match fetcher.get_on_site(file.as_str()).await {
        Ok(answer) => answer,
        Err(e) => return result(method, false, fetch_failure("the file", "it", &e)),
    };
    if !(200..300).contains(&answer.status) {
        return result(
            method,
            false,
            format!("the file {WELL_KNOWN_PATH} answered {}", answer.status),
        );
    }
    let text = String::from_utf8_lossy(&answer.body);
    if text.lines().any(|line| line.trim() == token) {
        result(
            method,
            true,
            format!("found the token in {WELL_KNOWN_PATH}"),
        )
    } else if text.trim().is_empty() {
        result(
            method,
            false,
            format!("the file {WELL_KNOWN_PATH} is empty"),
        )
    } else {
        result(
            method,
            false,
            format!("the file {WELL_KNOWN_PATH} holds a different token"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_tags_are_read_by_the_html_parser() {
        let html = r#"<!doctype html><html><head>
            <!-- <meta name="traffic-sources-verification" content="in-a-comment"> -->
            <meta name="description" content="nope">
            <META NAME="Traffic-Sources-Verification" CONTENT="abc123">
            </head><body><p data-x='<meta name="traffic-sources-verification" content="fake">'></p></body></html>"#;
        assert_eq!(meta_contents(html), vec!["abc123".to_string()]);
        assert!(meta_contents("<p>no head at all</p>").is_empty());
    }

    #[test]
    fn txt_names_are_the_host_and_its_registrable_domain() {
        let url = Url::parse("https://blog.example.co.uk/a").unwrap();
        assert_eq!(txt_names(&url), ["blog.example.co.uk", "example.co.uk"]);
        let url = Url::parse("https://example.com/").unwrap();
        assert_eq!(txt_names(&url), ["example.com"]);
        assert!(txt_names(&Url::parse("http://192.0.2.1/").unwrap()).is_empty());
    }
}

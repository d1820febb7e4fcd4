//! Where a click came from: the referrer's host, whether it is on the site the partner
//! declared, and whether the visitor is a bot.
//!
//! "The same site" means the same registrable domain (`blog.dealspotter.example` and
//! `dealspotter.example` are one site; `a.blogspot.com` and `b.blogspot.com` are two),
//! decided by the Public Suffix List of the `psl` crate. What this proves and what it does
//! not:
//! - a `match` shows that the browser came from a page of that site; for a source hosted on
//!   a shared platform (`instagram.com/…`, `youtube.com/@…`) it shows only that the click
//!   came from the platform, not from the partner's own profile there, since platforms send
//!   no path;
//! - a `mismatch` shows the link is being used elsewhere than declared;
//! - `none` proves nothing: browsers drop the referrer under `noreferrer` and from HTTPS to
//!   HTTP, and apps send none.
//!
//! Hosts are kept in their ASCII (punycode) form, so that look-alike letters from another
//! script cannot pass for a known site in the evidence staff read.

use model::traffic::ReferrerClass;

/// Link shorteners and redirectors of the big platforms that the Public Suffix List cannot
/// know belong to them (`t.co` is X's): a click through one of these counts as coming
/// from the platform. Deliberately short; anything not here is judged by the list alone.
const PLATFORM_ALIASES: &[(&str, &str)] = &[
    ("t.co", "x.com"),
    ("twitter.com", "x.com"),
    ("youtu.be", "youtube.com"),
    ("lnkd.in", "linkedin.com"),
    ("pin.it", "pinterest.com"),
    ("fb.me", "facebook.com"),
    ("instagr.am", "instagram.com"),
];

/// The normal form of a host: ASCII (punycode), lower case, no trailing dot, no port, no
/// leading `www.`. `None` when it is not a plausible domain name or address.
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    let ascii = if host.is_ascii() {
        host.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(host).ok()?
    };
    if ascii.is_empty()
        || !ascii.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        })
    {
        return None;
    }
    let bare = ascii.strip_prefix("www.").unwrap_or(&ascii);
    (!bare.is_empty()).then(|| bare.to_string())
}

/// The host of an absolute URL (a `Referer` header, a declared URL), normalised.
pub fn url_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        // An IPv6 literal keeps its brackets; its colons are not a port.
        return v6
            .split_once(']')
            .and_then(|(a, _)| normalize_host(&format!("[{a}]")));
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    normalize_host(host)
}

/// The registrable domain of a normalised host (`blog.dealspotter.example` →
/// `dealspotter.example`), with platform aliases folded in. An address or a host the list
/// cannot place is its own site.
pub fn site_of(host: &str) -> String {
    let site = psl::domain_str(host).unwrap_or(host);
    PLATFORM_ALIASES
        .iter()
        .find(|(alias, _)| *alias == site)
        .map_or(site, |(_, platform)| platform)
        .to_string()
}

/// The declared site of a source: the registrable domain of its URL's host.
pub fn declared_site(source_url: &str) -> Option<String> {
    url_host(source_url).map(|h| site_of(&h))
}

/// The class of a click's referrer against the source's declared site.
pub fn classify(referrer_host: Option<&str>, declared_site: Option<&str>) -> ReferrerClass {
    match (referrer_host, declared_site) {
        (None, _) => ReferrerClass::None,
        (Some(host), Some(site)) if site_of(host) == site => ReferrerClass::Match,
        (Some(_), _) => ReferrerClass::Mismatch,
    }
}

/// Tells bots from people by user agent, with the maintained pattern list of the `isbot`
/// crate. A request without a user agent is a bot: every browser sends one.
#[derive(Default)]
pub struct BotFilter(isbot::Bots);

impl BotFilter {
    pub fn is_bot(&self, user_agent: Option<&str>) -> bool {
        match user_agent.map(str::trim) {
            None | Some("") => true,
            Some(ua) => self.0.is_bot(ua),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferrerClass::{Match, Mismatch};

    fn class(referrer: &str, source: &str) -> ReferrerClass {
        classify(
            url_host(referrer).as_deref(),
            declared_site(source).as_deref(),
        )
    }

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(
            url_host("https://WWW.Example.COM:8443/a?b#c").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            url_host("http://user:pw@blog.example.org/").as_deref(),
            Some("blog.example.org")
        );
        assert_eq!(
            url_host("https://bücher.example/x").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            url_host("https://example.com./").as_deref(),
            Some("example.com")
        );
        assert_eq!(url_host("https://[::1]:8080/").as_deref(), Some("[::1]"));
        assert_eq!(url_host("android-app://com.example"), None);
        assert_eq!(url_host("not a url"), None);
        assert_eq!(url_host("https:///nohost"), None);
    }

    #[test]
    fn the_same_registrable_domain_matches() {
        let src = "https://dealspotter.example/deals";
        assert_eq!(class("https://dealspotter.example/p/1", src), Match);
        assert_eq!(class("https://www.dealspotter.example/", src), Match);
        assert_eq!(class("https://blog.dealspotter.example/", src), Match);
        assert_eq!(class("https://coupons.example/", src), Mismatch);
        assert_eq!(
            class("https://dealspotter.example.evil.test/", src),
            Mismatch
        );
        assert_eq!(
            classify(None, declared_site(src).as_deref()),
            ReferrerClass::None
        );
        // Country-code second levels come from the list, not from counting dots.
        assert_eq!(
            class("https://shop.bbc.co.uk/", "https://www.bbc.co.uk/"),
            Match
        );
        assert_eq!(
            class("https://other.co.uk/", "https://www.bbc.co.uk/"),
            Mismatch
        );
        // Internationalised names compare in one form, however the browser spelled them.
        assert_eq!(
            class("https://xn--bcher-kva.example/", "https://bücher.example/"),
            Match
        );
        assert_eq!(
            class("https://www.bücher.example/", "https://bücher.example/"),
            Match
        );
    }

    #[test]
    fn platform_hosted_sources_match_their_platform() {
        assert_eq!(
            class(
                "https://l.instagram.com/",
                "https://www.instagram.com/dealspotter"
            ),
            Match
        );
        assert_eq!(
            class(
                "https://www.youtube.com/",
                "https://youtube.com/@dealspotter"
            ),
            Match
        );
        assert_eq!(
            class("https://youtu.be/", "https://youtube.com/@dealspotter"),
            Match
        );
        assert_eq!(class("https://t.co/", "https://x.com/dealspotter"), Match);
        // A blogspot blog is a site of its own: another blog on the platform is not it.
        assert_eq!(
            class("https://mine.blogspot.com/p", "https://mine.blogspot.com/"),
            Match
        );
        assert_eq!(
            class("https://theirs.blogspot.com/", "https://mine.blogspot.com/"),
            Mismatch
        );
    }

    #[test]
    fn bots_are_flagged_and_a_missing_agent_is_one() {
        let bots = BotFilter::default();
        assert!(bots.is_bot(Some("Googlebot/2.1 (+http://www.google.com/bot.html)")));
        assert!(bots.is_bot(Some("curl/8.5.0")));
        assert!(bots.is_bot(None));
        assert!(bots.is_bot(Some("  ")));
        assert!(!bots.is_bot(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        )));
    }
}

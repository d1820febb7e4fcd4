//! What the redirect captures for the judge, and nothing more: whether the request is a
//! prefetch or preview, the name of a paid-click identifier in the tracking link's query,
//! and the channel its `utm_medium` says. Cheap string tests only: the judgement itself happens in the
//! drain ([`super::judge`]).

use axum::http::HeaderMap;

/// Paid-click identifiers, in the order they are looked for, with the channel each says.
pub const CLICK_PARAMS: [(&str, &str); 9] = [
    ("gclid", "paid_search"),
    ("gbraid", "paid_search"),
    ("wbraid", "paid_search"),
    ("msclkid", "paid_search"),
    ("fbclid", "social"),
    ("ttclid", "social"),
    ("twclid", "social"),
    ("li_fat_id", "social"),
    ("dclid", "display"),
];

/// User agents of link-preview fetchers that do not call themselves bots.
const PREVIEW_AGENTS: [&str; 12] = [
    "facebookexternalhit",
    "twitterbot",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "whatsapp",
    "telegrambot",
    "linkedinbot",
    "skypeuripreview",
    "embedly",
    "iframely",
    "vkshare",
];

/// A prefetch or preview request: `Sec-Purpose: prefetch`, `Purpose: prefetch`,
/// `X-Purpose: preview`, `X-Moz: prefetch`, or a known link-preview fetcher.
pub fn prefetch(headers: &HeaderMap, user_agent: Option<&str>) -> bool {
    let says = |name: &str, word: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(word))
    };
    if says("sec-purpose", "prefetch")
        || says("purpose", "prefetch")
        || says("x-purpose", "preview")
        || says("x-moz", "prefetch")
    {
        return true;
    }
    user_agent.is_some_and(|ua| {
        let ua = ua.to_ascii_lowercase();
        PREVIEW_AGENTS.iter().any(|p| ua.contains(p))
    })
}

/// The channel a `utm_medium` says, if any (compared in lower case).
pub fn medium_channel(medium: &str) -> Option<&'static str> {
    let m = medium.to_ascii_lowercase();
    match m.as_str() {
        "cpc" | "ppc" => Some("paid_search"),
        m if m.starts_with("paid") => Some("paid_search"),
        "email" | "e-mail" | "newsletter" => Some("email"),
        "social" => Some("social"),
        "display" | "banner" => Some("display"),
        "affiliate" | "referral" => Some("content"),
        _ => None,
    }
}

/// The tracking link's query: (the first paid-click identifier present, the channel its
/// `utm_medium` says). Only names and channel ids come out: no value of the query is kept,
/// not even in the journal.
pub fn query(query: Option<&str>) -> (Option<&'static str>, Option<&'static str>) {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return (None, None);
    };
    let mut found: Option<usize> = None;
    let mut medium = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if let Some(i) = CLICK_PARAMS.iter().position(|(p, _)| *p == name) {
            found = Some(found.map_or(i, |f| f.min(i)));
        } else if name == "utm_medium" && medium.is_none() && value.len() <= 64 {
            medium = medium_channel(value);
        }
    }
    (found.map(|i| CLICK_PARAMS[i].0), medium)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_by_priority_and_the_medium() {
        assert_eq!(query(None), (None, None));
        assert_eq!(query(Some("fbclid=1&gclid=2")), (Some("gclid"), None));
        assert_eq!(
            query(Some("utm_medium=CPC&x=1")),
            (None, Some("paid_search"))
        );
        assert_eq!(
            query(Some("utm_medium=paid_social")),
            (None, Some("paid_search"))
        );
        assert_eq!(query(Some("utm_medium=podcast")), (None, None));
        assert_eq!(query(Some("dclid")), (Some("dclid"), None));
    }

    #[test]
    fn prefetch_headers_and_preview_agents() {
        let mut h = HeaderMap::new();
        assert!(!prefetch(&h, Some("Mozilla/5.0")));
        assert!(prefetch(&h, Some("WhatsApp/2.23")));
        h.insert("sec-purpose", "prefetch;prerender".parse().unwrap());
        assert!(prefetch(&h, None));
    }
}

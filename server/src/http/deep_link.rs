//! Deep links: `/t/{code}?to=<url>` lands on `to` when its host is the landing URL's host
//! or one of the program's permitted domains (or a subdomain of one); otherwise on the
//! landing URL. Only http(s) addresses are followed.

use crate::clicks::resolve::Link;

/// What a click's `to` came to, for the click ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeepLink {
    Followed,
    Refused,
}

impl DeepLink {
    pub fn id(self) -> &'static str {
        match self {
            DeepLink::Followed => "followed",
            DeepLink::Refused => "refused",
        }
    }
}

/// The `to` parameter of a query string, decoded.
pub fn requested(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.into_owned())
}

/// Where the click goes: `to` when permitted, else the landing URL.
pub fn destination(link: &Link, to: Option<&str>) -> (String, Option<DeepLink>) {
    let Some(to) = to else {
        return (link.landing_url.clone(), None);
    };
    if permitted(link, to) {
        (to.to_string(), Some(DeepLink::Followed))
    } else {
        (link.landing_url.clone(), Some(DeepLink::Refused))
    }
}

fn permitted(link: &Link, to: &str) -> bool {
    let Ok(target) = url::Url::parse(to) else {
        return false;
    };
    if !matches!(target.scheme(), "http" | "https") || !target.username().is_empty() {
        return false;
    }
    let (Some(host), Some(landing)) = (
        target.host_str(),
        url::Url::parse(&link.landing_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string)),
    ) else {
        return false;
    };
    let domains: Vec<String> = serde_json::from_str(&link.permitted_domains).unwrap_or_default();
    model::program::host_permitted(host, &landing, &domains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Status;

    fn link() -> Link {
        Link {
            collaboration_id: 1,
            status: Status::Active,
            landing_url: "https://shop.example/welcome".into(),
            traffic_source_id: 1,
            source_url: "https://blog.example/".into(),
            partner_id: 1,
            program_id: 1,
            advertiser_id: 1,
            approved: true,
            permitted_domains: r#"["brand.example"]"#.into(),
        }
    }

    #[test]
    fn follows_the_landing_host_and_permitted_domains_only() {
        let l = link();
        for (to, followed) in [
            ("https://shop.example/sale?x=1", true),
            ("https://brand.example/a", true),
            ("https://eu.brand.example/a", true),
            ("https://notbrand.example/a", false),
            ("https://evil.example/?https://shop.example", false),
            ("javascript:alert(1)", false),
            ("https://user@shop.example/", false),
            ("not a url", false),
        ] {
            let (dest, flag) = destination(&l, Some(to));
            if followed {
                assert_eq!(
                    (dest.as_str(), flag),
                    (to, Some(DeepLink::Followed)),
                    "{to}"
                );
            } else {
                assert_eq!(
                    (dest.as_str(), flag),
                    (l.landing_url.as_str(), Some(DeepLink::Refused)),
                    "{to}"
                );
            }
        }
        assert_eq!(destination(&l, None), (l.landing_url.clone(), None));
    }

    #[test]
    fn reads_to_from_the_query() {
        assert_eq!(
            requested(Some("a=1&to=https%3A%2F%2Fshop.example%2Fx%3Fy%3D2")),
            Some("https://shop.example/x?y=2".into())
        );
        assert_eq!(requested(Some("a=1")), None);
        assert_eq!(requested(None), None);
    }
}

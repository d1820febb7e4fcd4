//! THE client's address, one notion for everything that counts per client: rate limits,
//! sign-in throttling, the visitor hash of a click.
//!
//! Without `--client-ip-header` it is the connection's peer. With it, the header's entries
//! are read right to left: each proxy appends the address it was reached from, so with
//! `--trusted-proxies N` the client is the N-th entry from the right. Entries further left
//! were written by the client itself and prove nothing (the old rule took the first one,
//! which any client can forge).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::AppState;

/// How to find the client's address: the settings behind it.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressRule {
    /// The header a trusted proxy writes, lower-case; `None`: the peer address.
    pub header: Option<String>,
    /// Proxies in front of this server that append to `header` (at least 1).
    pub trusted_proxies: usize,
}

impl ClientAddressRule {
    pub fn from_config(config: &crate::Config) -> ClientAddressRule {
        ClientAddressRule {
            header: config
                .client_ip_header
                .as_ref()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            trusted_proxies: config.trusted_proxies.max(1) as usize,
        }
    }

    /// The client's address for a request from `peer` with these headers. A header that
    /// is missing or unreadable at the client's position falls back to the peer: the
    /// proxy, which at worst throttles the proxy rather than trusting a forged entry.
    pub fn client(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        let Some(name) = &self.header else {
            return peer;
        };
        // Several header lines are one list, in order.
        let entries: Vec<&str> = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return peer;
        }
        // Fewer entries than proxies: the request passed fewer proxies, and the
        // left-most entry is the one the first of them wrote.
        let index = entries.len().saturating_sub(self.trusted_proxies);
        parse_entry(entries[index]).unwrap_or(peer)
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim_matches('"');
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:1.2.3.4`) is that IPv4 address,
/// so one client never counts as two.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The peer of the connection a request came on (set by [`super::serve`]).
pub fn peer(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))
}

/// The client's address of a request, by the configured rule.
pub fn of(state: &AppState, headers: &HeaderMap, extensions: &axum::http::Extensions) -> IpAddr {
    let peer = peer(extensions).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    state.guard.client_address.client(headers, peer)
}

/// Extractor: the client's address (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(of(state, &parts.headers, &parts.extensions)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(header: Option<&str>, trusted: usize) -> ClientAddressRule {
        ClientAddressRule {
            header: header.map(str::to_string),
            trusted_proxies: trusted,
        }
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9));

    #[test]
    fn without_a_header_setting_the_peer_is_the_client_whatever_is_sent() {
        let h = headers(&["203.0.113.7"]);
        assert_eq!(rule(None, 1).client(&h, PEER), PEER);
    }

    #[test]
    fn the_client_is_the_entry_the_trusted_proxies_say_not_the_first() {
        // The client forged "1.1.1.1"; the one proxy appended the address it saw.
        let h = headers(&["1.1.1.1, 203.0.113.7"]);
        assert_eq!(
            rule(Some("x-forwarded-for"), 1).client(&h, PEER),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Two proxies: the right-most entry is the first proxy's address.
        let h = headers(&["1.1.1.1, 203.0.113.7", "192.0.2.10"]);
        assert_eq!(
            rule(Some("x-forwarded-for"), 2).client(&h, PEER),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Fewer entries than proxies: the left-most.
        let h = headers(&["203.0.113.7"]);
        assert_eq!(
            rule(Some("x-forwarded-for"), 3).client(&h, PEER),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_read_and_junk_falls_back_to_the_peer() {
        let r = rule(Some("x-forwarded-for"), 1);
        assert_eq!(
            r.client(&headers(&["[2001:db8::1]:443"]), PEER),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            r.client(&headers(&["198.51.100.2:5678"]), PEER),
            "198.51.100.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            r.client(&headers(&["::ffff:198.51.100.2"]), PEER),
            "198.51.100.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(r.client(&headers(&["unknown"]), PEER), PEER);
        assert_eq!(r.client(&HeaderMap::new(), PEER), PEER);
    }
}

//! The one way the checker reaches a site a user typed in, guarded against being turned on
//! our own network (SSRF), after the approach of Mastodon's `Request`: resolve the host
//! ourselves, refuse it if any of its addresses is not a public unicast one, then connect to
//! the vetted address and no other, so a second DNS answer (rebinding) cannot switch it.
//! Redirects are followed by hand, each hop vetted the same way.
//!
//! What a partner reads of a failure never shows an address a name resolved to (that is
//! our network's view, not theirs), and every failure to get an answer, whether refused,
//! silent or garbled, reads the same: the checker is not a port scanner.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::Url;

use super::dns::Dns;

/// Most redirects followed from the first address.
pub const MAX_REDIRECTS: usize = 3;
/// The whole fetch, redirects included.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes of a body read; the rest is never downloaded.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Why a fetch did not happen or did not finish, in words for the partner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("the address {0} is not a web address we can check")]
    BadUrl(String),
    #[error("only http and https addresses can be checked, not {0}")]
    Scheme(String),
    /// Refused before any connection: the host is (or resolves to) a non-public address.
    /// The words name the address only when the host is that address, typed by the user.
    #[error("{}", refused_words(host, *addr, class))]
    Refused {
        host: String,
        addr: IpAddr,
        class: &'static str,
    },
    #[error("{0}")]
    Dns(String),
    #[error("the site redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    /// A redirect left the site the fetch was asked to stay on ([`Fetcher::get_on_site`]):
    /// not followed. `to` and `site` are `host[:port]` as the URLs spell them.
    #[error("the site redirected to {to}, which is not {site}")]
    OffSite { to: String, site: String },
    /// Only where the fetch's deadline is not the site's doing (a webhook's DNS look-up).
    #[error("the look-up did not finish within {} seconds", TOTAL_TIMEOUT.as_secs())]
    Timeout,
    /// Refused, reset, silent, not HTTP, a bad certificate: one wording for all, so that the
    /// answer does not tell an open port from a closed or filtered one.
    #[error("the site could not be reached")]
    Unreachable,
}

fn refused_words(host: &str, addr: IpAddr, class: &str) -> String {
    let typed = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip == addr);
    if typed {
        format!("{host} is {class}, which is never checked")
    } else {
        format!("{host} does not point to a public internet address, so it is never checked")
    }
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    /// At most [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
    pub final_url: Url,
}

/// Why an address is never fetched, or `None` for a public unicast one. Covers every
/// special-purpose range of the IANA registries a request could be steered into.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => {
            // ::ffff:a.b.c.d reaches the IPv4 address itself.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refusal_v4(v4).map(|_| "an IPv4-mapped private or reserved address");
            }
            let s = v6.segments();
            if v6.is_unspecified() {
                Some("the unspecified address")
            } else if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if v6.is_unique_local() {
                Some("a unique-local (private) address")
            } else if v6.is_unicast_link_local() || (s[0] & 0xffc0) == 0xfec0 {
                Some("a link-local address")
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("a documentation address")
            } else if s[..6] == [0; 6] || (s[0] == 0x64 && s[1] == 0xff9b) || s[0] == 0x2002 {
                // IPv4-compatible (::a.b.c.d), NAT64 and 6to4 embed an IPv4 address a
                // gateway may forward to; none is how a website is published.
                Some("an address embedding an IPv4 address")
            } else if s[0] == 0x0100 && s[1..4] == [0; 3] {
                Some("a discard-only address")
            } else {
                None
            }
        }
    }
}

fn refusal_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = v4.octets();
    if v4.is_unspecified() || a == 0 {
        Some("the unspecified address")
    } else if v4.is_loopback() {
        Some("a loopback address")
    } else if v4.is_private() {
        Some("a private address")
    } else if v4.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("a carrier-grade NAT address")
    } else if v4.is_broadcast() {
        Some("the broadcast address")
    } else if v4.is_multicast() {
        Some("a multicast address")
    } else if v4.is_documentation() {
        Some("a documentation address")
    } else if a == 198 && (b & 0xfe) == 18 {
        Some("a benchmarking address")
    } else if a >= 240 || (a == 192 && b == 0 && c == 0) {
        Some("a reserved address")
    } else {
        None
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::LOCALHOST || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[derive(Clone)]
pub struct Fetcher {
    dns: Dns,
    /// Tests only: lets loopback through, and nothing else.
    allow_loopback: bool,
}

impl Fetcher {
    pub fn new(dns: Dns, allow_loopback: bool) -> Fetcher {
        Fetcher {
            dns,
            allow_loopback,
        }
    }

    /// Whether this address may be connected to.
    pub fn vet(&self, host: &str, addr: IpAddr) -> Result<(), FetchError> {
        match refusal(addr) {
            Some(_) if self.allow_loopback && is_loopback(addr) => Ok(()),
            Some(class) => Err(FetchError::Refused {
                host: host.to_string(),
                addr,
                class,
            }),
            None => Ok(()),
        }
    }

    /// The address to connect to for `url`: its literal or its resolved addresses, every
    /// one of which must pass [`Fetcher::vet`] (one bad address among good ones could be
    /// the one a later connection picks).
    pub async fn vetted_address(&self, url: &Url) -> Result<SocketAddr, FetchError> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| FetchError::BadUrl(url.to_string()))?;
        let (name, addrs) = match url.host() {
            Some(url::Host::Ipv4(v4)) => (v4.to_string(), vec![IpAddr::V4(v4)]),
            Some(url::Host::Ipv6(v6)) => (v6.to_string(), vec![IpAddr::V6(v6)]),
            Some(url::Host::Domain(d)) => (d.to_string(), self.dns.addresses(d).await?),
            None => return Err(FetchError::BadUrl(url.to_string())),
        };
        for addr in &addrs {
            self.vet(&name, *addr)?;
        }
        let first = addrs
            .first()
            .ok_or_else(|| FetchError::Dns(format!("{name} has no address")))?;
        Ok(SocketAddr::new(*first, port))
    }

    /// GET `url`, following at most [`MAX_REDIRECTS`] redirects, within [`TOTAL_TIMEOUT`].
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        self.fetch(url, false).await
    }

    /// Like [`Fetcher::get`], but a redirect is followed only on the same site (see
    /// [`same_site`]): what is found elsewhere proves nothing about `url`'s site.
    pub async fn get_on_site(&self, url: &str) -> Result<Fetched, FetchError> {
        self.fetch(url, true).await
    }

    async fn fetch(&self, url: &str, on_site: bool) -> Result<Fetched, FetchError> {
        let deadline = Instant::now() + TOTAL_TIMEOUT;
        match tokio::time::timeout(TOTAL_TIMEOUT, self.get_until(url, deadline, on_site)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Unreachable),
        }
    }

    async fn get_until(
        &self,
        url: &str,
        deadline: Instant,
        on_site: bool,
    ) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_string()))?;
        let first = url.clone();
        let mut redirects = 0;
        loop {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(FetchError::Scheme(url.scheme().to_string()));
            }
            let addr = self.vetted_address(&url).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let mut builder = reqwest::Client::builder()
                .redirect(Policy::none())
                .no_proxy()
                .timeout(remaining)
                .user_agent("traffic-sources-verification/1 (ownership check)");
            if let Some(url::Host::Domain(domain)) = url.host() {
                // The connection goes to the vetted address whatever DNS says next; TLS
                // still checks the certificate against the name.
                builder = builder.resolve(domain, addr);
            }
            let client = builder.build().map_err(|_| FetchError::Unreachable)?;
            let mut response = client
                .get(url.clone())
                .header(
                    reqwest::header::ACCEPT,
                    "text/html, text/plain;q=0.9, */*;q=0.1",
                )
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status();
            if status.is_redirection() {
                if let Some(location) = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(FetchError::TooManyRedirects);
                    }
                    url = url
                        .join(location)
                        .map_err(|_| FetchError::BadUrl(location.to_string()))?;
                    // Another scheme is refused as such at the top of the loop.
                    let web = matches!(url.scheme(), "http" | "https");
                    if on_site && web && !same_site(&first, &url) {
                        return Err(FetchError::OffSite {
                            to: host_and_port(&url),
                            site: host_and_port(&first),
                        });
                    }
                    continue;
                }
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
                let room = MAX_BODY_BYTES - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_BODY_BYTES {
                    break;
                }
            }
            return Ok(Fetched {
                status: status.as_u16(),
                body,
                final_url: url,
            });
        }
    }
}

/// Every transport failure reads the same to the partner; the cause goes to the log at
/// debug level only (it can name the address the connection went to).
fn unreachable(e: reqwest::Error) -> FetchError {
    tracing::debug!(error = %e, "an ownership-check fetch failed");
    FetchError::Unreachable
}

/// The host a proof was found on may differ from the declared one only by a leading
/// `www.`, and its port only as `http`→`https` moves between the two default ports (one
/// listener per port: an explicit port must be the same, whatever the scheme).
pub fn same_site(declared: &Url, found: &Url) -> bool {
    fn bare(url: &Url) -> Option<String> {
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        Some(match host.strip_prefix("www.") {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => host,
        })
    }
    let (Some(a), Some(b)) = (bare(declared), bare(found)) else {
        return false;
    };
    if a != b {
        return false;
    }
    // `port()` is `None` exactly when the URL uses its scheme's default port.
    match (declared.port(), found.port()) {
        (None, None) => true,
        (Some(p), Some(q)) => p == q,
        _ => false,
    }
}

/// `host[:port]`, the port only when it is not the scheme's default.
fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{refusal, same_site};
    use reqwest::Url;
    use std::net::IpAddr;

    #[test]
    fn the_same_site_is_the_host_give_or_take_www_and_its_port() {
        let url = |s: &str| Url::parse(s).unwrap();
        let shop = url("http://shop.example/a");
        for ok in [
            "http://shop.example/b",
            "https://shop.example/",
            "https://www.shop.example/x",
            "http://SHOP.example./",
            "https://shop.example:443/",
        ] {
            assert!(same_site(&shop, &url(ok)), "{ok}");
        }
        for other in [
            "http://other.example/",
            "http://example/",
            "http://blog.shop.example/",
            "http://shop.example.evil/",
            "http://shop.example:8080/",
            "https://shop.example:8443/",
            "http://127.0.0.1/",
        ] {
            assert!(!same_site(&shop, &url(other)), "{other}");
        }
        assert!(same_site(
            &url("https://www.shop.example/"),
            &url("https://shop.example/")
        ));
        let port = url("http://shop.example:8080/");
        assert!(same_site(&port, &url("http://www.shop.example:8080/x")));
        assert!(!same_site(&port, &url("http://shop.example:8081/")));
        assert!(same_site(&port, &url("https://shop.example:8080/")));
        assert!(!same_site(&port, &url("http://shop.example/")));
    }

    #[test]
    fn every_special_range_is_refused_and_public_addresses_pass() {
        for bad in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "100::1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(refusal(ip).is_some(), "{bad} must be refused");
        }
        for good in [
            "93.184.215.14",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = good.parse().unwrap();
            assert_eq!(refusal(ip), None, "{good} is public");
        }
    }
}

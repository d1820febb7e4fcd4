//! DNS look-ups for the checker: TXT records for the DNS proof, and every address of a host
//! for the fetcher to vet. The resolver is the system's, or the one `--dns-server` names
//! (tests run their own on 127.0.0.1). Nothing is cached: a partner who has just published
//! a record and presses "Verify now" again must not be answered from a stale negative.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{
    LookupIpStrategy, NameServerConfig, NameServerConfigGroup, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};

use super::fetch::FetchError;

#[derive(Clone)]
pub struct Dns {
    resolver: Arc<TokioResolver>,
}

/// What a TXT look-up found.
pub enum Txt {
    Records(Vec<String>),
    /// The name does not exist, or has no TXT record.
    None,
    /// The look-up itself failed (timeout, refused). Why stays in the debug log: it can
    /// name our resolver's address.
    Failed,
}

impl Dns {
    /// `server`: a resolver to ask instead of the system's (`/etc/resolv.conf`).
    pub fn new(server: Option<SocketAddr>) -> std::io::Result<Dns> {
        let provider = TokioConnectionProvider::default();
        let builder = match server {
            Some(addr) => {
                let mut group = NameServerConfigGroup::new();
                group.push(NameServerConfig::new(addr, Protocol::Udp));
                group.push(NameServerConfig::new(addr, Protocol::Tcp));
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], group),
                    provider,
                )
            }
            None => TokioResolver::builder(provider).map_err(std::io::Error::other)?,
        };
        let mut opts = ResolverOpts::default();
        opts.cache_size = 0;
        opts.timeout = Duration::from_secs(2);
        opts.attempts = 1;
        // Both families: every address is vetted, not only the first family's.
        opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        // /etc/hosts could name internal machines; only DNS answers count.
        opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
        Ok(Dns {
            resolver: Arc::new(builder.with_options(opts).build()),
        })
    }

    /// Every address of `host`.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, FetchError> {
        // A trailing dot: the name is absolute, never completed with a search domain.
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        match self.resolver.lookup_ip(fqdn.as_str()).await {
            Ok(found) => {
                let addrs: Vec<IpAddr> = found.iter().collect();
                if addrs.is_empty() {
                    Err(FetchError::Dns(format!("{host} has no address in DNS")))
                } else {
                    Ok(addrs)
                }
            }
            Err(e) if missing(&e) => Err(FetchError::Dns(format!("{host} has no address in DNS"))),
            Err(e) => {
                tracing::debug!(error = %e, host, "a DNS look-up for an ownership check failed");
                Err(FetchError::Dns(format!("the DNS look-up of {host} failed")))
            }
        }
    }

    /// The TXT records of `name`, each record's strings joined as RFC 7208 does.
    pub async fn txt(&self, name: &str) -> Txt {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.txt_lookup(fqdn.as_str()).await {
            Ok(found) => Txt::Records(
                found
                    .iter()
                    .map(|txt| {
                        txt.txt_data()
                            .iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>()
                    })
                    .collect(),
            ),
            Err(e) if missing(&e) => Txt::None,
            Err(e) => {
                tracing::debug!(error = %e, name, "a TXT look-up for an ownership check failed");
                Txt::Failed
            }
        }
    }
}

fn missing(e: &ResolveError) -> bool {
    e.is_nx_domain() || e.is_no_records_found()
}

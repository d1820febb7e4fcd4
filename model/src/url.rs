//! Web addresses: absolute http(s) URLs with a host, stored in one normal form so that
//! `HTTPS://Example.COM:443/a` and `https://example.com/a` are recognised as the same.
//!
//! Hand-written rather than the `url` crate: the single-page app ships this code, and
//! IDNA tables would add a large share of the wasm bundle for no rule we need.

/// Longest address accepted, in bytes of its normal form.
pub const MAX_URL_LEN: usize = 2048;

/// Why an address was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    TooLong,
    NotHttp,
    NoHost,
    Credentials,
    BadHost,
    BadPort,
    Whitespace,
}

impl UrlError {
    pub fn message(&self) -> &'static str {
        match self {
            UrlError::Empty => "Enter the web address, e.g. https://example.com.",
            UrlError::TooLong => "Use an address of at most 2048 characters.",
            UrlError::NotHttp => "Start the address with http:// or https://.",
            UrlError::NoHost => "Add the site's domain after https://, e.g. https://example.com.",
            UrlError::Credentials => "Remove the user name and password from the address.",
            UrlError::BadHost => "The domain name is not valid.",
            UrlError::BadPort => "The port number is not valid.",
            UrlError::Whitespace => "Remove the spaces from the address.",
        }
    }
}

/// Parses and normalises an absolute http or https URL.
///
/// Scheme and host are lower-cased, the default port (80 for http, 443 for https)
/// is dropped, and an empty path becomes `/`. Path, query and fragment are kept as typed.
pub fn normalize_url(raw: &str) -> Result<String, UrlError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(UrlError::Empty);
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::Whitespace);
    }
    let (scheme, rest) = raw.split_once("://").ok_or(UrlError::NotHttp)?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return Err(UrlError::NotHttp),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let host = normalize_host(host)?;
    let mut out = String::with_capacity(raw.len());
    out.push_str(&scheme);
    out.push_str("://");
    out.push_str(&host);
    if let Some(port) = port {
        let value: u32 = port.parse().map_err(|_| UrlError::BadPort)?;
        if port.is_empty() || value == 0 || value > 65535 {
            return Err(UrlError::BadPort);
        }
        let port = value.to_string();
        if port != default_port {
            out.push(':');
            out.push_str(&port);
        }
    }
    if !tail.starts_with('/') {
        out.push('/');
    }
    out.push_str(tail);
    if out.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    Ok(out)
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if let Some(rest) = authority.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        let close = rest.find(']').ok_or(UrlError::BadHost)?;
        let host = &authority[..close + 2];
        let after = &rest[close + 1..];
        return match after {
            "" => Ok((host, None)),
            _ => after
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or(UrlError::BadHost),
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn normalize_host(host: &str) -> Result<String, UrlError> {
    if host.starts_with('[') {
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(UrlError::BadHost);
        }
        return Ok(host.to_ascii_lowercase());
    }
    let host = host.strip_suffix('.').unwrap_or(host).to_lowercase();
    if host.len() > 253 {
        return Err(UrlError::BadHost);
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(UrlError::BadHost);
        }
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_scheme_host_and_default_port() {
        assert_eq!(
            normalize_url("HTTPS://Example.COM:443/A?b=C#d").unwrap(),
            "https://example.com/A?b=C#d"
        );
        assert_eq!(
            normalize_url("http://example.com:80").unwrap(),
            "http://example.com/"
        );
        assert_eq!(
            normalize_url("http://example.com:8080/x").unwrap(),
            "http://example.com:8080/x"
        );
        assert_eq!(
            normalize_url("https://example.com.").unwrap(),
            "https://example.com/"
        );
        assert_eq!(
            normalize_url("https://[::1]:8443/").unwrap(),
            "https://[::1]:8443/"
        );
        assert_eq!(
            normalize_url("https://blog.example.com?x=1").unwrap(),
            "https://blog.example.com/?x=1"
        );
    }

    #[test]
    fn refuses_what_is_not_an_absolute_web_address() {
        assert_eq!(normalize_url(""), Err(UrlError::Empty));
        assert_eq!(normalize_url("example.com"), Err(UrlError::NotHttp));
        assert_eq!(normalize_url("ftp://example.com"), Err(UrlError::NotHttp));
        assert_eq!(
            normalize_url("javascript://alert(1)"),
            Err(UrlError::NotHttp)
        );
        assert_eq!(normalize_url("https://"), Err(UrlError::NoHost));
        assert_eq!(normalize_url("https:///path"), Err(UrlError::NoHost));
        assert_eq!(
            normalize_url("https://user:pw@example.com"),
            Err(UrlError::Credentials)
        );
        assert_eq!(
            normalize_url("https://exa mple.com"),
            Err(UrlError::Whitespace)
        );
        assert_eq!(
            normalize_url("https://example.com:99999"),
            Err(UrlError::BadPort)
        );
        assert_eq!(
            normalize_url("https://example.com:"),
            Err(UrlError::BadPort)
        );
        assert_eq!(normalize_url("https://-bad-.com"), Err(UrlError::BadHost));
        assert_eq!(normalize_url("https://a..b"), Err(UrlError::BadHost));
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(normalize_url(&long), Err(UrlError::TooLong));
    }
}

//! One delivery: a signed POST to an endpoint, through the ownership checker's guard
//! against our own network (`verify::fetch`): the host is resolved and vetted anew at each
//! attempt, and the connection goes to the vetted address only, so a DNS answer that
//! changes (rebinding) cannot steer it. No redirect is followed: a 3xx is a failure. The
//! whole attempt has a deadline, and only the start of the answer is read.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::Url;

use crate::verify::fetch::{FetchError, Fetcher};

/// Bytes of a receiver's answer read; the rest is never downloaded.
const READ_BYTES: usize = 2048;

#[derive(Clone)]
pub struct Sender {
    fetcher: Fetcher,
    timeout: Duration,
}

/// What the receiver answered, or why it did not.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// The start of its body, as text.
    pub response: Option<String>,
    pub error: Option<String>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The signed request.
pub struct Signed<'a> {
    pub message_id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: &'a str,
}

impl Sender {
    pub fn new(fetcher: Fetcher, timeout: Duration) -> Sender {
        Sender { fetcher, timeout }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Why `url` may not receive deliveries, in words for its owner; `None` when its host
    /// resolves to public addresses only (or loopback under the test setting). The address
    /// it resolves to is not said: that would map our network for whoever asks.
    pub async fn refusal(&self, url: &str) -> Option<String> {
        let parsed = match Url::parse(url) {
            Ok(u) => u,
            Err(_) => return Some("This is not a web address we can send to.".into()),
        };
        match tokio::time::timeout(self.timeout, self.fetcher.vetted_address(&parsed)).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(refusal_words(&e)),
            Err(_) => Some("Looking up the address's host took too long.".into()),
        }
    }

    /// POSTs `signed` to `url` within the timeout.
    pub async fn post(&self, url: &str, signed: &Signed<'_>) -> Answer {
        let started = Instant::now();
        let result = tokio::time::timeout(self.timeout, self.post_now(url, signed)).await;
        let latency_ms = started.elapsed().as_millis() as i64;
        match result {
            Ok(Ok((status, response))) => Answer {
                status: Some(status),
                latency_ms,
                response: Some(response).filter(|r| !r.is_empty()),
                error: None,
            },
            Ok(Err(error)) => Answer {
                status: None,
                latency_ms,
                response: None,
                error: Some(error),
            },
            Err(_) => Answer {
                status: None,
                latency_ms,
                response: None,
                error: Some(format!(
                    "No answer within {} seconds.",
                    self.timeout.as_secs_f64()
                )),
            },
        }
    }

    async fn post_now(&self, url: &str, signed: &Signed<'_>) -> Result<(u16, String), String> {
        let url = Url::parse(url).map_err(|_| "The address is not valid.".to_string())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("Only http and https addresses receive deliveries.".into());
        }
        let addr = self
            .fetcher
            .vetted_address(&url)
            .await
            .map_err(|e| refusal_words(&e))?;
        let mut builder = reqwest::Client::builder()
            .redirect(Policy::none())
            .no_proxy()
            // The deadline of the whole attempt is `post`'s; this one only backs it up.
            .timeout(self.timeout + Duration::from_secs(1))
            .user_agent("traffic-sources-webhooks/1");
        if let Some(url::Host::Domain(domain)) = url.host() {
            // The vetted address and no other; TLS still checks the certificate's name.
            builder = builder.resolve(domain, addr);
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        let mut response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", signed.message_id)
            .header("webhook-timestamp", signed.timestamp.to_string())
            .header("webhook-signature", signed.signature)
            .body(signed.body.to_string())
            .send()
            .await
            .map_err(|e| connect_words(&e))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        // A receiver's answer only matters for its owner's log: read its start, no more.
        while body.len() < READ_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk[..chunk.len().min(READ_BYTES - body.len())])
                }
                _ => break,
            }
        }
        let text: String = String::from_utf8_lossy(&body)
            .chars()
            .take(model::webhook::RESPONSE_KEPT_CHARS)
            .collect();
        Ok((status, text))
    }
}

fn refusal_words(e: &FetchError) -> String {
    match e {
        FetchError::Refused { host, class, .. } => {
            format!("{host} points to {class}: deliveries go only to public internet addresses.")
        }
        FetchError::Dns(_) => "The address's host has no address in DNS.".into(),
        FetchError::BadUrl(_) | FetchError::Scheme(_) => {
            "This is not a web address we can send to.".into()
        }
        FetchError::Timeout => "Looking up the address's host took too long.".into(),
        other => other.to_string(),
    }
}

/// reqwest's message names the URL, which the owner knows; keep the cause.
fn connect_words(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("Could not deliver: {cause}.")
}

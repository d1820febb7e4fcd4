//! Signing per the Standard Webhooks specification: the secret is `whsec_` and the base64
//! of a random key; each attempt is signed with HMAC-SHA256 over `id.timestamp.body`, and
//! `webhook-signature` carries `v1,<base64>`, one per key in force, space-separated.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Bytes of a new key (the spec asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new secret, `whsec_…`.
pub fn new_secret() -> String {
    let key: [u8; KEY_BYTES] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// A new `webhook-id`: `msg_` and 32 random hex digits, one per event.
pub fn new_message_id() -> String {
    format!("msg_{:032x}", rand::random::<u128>())
}

/// `v1,<base64 signature>` of one attempt by one secret; `None` for a secret that is not
/// `whsec_` and base64 (never written by this server).
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: a signature by each secret in force, the current first.
pub fn signature_header(secrets: &[&str], message_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_the_specifications_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn new_secrets_are_random_keys_of_32_bytes() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(STANDARD.decode(&a[6..]).unwrap().len(), 32);
        assert!(sign("not-a-secret", "m", 1, "").is_none());
        let header = signature_header(&[&a, &b], "msg_1", 5, "{}");
        assert_eq!(header.split(' ').count(), 2);
        assert!(header.starts_with(&sign(&a, "msg_1", 5, "{}").unwrap()));
    }
}

//! Random identifiers of the tracking links: the code in `/t/{code}` and the click id
//! appended to the landing URL.
//!
//! Base62 (letters and digits) so that a double click selects a whole code and nothing
//! needs escaping anywhere; 16 characters carry log2(62^16) ≈ 95 bits.

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

pub const TRACKING_CODE_LEN: usize = 16;

/// An unguessable tracking code, straight from the operating system's generator.
pub fn tracking_code() -> String {
    Alphanumeric.sample_string(&mut OsRng, TRACKING_CODE_LEN)
}

/// A click id: unique per click, not a secret, so the fast thread-local generator
/// (a CSPRNG seeded from the OS) is enough.
pub fn click_id() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 16)
}

/// Whether `text` could be a code at all; anything else is answered without a lookup.
/// Lenient on length so codes of another length stay valid if the format changes.
pub fn looks_like_code(text: &str) -> bool {
    (8..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_base62_of_the_right_length_and_unique() {
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| tracking_code()).collect();
        assert_eq!(codes.len(), 1000);
        assert!(codes
            .iter()
            .all(|c| c.len() == TRACKING_CODE_LEN && looks_like_code(c)));
    }

    #[test]
    fn only_code_shaped_text_is_looked_up() {
        assert!(looks_like_code("Ab3dEf9hIj2lMn0p"));
        assert!(!looks_like_code("short"));
        assert!(!looks_like_code("has-dash-and_underscore"));
        assert!(!looks_like_code(&"a".repeat(65)));
    }
}

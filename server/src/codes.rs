//! Identifiers of the tracking links: the random code in `/t/{code}` and the time-ordered
//! click id appended to the landing URL.
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

/// Digits, then upper case, then lower case: the ASCII order, so that text order is
/// number order.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 62^9 ms reach far past the year 10,000.
const CLICK_TIME_LEN: usize = 9;
const CLICK_RANDOM_LEN: usize = 13;

/// A click id for a click made at `at_ms`: unique per click, not a secret.
///
/// Time-ordered, like a ULID: 9 base62 characters of the time, then 13 random ones
/// (≈ 77 bits, from the fast thread-local CSPRNG). Why: the ledger's unique index on
/// click ids then grows at its end. Fully random ids put each insert on a random page of
/// the whole index, and a drain rewrote thousands of pages per batch (about 30 µs of CPU
/// a click on SQLite, more than the rest of the redirect together).
pub fn click_id(at_ms: i64) -> String {
    let mut out = String::with_capacity(CLICK_TIME_LEN + CLICK_RANDOM_LEN);
    let mut time = [0u8; CLICK_TIME_LEN];
    let mut t = at_ms.max(0) as u64;
    for slot in time.iter_mut().rev() {
        *slot = BASE62[(t % 62) as usize];
        t /= 62;
    }
    out.extend(time.iter().map(|&b| b as char));
    Alphanumeric.append_string(&mut rand::thread_rng(), &mut out, CLICK_RANDOM_LEN);
    out
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
    fn click_ids_sort_by_time_and_are_unique() {
        let times = [
            0,
            1,
            61,
            62,
            1_700_000_000_000,
            1_700_000_000_001,
            4_102_444_800_000,
        ];
        let ids: Vec<String> = times.iter().map(|&t| click_id(t)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(ids.iter().all(|id| id.len() == 22 && looks_like_code(id)));
        assert!(click_id(62).starts_with("000000010"));
        let same_ms: std::collections::HashSet<String> = (0..1000).map(|_| click_id(5)).collect();
        assert_eq!(same_ms.len(), 1000);
    }

    #[test]
    fn only_code_shaped_text_is_looked_up() {
        assert!(looks_like_code("Ab3dEf9hIj2lMn0p"));
        assert!(!looks_like_code("short"));
        assert!(!looks_like_code("has-dash-and_underscore"));
        assert!(!looks_like_code(&"a".repeat(65)));
    }
}

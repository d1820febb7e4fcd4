//! Unique visitors without keeping who they are: a click stores
//! `sha256(salt of the day ‖ IP ‖ user agent)`, never the address itself. The salt is random,
//! one per UTC day, shared by every instance through the database, and deleted once the
//! day is over, so yesterday's hashes can no longer be linked to an address by anyone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::RwLock;

use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::Db;

pub const DAY_MS: i64 = 86_400_000;

pub fn day_of(at_ms: i64) -> i64 {
    at_ms - at_ms.rem_euclid(DAY_MS)
}

/// The salts of today and tomorrow, held in memory so a click never waits for the
/// database; [`Salts::refresh`] keeps them current.
#[derive(Default)]
pub struct Salts {
    by_day: RwLock<HashMap<i64, String>>,
}

impl Salts {
    /// The visitor hash of a click at `at_ms` (32 hex characters).
    pub fn visitor_hash(&self, at_ms: i64, ip: Option<IpAddr>, user_agent: &str) -> String {
        let day = day_of(at_ms);
        let salt = self.salt(day);
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update([0]);
        match ip {
            Some(IpAddr::V4(a)) => h.update(a.octets()),
            Some(IpAddr::V6(a)) => h.update(a.octets()),
            None => {}
        }
        h.update([0]);
        h.update(user_agent.as_bytes());
        let digest = h.finalize();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(32);
        for b in &digest[..16] {
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
        out
    }

    fn salt(&self, day: i64) -> String {
        if let Some(s) = self
            .by_day
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&day)
        {
            return s.clone();
        }
        // Not loaded yet (a test without the background task, or the database was
        // unreachable at midnight): a salt of this process for the day. Uniques are then
        // counted per instance until the shared one is loaded; nothing is lost.
        let mut map = self.by_day.write().unwrap_or_else(|e| e.into_inner());
        map.entry(day).or_insert_with(new_salt).clone()
    }

    /// Makes sure today's and tomorrow's salts exist in the database, loads them, and
    /// deletes older ones everywhere.
    pub async fn refresh(&self, db: &Db, now_ms: i64) -> Result<(), sqlx::Error> {
        let today = day_of(now_ms);
        let mut loaded = HashMap::new();
        for day in [today, today + DAY_MS] {
            sqlx::query("INSERT INTO visitor_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
                .bind(day)
                .bind(new_salt())
                .execute(&db.pool)
                .await?;
            let row = sqlx::query("SELECT salt FROM visitor_salts WHERE day = $1")
                .bind(day)
                .fetch_one(&db.pool)
                .await?;
            loaded.insert(day, row.try_get::<String, _>("salt")?);
        }
        sqlx::query("DELETE FROM visitor_salts WHERE day < $1")
            .bind(today)
            .execute(&db.pool)
            .await?;
        let mut map = self.by_day.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|day, _| *day >= today);
        map.extend(loaded);
        Ok(())
    }
}

fn new_salt() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_hides_the_address_and_rotates_daily() {
        let salts = Salts::default();
        let ip = Some(IpAddr::from([203, 0, 113, 7]));
        let a = salts.visitor_hash(DAY_MS * 10 + 5, ip, "UA");
        assert_eq!(a.len(), 32);
        // Hex of a keyed hash, never the address (a bare "203" can occur in hex by chance).
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert!(!a.contains("203.0.113.7"));
        assert_eq!(
            a,
            salts.visitor_hash(DAY_MS * 11 - 1, ip, "UA"),
            "same day, same visitor"
        );
        assert_ne!(
            a,
            salts.visitor_hash(DAY_MS * 11, ip, "UA"),
            "a new day, a new salt"
        );
        assert_ne!(a, salts.visitor_hash(DAY_MS * 10, ip, "Other UA"));
        assert_ne!(
            a,
            salts.visitor_hash(DAY_MS * 10, Some(IpAddr::from([203, 0, 113, 8])), "UA")
        );
    }
}

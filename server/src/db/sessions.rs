//! Sessions live in the database so that any server instance can serve any request.
//! The cookie holds a random token; the table holds only its SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::Account;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Db;
use crate::time::now_ms;

pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// What the table keys a session by (and live streams remember theirs by).
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session and returns the token for the cookie.
pub async fn create(db: &Db, account_id: i64) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(account_id)
        .bind(now)
        .bind(now + SESSION_TTL_MS)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// The account behind a live session token.
pub async fn account(db: &Db, token: &str) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT a.id, a.email, a.role, a.display_name FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref()
        .map(super::accounts::account_from_row)
        .transpose()
}

pub async fn delete(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends every session of an account ("Sign out everywhere"); returns how many.
pub async fn delete_all_of(db: &Db, account_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Which of these session hashes are still live (present and unexpired).
pub async fn live_among(
    db: &Db,
    hashes: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut live = std::collections::HashSet::new();
    // A few hundred parameters a statement, well under either engine's limit.
    for chunk in hashes.chunks(500) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT token_hash FROM sessions WHERE token_hash IN ({marks}) AND expires_at > ${}",
            chunk.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for hash in chunk {
            query = query.bind(hash);
        }
        for row in query.bind(now_ms()).fetch_all(&db.pool).await? {
            live.insert(sqlx::Row::try_get(&row, 0)?);
        }
    }
    Ok(live)
}

/// Deletes sessions past their expiry; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await?
        .rows_affected())
}

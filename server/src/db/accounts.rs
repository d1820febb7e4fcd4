//! Accounts. (Failed sign-ins are counted in `throttle`.)

use model::{Account, Role};
use sqlx::Row;

use super::Db;
use crate::time::now_ms;

/// An account with its password hash, for sign-in.
pub struct Credentials {
    pub account: Account,
    pub password_hash: String,
}

pub fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: Role::from_id(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
        display_name: row.try_get("display_name")?,
    })
}

/// Inserts an account; `Ok(None)` when the email is already taken.
pub async fn create(
    db: &Db,
    email: &str,
    password_hash: &str,
    role: Role,
    display_name: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO accounts (email, password_hash, role, display_name, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(role.id())
    .bind(display_name)
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await;
    match result {
        Ok(row) => Ok(Some(Account {
            id: row.try_get("id")?,
            email: email.into(),
            role,
            display_name: display_name.into(),
        })),
        Err(e) if super::unique_violation(&e).is_some() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, email, role, display_name, password_hash FROM accounts WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        Ok(Credentials {
            account: account_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
        })
    })
    .transpose()
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")
}

/// Partners by name for staff's filters: `limit` of them after the (name, id) `after`,
/// optionally only those whose name or email contains `q`.
pub async fn partners(
    db: &Db,
    q: Option<&str>,
    after: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<model::account::PartnerSummary>, sqlx::Error> {
    let mut sql = String::from(
        "SELECT id, display_name, email FROM accounts WHERE role = 'partner' AND (display_name, id) > ($1, $2)",
    );
    if q.is_some() {
        sql.push_str(" AND (LOWER(display_name) LIKE $4 ESCAPE '\\' OR email LIKE $4 ESCAPE '\\')");
    }
    sql.push_str(" ORDER BY display_name, id LIMIT $3");
    let (after_name, after_id) = after.unwrap_or(("", 0));
    let mut query = sqlx::query(&sql)
        .bind(after_name)
        .bind(after_id)
        .bind(limit);
    if let Some(q) = q {
        query = query.bind(super::contains_pattern(q));
    }
    query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(model::account::PartnerSummary {
                id: row.try_get("id")?,
                display_name: row.try_get("display_name")?,
                email: row.try_get("email")?,
            })
        })
        .collect()
}

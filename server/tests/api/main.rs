//! Black-box API tests, each run against SQLite and PostgreSQL.

pub mod support;

mod accounts;
mod http;
mod roles;
mod sources;

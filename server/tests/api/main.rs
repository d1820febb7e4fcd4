//! Black-box API tests, each run against SQLite and PostgreSQL.

pub mod support;

mod accounts;
mod admin;
mod crash;
mod events;
mod http;
mod instances;
mod marketplace;
mod notifications;
mod roles;
mod sources;
mod tracking;
mod traffic;

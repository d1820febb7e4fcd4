//! Black-box API tests, each run against SQLite and PostgreSQL.

pub mod fake_net;
pub mod support;

mod accounts;
mod admin;
mod bulk;
mod connections;
mod crash;
mod downloads;
mod emails;
mod events;
mod export;
mod http;
mod instances;
mod live_traffic;
mod marketplace;
mod notifications;
mod review;
mod roles;
mod sign_in_guard;
mod sources;
mod ssrf;
mod tracking;
mod traffic;
mod traffic_csv;
mod traffic_hourly;
mod valid_clicks;
mod verification;
mod verification_access;
mod webhooks;
mod webhooks_crash;
mod webhooks_delivery;

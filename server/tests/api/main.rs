//! Black-box API tests, each run against SQLite and PostgreSQL.

pub mod fake_net;
pub mod support;

mod accounts;
mod admin;
mod bulk;
mod caps;
mod connections;
mod crash;
mod downloads;
mod emails;
mod events;
mod export;
mod http;
mod instances;
mod leaks;
mod live_traffic;
mod marketplace;
mod notifications;
mod ops;
mod outbox_lease;
mod review;
mod roles;
mod sign_in_guard;
mod sign_out_everywhere;
mod sources;
mod ssrf;
mod tracking;
mod traffic;
mod traffic_csv;
mod traffic_hourly;
mod verification;
mod verification_access;
mod verification_site;
mod webhooks;
mod webhooks_crash;
mod webhooks_delivery;

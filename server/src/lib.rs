//! The Traffic Sources server: JSON API under `/api`, tracking redirects under `/t`,
//! and the built single-page app for every other path.
//!
//! Data flows one way: HTTP handler (`http/`) → rules (`model` crate) → queries (`db/`).

pub mod clicks;
pub mod codes;
pub mod config;
pub mod db;
pub mod http;
pub mod password;
pub mod seed;
pub mod time;

use std::sync::Arc;

pub use config::Config;
pub use db::Db;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Tracking-link clicks not yet written; see [`clicks`].
    pub clicks: Arc<clicks::ClickCounter>,
    /// Looks up tracking codes for the redirect.
    pub links: Arc<db::tracking::Resolver>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        AppState {
            links: Arc::new(db::tracking::Resolver::new(
                db.clone(),
                &config.database_url,
            )),
            db,
            config: Arc::new(config),
            clicks: Arc::default(),
        }
    }
}

/// The whole application as a router, so tests can serve it on any listener.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

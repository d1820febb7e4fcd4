//! The Traffic Sources server: JSON API under `/api`, tracking redirects under `/t`,
//! and the built single-page app for every other path.
//!
//! Data flows one way: HTTP handler (`http/`) → rules (`model` crate) → queries (`db/`).

pub mod clicks;
pub mod codes;
pub mod config;
pub mod db;
pub mod email;
pub mod guard;
pub mod http;
pub mod live;
pub mod ops;
pub mod password;
pub mod seed;
pub mod time;
pub mod verify;
pub mod webhooks;

use std::sync::Arc;

pub use config::Config;
pub use db::Db;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The click ledger: journal, drain, rollups; see [`clicks`].
    pub clicks: Arc<clicks::Ledger>,
    /// Looks up tracking codes for the redirect.
    pub links: Arc<clicks::resolve::Resolver>,
    /// Live updates for `/api/events`; see [`live`].
    pub live: Arc<live::Hub>,
    /// Ownership checks of sources' websites; see [`verify`].
    pub verifier: Arc<verify::Verifier>,
    /// Sends the email outbox; see [`email`].
    pub mailer: Arc<email::Mailer>,
    /// The perimeter: the client's address, rate limits, sign-in throttling, hash and
    /// export ceilings; see [`guard`].
    pub guard: Arc<guard::Perimeter>,
    /// Signed webhooks' sender, retry policy and worker wake-up; see [`webhooks`].
    pub webhooks: Arc<webhooks::Webhooks>,
}

impl AppState {
    /// Fails when the click journal cannot be opened (e.g. another running instance holds
    /// its folder).
    /// Starts the live event hub's task, so call it inside the Tokio runtime.
    pub fn new(db: Db, config: Config) -> std::io::Result<AppState> {
        let live = Arc::new(live::Hub::default());
        live.spawn(db.clone(), config.database_url.clone());
        live.sessions.spawn_check(
            db.clone(),
            std::time::Duration::from_secs(config.events_session_check_secs),
        );
        let mailer = email::Mailer::from_config(&config)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let verifier = verify::Verifier::new(&config)?;
        Ok(AppState {
            webhooks: Arc::new(webhooks::Webhooks::new(&config, verifier.fetcher.clone())),
            live,
            mailer: Arc::new(mailer),
            verifier: Arc::new(verifier),
            links: Arc::new(
                clicks::resolve::Resolver::new(
                    db.clone(),
                    &config.database_url,
                    config.redirect_db_connections,
                )
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            ),
            guard: Arc::new(guard::Perimeter::from_config(&config)),
            clicks: Arc::new(
                clicks::Ledger::open(&config.journal_dir(), config.click_memory_max as usize)?
                    .with_judge(
                        config.judge().map_err(|e| {
                            std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
                        })?,
                    ),
            ),
            db,
            config: Arc::new(config),
        })
    }
}

/// The whole application as a router, so tests can serve it on any listener.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

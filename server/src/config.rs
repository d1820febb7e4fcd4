//! Server settings, from flags or the environment (`traffic-sources-server --help`).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "traffic-sources-server",
    version,
    about = "Traffic Sources: API, tracking links and web app"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Create a staff account. Reads the password from the first line of standard input.
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform staff")]
        display_name: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1", global = true)]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// `sqlite://path/to/file.db` (the default, created when missing) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/traffic-sources.db",
        global = true
    )]
    pub database_url: String,
    /// Folder holding the built web app (`trunk build --release` output). Not served when absent.
    #[arg(long, env = "STATIC_DIR", default_value = "dist", global = true)]
    pub static_dir: PathBuf,
    /// Log filter, e.g. `info` or `server=debug,tower_http=debug`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Fill an empty database with demo accounts and sources on start.
    #[arg(long, env = "SEED_DEMO", default_value_t = false, global = true)]
    pub seed_demo: bool,
    /// Mark the session cookie `Secure` (set this when served over HTTPS).
    #[arg(long, env = "SECURE_COOKIES", default_value_t = false, global = true)]
    pub secure_cookies: bool,
    /// Most connections in the database pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 8, global = true)]
    pub db_max_connections: u32,
}

impl Config {
    /// Settings for tests: the given database, nothing static, no demo data.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            bind: [127, 0, 0, 1].into(),
            port: 0,
            database_url: database_url.to_string(),
            static_dir: PathBuf::from("/nonexistent"),
            log_level: "warn".into(),
            seed_demo: false,
            secure_cookies: false,
            db_max_connections: 8,
        }
    }
}

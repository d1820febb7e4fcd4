//! `traffic-sources-server`: parse settings, open the database, serve. See `--help`.

use std::io::BufRead;
use std::time::Duration;

use clap::Parser;
use server::clicks::LedgerTasks;
use server::config::{Cli, Command};
use server::{app, db, password, seed, AppState, Db};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let config = cli.config;
    server::ops::logs::init(&config.log_level, config.log_format);
    let db = match Db::connect_with(
        &config.database_url,
        config.db_max_connections,
        Duration::from_millis(config.db_acquire_timeout_ms),
        Duration::from_millis(config.db_statement_timeout_ms),
    )
    .await
    {
        Ok(db) => db,
        Err(e) => {
            // Never its password: this line lands in logs that many can read.
            eprintln!(
                "error: cannot open the database at {}: {}",
                db::redacted_url(&config.database_url),
                db::scrubbed(&e.to_string(), &config.database_url)
            );
            std::process::exit(1);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(db, config).await,
        Command::CreateStaff {
            email,
            display_name,
        } => create_staff(db, &email, &display_name).await,
    }
}

async fn serve(db: Db, mut config: server::Config) {
    if config.seed_demo {
        let sign_ins: Vec<&str> = match seed::seed_demo(&db).await {
            Ok(seed::SeedOutcome::Seeded) => {
                tracing::info!("seeded the demo data");
                seed::DEMO_ACCOUNTS.iter().map(|a| a.0).collect()
            }
            Ok(seed::SeedOutcome::Skipped {
                accounts,
                demo_accounts,
            }) => {
                if demo_accounts.is_empty() {
                    println!(
                        "Demo data not seeded: the database already has {accounts} account(s), none of them a demo account, and demo data goes only into an empty database. Start with a new --database-url for the demo sign-ins."
                    );
                }
                demo_accounts
            }
            Err(e) => {
                eprintln!("error: seeding the demo data failed: {e}");
                std::process::exit(1);
            }
        };
        if !sign_ins.is_empty() {
            println!(
                "Demo sign-ins (password \"{}\" for all):",
                seed::DEMO_PASSWORD
            );
            for (email, role, name) in seed::DEMO_ACCOUNTS
                .iter()
                .filter(|a| sign_ins.contains(&a.0))
            {
                println!("  {:<11} {email:<24} {name}", role.label());
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind((config.bind, config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}:{}: {e}",
                config.bind, config.port
            );
            std::process::exit(1);
        }
    };
    let addr = listener
        .local_addr()
        .expect("bound listener has an address");
    if config.public_url.is_empty() {
        let host = match addr.ip() {
            ip if ip.is_unspecified() => {
                tracing::warn!("listening on every address without --public-url: links name 127.0.0.1; set --public-url to the address people use");
                std::net::IpAddr::from([127, 0, 0, 1])
            }
            ip => ip,
        };
        config.public_url = format!("http://{}", std::net::SocketAddr::new(host, addr.port()));
    }
    if !config.static_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.static_dir.display(), "no built web app found; serving the API only");
    }
    let url = config.database_url.clone();
    let state = match AppState::new(db, config) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("error: {}", db::scrubbed(&e.to_string(), &url));
            std::process::exit(1);
        }
    };
    // Clicks a previous process journaled but did not write, before taking new ones.
    match state.clicks.drain(&state.db).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            clicks = n,
            "stored clicks left in the journal by the previous run"
        ),
        Err(e) => tracing::warn!(error = %e, "replaying the click journal failed; will retry"),
    }
    if let Err(e) = state.clicks.refresh_salts(&state.db).await {
        tracing::warn!(error = %e, "loading visitor salts failed; will retry");
    }
    let tasks = LedgerTasks::spawn(
        state.clicks.clone(),
        state.db.clone(),
        state.config.click_schedule(),
    );
    let shutdown_timeout = Duration::from_secs(state.config.shutdown_timeout_secs);
    let live = state.live.clone();
    let rechecks = server::verify::recheck::spawn(state.clone());
    let review_sweeps = server::db::review::sweep::spawn(
        state.db.clone(),
        state.config.review_thresholds(),
        Duration::from_secs(state.config.review_sweep_secs),
    );
    let emails = server::email::worker::Worker::spawn(
        state.db.clone(),
        state.mailer.clone(),
        state.config.email_policy(),
        Duration::from_millis(state.config.email_poll_ms),
    );
    let purges = server::guard::purge::spawn(
        state.db.clone(),
        state.guard.clone(),
        Duration::from_secs(state.config.purge_secs),
    );
    let limits = server::guard::ServerLimits::from_config(&state.config);
    let webhooks = server::webhooks::worker::Worker::spawn(
        state.db.clone(),
        state.webhooks.clone(),
        Duration::from_millis(state.config.webhook_poll_ms),
    );
    if let Some(addr) = state.config.metrics_bind {
        match server::ops::metrics::serve(addr, state.clone()).await {
            // Tests and scripts read this line to find the metrics' port.
            Ok(bound) => println!("Metrics on http://{bound}/metrics"),
            Err(e) => {
                eprintln!("error: cannot serve metrics on {addr}: {e}");
                std::process::exit(1);
            }
        }
    }
    // Tests and scripts read this line to find the port.
    println!("Listening on http://{addr}");
    server::guard::serve(
        listener,
        app(state),
        limits,
        shutdown_signal(shutdown_timeout, live),
    )
    .await;
    rechecks.abort();
    review_sweeps.abort();
    purges.abort();
    // Every request has been answered: write the clicks still in the journal, and send
    // the emails that are due.
    tasks.finish().await;
    emails.finish().await;
    webhooks.finish().await;
}

/// Resolves at the first SIGTERM or Ctrl-C. From then on a second signal, or
/// `timeout`, ends the process at once: a stop never hangs on a stuck client. Nothing
/// answered is lost that way, since every answered click is in the journal on disk.
async fn shutdown_signal(timeout: Duration, live: std::sync::Arc<server::live::Hub>) {
    let mut stops = Stops::new();
    stops.next().await;
    // Live streams never end by themselves: end them, or the stop would wait for them.
    live.close();
    tracing::info!(
        timeout_secs = timeout.as_secs(),
        "stopping: finishing the requests in flight (signal again to exit at once)"
    );
    tokio::spawn(async move {
        tokio::select! {
            _ = stops.next() => tracing::warn!("second stop signal: exiting now"),
            _ = tokio::time::sleep(timeout) => tracing::warn!("still busy when the shutdown timeout ran out: exiting now"),
        }
        std::process::exit(1);
    });
}

/// SIGTERM and Ctrl-C, listened to from the start so that none is missed between two.
struct Stops {
    terminate: Option<tokio::signal::unix::Signal>,
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Stops {
    fn new() -> Stops {
        use tokio::signal::unix::{signal, SignalKind};
        Stops {
            terminate: signal(SignalKind::terminate()).ok(),
            interrupt: signal(SignalKind::interrupt()).ok(),
        }
    }

    async fn next(&mut self) {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = recv(&mut self.terminate) => {}
            _ = recv(&mut self.interrupt) => {}
        }
    }
}

async fn create_staff(db: Db, email: &str, display_name: &str) {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        eprintln!("error: could not read the password from standard input");
        std::process::exit(2);
    }
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    let email = model::account::validate_email(email);
    let password = model::account::validate_password(&password);
    let name = model::account::validate_display_name(display_name);
    let (email, password, name) = match (email, password, name) {
        (Ok(e), Ok(p), Ok(n)) => (e, p, n),
        (e, p, n) => {
            for err in [e.err(), p.err(), n.err()].into_iter().flatten() {
                eprintln!("error: {err}");
            }
            std::process::exit(2);
        }
    };
    let hash = password::hash(password).await;
    match db::accounts::create(&db, &email, &hash, model::Role::Staff, &name).await {
        Ok(Some(account)) => println!(
            "Created staff account {} (id {}).",
            account.email, account.id
        ),
        Ok(None) => {
            eprintln!("error: an account with the email {email} already exists");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

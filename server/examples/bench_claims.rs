//! What one partner's sources on a site cost another partner's adds there (issue 27):
//! partner A declares `others` sources on subdomains of one site; partner B then adds
//! sources in turns, one on a fresh site and one on A's site, through the very function
//! `POST /api/traffic-sources` calls (its transaction, audit entry and review reasons).
//! Prints the median and p90 of each kind of add and the ratio of the medians.
//! Run by `scripts/bench-claims.sh`; not part of the server.
//!
//! ```text
//! bench_claims <DATABASE_URL of an empty database> [others 1000] [rounds 100]
//! ```

use std::time::{Duration, Instant};

use model::{Role, SourceInput};
use server::db::{accounts, sources};
use server::Db;

fn input(name: &str, url: &str) -> model::ValidSource {
    SourceInput {
        name: name.into(),
        url: url.into(),
        channels: vec!["content".into()],
        status: "active".into(),
        visibility: "public".into(),
    }
    .validate()
    .expect("a valid source")
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: bench_claims <DATABASE_URL> [others] [rounds]");
    let others: usize = args.next().map_or(1000, |a| a.parse().expect("others"));
    let rounds: usize = args.next().map_or(100, |a| a.parse().expect("rounds"));
    let db = Db::connect(&url, 4).await.expect("database");
    let mut partners = Vec::new();
    for n in ["partner-a", "partner-b"] {
        let email = format!("{n}@bench-claims.test");
        partners.push(
            accounts::create(&db, &email, "not a hash", Role::Partner, n)
                .await
                .expect("account")
                .expect("a new account"),
        );
    }
    let (a, b) = (&partners[0], &partners[1]);
    for i in 0..others {
        let v = input(&format!("A {i}"), &format!("https://s{i}.shared.example/"));
        sources::create(&db, a.id, &v, i64::MAX)
            .await
            .expect("A's add")
            .expect("A's source");
    }
    let mut fresh = Vec::with_capacity(rounds);
    let mut shared = Vec::with_capacity(rounds);
    // A few adds first, so that both kinds run on a warm pool and cache.
    for i in 0..rounds + 5 {
        for on_shared in [false, true] {
            let (name, url) = if on_shared {
                (
                    format!("B shared {i}"),
                    format!("https://b{i}.shared.example/"),
                )
            } else {
                (format!("B fresh {i}"), format!("https://fresh{i}.example/"))
            };
            let v = input(&name, &url);
            let started = Instant::now();
            sources::create(&db, b.id, &v, i64::MAX)
                .await
                .expect("B's add")
                .expect("B's source");
            let took = started.elapsed();
            if i >= 5 {
                if on_shared { &mut shared } else { &mut fresh }.push(took);
            }
        }
    }
    fresh.sort();
    shared.sort();
    let (f50, s50) = (percentile(&fresh, 50), percentile(&shared, 50));
    println!(
        "engine={} others={others} rounds={rounds}",
        if url.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        }
    );
    println!(
        "add on a fresh site:                      median {:.2} ms  p90 {:.2} ms",
        ms(f50),
        ms(percentile(&fresh, 90))
    );
    println!(
        "add on a site with {others} others' sources: median {:.2} ms  p90 {:.2} ms",
        ms(s50),
        ms(percentile(&shared, 90))
    );
    println!("ratio (medians) {:.2}", ms(s50) / ms(f50));
}

//! What the drain's SQLite writer costs per click (issue 28): a fresh SQLite file with the
//! demo data, then judged clicks on the demo's active links stored in segments the size
//! of a busy drain's (the redirect benchmark's ~20,000 clicks a second, drained every
//! second), as `Ledger::drain` does. Prints the wall time and this process's CPU time a
//! click. Run on a quiet machine; the figure goes to BENCHMARKS.md.
//!   cargo run --release -p server --example store_cost [clicks, default 200000] [segment, default 20000]

use std::time::Instant;

use model::traffic::{ClickOutcome, ReferrerClass};
use server::clicks::event::ClickEvent;
use server::clicks::judge::Judge;
use server::clicks::referrers::Referrers;
use server::clicks::retention::Partitions;
use server::db::Db;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let n = args.next().flatten().unwrap_or(200_000);
    let segment = args.next().flatten().unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("store-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite://{}/bench.db", dir.display()), 4)
        .await
        .expect("the database");
    server::seed::seed_demo(&db).await.expect("the demo data");
    let links: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.id, s.id, c.program_id, s.partner_id, p.advertiser_id FROM collaborations c
         JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN programs p ON p.id = c.program_id
         WHERE s.status = 'active' AND c.state = 'approved' ORDER BY c.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!links.is_empty(), "the demo has active links");
    let judge = Judge::new(Referrers::bundled().expect("the referrer data"), 30);
    let partitions = Partitions::default();
    let hosts = [
        None,
        Some("google.com"),
        Some("facebook.com"),
        Some("blog.example"),
    ];
    let start_ms = server::time::now_ms();
    let click = |i: usize| {
        let (collaboration, source, program, partner, advertiser) = links[i % links.len()];
        let host = hosts[i % hosts.len()];
        let at = start_ms + (i as i64) / 20;
        ClickEvent {
            click_id: server::codes::click_id(at),
            at,
            collaboration_id: collaboration,
            traffic_source_id: source,
            program_id: program,
            partner_id: partner,
            advertiser_id: advertiser,
            outcome: ClickOutcome::Redirected,
            referrer_host: host.map(str::to_string),
            referrer_class: if host.is_some() {
                ReferrerClass::Mismatch
            } else {
                ReferrerClass::None
            },
            bot: i % 50 == 0,
            visitor_hash: format!("{:032x}", i % 5_000),
            deep_link: None,
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    };
    // This process's user and system time (µs), from /proc: the blocking writer thread
    // included.
    let cpu = || {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks * 1e6 / 100.0
    };
    let (wall, cpu_before) = (Instant::now(), cpu());
    let mut stored = 0;
    let mut judging = std::time::Duration::ZERO;
    for first in (0..n).step_by(segment) {
        let mut events: Vec<ClickEvent> = (first..(first + segment).min(n)).map(click).collect();
        let judged = Instant::now();
        judge.judge(&db, &mut events).await.expect("judged");
        judging += judged.elapsed();
        stored += server::clicks::store::store(&db, &partitions, &events)
            .await
            .expect("stored")
            .new;
    }
    let (wall, cpu_used) = (wall.elapsed(), cpu() - cpu_before);
    assert_eq!(stored, n, "every click is new");
    println!(
        "judged and stored {n} clicks in segments of {segment}: {:.2} us a click wall ({:.2} of it judging), {:.2} us CPU",
        wall.as_secs_f64() * 1e6 / n as f64,
        judging.as_secs_f64() * 1e6 / n as f64,
        cpu_used / n as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

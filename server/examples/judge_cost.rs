//! What the drain's judgement costs per click (issue 30): builds the judge with the
//! bundled referer-parser data, judges batches of synthetic clicks shaped like the demo's
//! (a third of them repeat visitors, some with a `gclid`, `utm_medium` or a search or
//! social referrer) and prints nanoseconds a click. The judgement runs in the drain, off
//! the redirect; its one database read per batch (the declared channels of sources whose
//! clicks came from their own site) is not in this figure.
//!   cargo run --release -p server --example judge_cost [clicks, default 1000000]

use std::collections::HashMap;
use std::time::Instant;

use model::traffic::{ClickOutcome, ReferrerClass};
use server::clicks::event::ClickEvent;
use server::clicks::judge::Judge;
use server::clicks::referrers::Referrers;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let referrers = Referrers::bundled().expect("the referrer data");
    println!("referrer hosts loaded: {}", referrers.len());
    let judge = Judge::new(referrers, 30);
    let hosts = [
        None,
        Some("blog.example"),
        Some("google.com"),
        Some("facebook.com"),
        Some("mail.google.com"),
        Some("random.example"),
    ];
    let mut events: Vec<ClickEvent> = (0..n)
        .map(|i| {
            let host = hosts[i % hosts.len()];
            ClickEvent {
                click_id: format!("{i:016}"),
                at: 1_800_000_000_000 + (i as i64) * 3,
                collaboration_id: (i % 5_000) as i64,
                traffic_source_id: (i % 5_000) as i64,
                program_id: 1,
                partner_id: 1,
                advertiser_id: 1,
                outcome: ClickOutcome::Redirected,
                referrer_host: host.map(str::to_string),
                referrer_class: match host {
                    None => ReferrerClass::None,
                    Some("blog.example") => ReferrerClass::Match,
                    Some(_) => ReferrerClass::Mismatch,
                },
                bot: i % 50 == 0,
                // A third of the clicks come from a small pool: repeats and duplicates.
                visitor_hash: if i % 3 == 0 {
                    format!("{:032x}", i % 997)
                } else {
                    format!("{i:032x}")
                },
                deep_link: None,
                prefetch: i % 40 == 0,
                click_param: (i % 7 == 0).then(|| "gclid".to_string()),
                utm_channel: (i % 11 == 0).then(|| "email".to_string()),
                verdict: None,
            }
        })
        .collect();
    let declared: HashMap<i64, i64> = (0..5_000).map(|s| (s, 1)).collect();
    // Batches the size of a busy drain's segment.
    let started = Instant::now();
    for batch in events.chunks_mut(5_000) {
        judge.judge_with(batch, &declared);
    }
    let elapsed = started.elapsed();
    let valid = events.iter().filter(|e| e.valid()).count();
    println!(
        "judged {n} clicks in {:.1} ms: {:.0} ns a click ({valid} valid)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_nanos() as f64 / n as f64
    );
}

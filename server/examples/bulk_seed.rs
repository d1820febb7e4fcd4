//! Fills a database with many traffic sources, for measuring list speed at scale
//! (`scripts/bench-list.sh`). Not part of the server.
//!
//! `cargo run --release -p server --example bulk_seed -- <DATABASE_URL> <sources> [partners]`
//!
//! Source `i` (0-based) gets `updated_at = created_at = BASE_MS + i`, so a script can
//! build a cursor for any position without reading the data.

use model::Channel;
use server::{password, Db};

pub const BASE_MS: i64 = 1_700_000_000_000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: bulk_seed <DATABASE_URL> <sources> [partners]");
    let total: i64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .expect("number of sources");
    let partners: i64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let db = Db::connect(url, 4).await.expect("database opens");
    let hash = password::hash("bench-password".into()).await;
    let mut partner_ids = Vec::new();
    for p in 0..partners {
        let email = format!("bench-partner-{p}@bench.test");
        let account = server::db::accounts::create(
            &db,
            &email,
            &hash,
            model::Role::Partner,
            &format!("Bench Partner {p}"),
        )
        .await
        .expect("insert partner")
        .expect("fresh database");
        partner_ids.push(account.id);
    }
    let staff = server::db::accounts::create(
        &db,
        "bench-staff@bench.test",
        &hash,
        model::Role::Staff,
        "Bench Staff",
    )
    .await
    .unwrap();
    assert!(staff.is_some());
    let statuses = ["active", "active", "active", "paused", "blocked"];
    let visibilities = ["public", "public", "private"];
    let batch = 500;
    let mut i = 0;
    while i < total {
        let mut tx = db.pool.begin().await.unwrap();
        let end = (i + batch).min(total);
        let mut sql = String::from(
            "INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility, version, created_at, updated_at) VALUES ",
        );
        for n in i..end {
            let partner = partner_ids[(n % partners) as usize];
            let name = format!("Source {n:07}");
            let url = format!("https://s{n}.bench.example/");
            let channels = Channel::ALL[(n % 14) as usize].bit()
                | Channel::ALL[((n / 14) % 14) as usize].bit();
            let ts = BASE_MS + n;
            if n > i {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({partner}, '{name}', '{}', '{url}', '{url}', {channels}, '{}', '{}', 1, {ts}, {ts})",
                name.to_lowercase(),
                statuses[(n % 5) as usize],
                visibilities[(n % 3) as usize]
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        i = end;
        if i % 100_000 == 0 {
            eprintln!("{i} sources");
        }
    }
    println!("seeded {total} sources for {partners} partners");
}

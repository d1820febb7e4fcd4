//! 30 days of clicks on the demo links, so a first look at a source page shows what the
//! traffic check is for: most sources get their clicks from their own site, one gets
//! most of them from a site that is not its own, and one is mostly bots.
//!
//! The clicks go through the ledger's own [`store`], so the rollups are exactly what real
//! clicks would have made. Generated from a fixed seed: every demo database is alike.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::clicks::classify;
use crate::clicks::event::ClickEvent;
use crate::clicks::judge::Judge;
use crate::clicks::referrers::Referrers;
use crate::clicks::retention::Partitions;
use crate::clicks::store;
use crate::clicks::visitor::DAY_MS;
use crate::db::Db;
use model::traffic::ClickOutcome;

/// How a demo source's traffic looks.
pub struct Profile {
    /// Human clicks on an average day.
    pub per_day: u32,
    /// Share of human clicks from the source's own site.
    pub own_site: f64,
    /// Share with no referrer.
    pub no_referrer: f64,
    /// Share of all clicks made by bots.
    pub bots: f64,
    /// Where the other clicks come from.
    pub elsewhere: &'static [&'static str],
    /// Share of human clicks from a Google Ads ad (a `gclid`, google.com the referrer).
    pub google_ads: f64,
    /// Share of human clicks that are prefetches or link previews.
    pub prefetch: f64,
    /// How many different people click in a day, per human click (fewer: more repeats).
    pub people: f64,
}

/// The profile of a demo source by name; sources not named get [`ORDINARY`].
pub fn profile(source_name: &str) -> &'static Profile {
    match source_name {
        // Someone else's site sends most of its clicks: the case the check is for.
        "Cashback Club" => &Profile {
            per_day: 90,
            own_site: 0.18,
            no_referrer: 0.07,
            bots: 0.03,
            elsewhere: &[
                "coupon-leech.example",
                "free-codes-now.example",
                "dealspotter.example",
            ],
            ..ORDINARY
        },
        // Mostly crawlers and click bots.
        "Trailhead on YouTube" => &Profile {
            per_day: 45,
            own_site: 0.8,
            no_referrer: 0.15,
            bots: 0.62,
            elsewhere: &["reddit.com"],
            ..ORDINARY
        },
        "Spam Pop-unders" => &Profile {
            per_day: 150,
            own_site: 0.05,
            no_referrer: 0.35,
            bots: 0.2,
            elsewhere: &["popunder-network.example", "free-prizes.example"],
            ..ORDINARY
        },
        // Declares Content and Comparison; six clicks in ten carry a Google Ads gclid.
        "Outdoor Gear Guide" => &Profile {
            per_day: 80,
            own_site: 0.9,
            google_ads: 0.6,
            ..ORDINARY
        },
        // A few people clicking again and again, and chat apps previewing the link.
        "Trailhead Link Wall" => &Profile {
            per_day: 120,
            own_site: 0.5,
            no_referrer: 0.4,
            prefetch: 0.3,
            people: 0.05,
            ..ORDINARY
        },
        _ => &ORDINARY,
    }
}

const ORDINARY: Profile = Profile {
    per_day: 70,
    own_site: 0.86,
    no_referrer: 0.1,
    bots: 0.04,
    elsewhere: &["google.com", "news.ycombinator.com", "reddit.com"],
    google_ads: 0.0,
    prefetch: 0.0,
    people: 0.5,
};

/// `--click-velocity-per-minute`'s default.
const DEFAULT_VELOCITY: u32 = 30;

/// A demo link: its collaboration and who it belongs to.
pub struct DemoLink<'a> {
    pub collaboration_id: i64,
    pub traffic_source_id: i64,
    pub program_id: i64,
    pub partner_id: i64,
    pub advertiser_id: i64,
    pub source_name: &'a str,
    pub source_url: &'a str,
}

/// The clicks of the last 30 days (today up to now) on `links`.
pub fn clicks(links: &[DemoLink<'_>], now_ms: i64) -> Vec<ClickEvent> {
    let mut rng = StdRng::seed_from_u64(20_261_201);
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let mut events = Vec::new();
    for link in links {
        let p = profile(link.source_name);
        let own_host = classify::url_host(link.source_url);
        let declared = classify::declared_site(link.source_url);
        for d in (0..30).rev() {
            let day = today - d * DAY_MS;
            // Weekends are quieter; a slow rise over the month.
            let weekday = (day / DAY_MS + 4) % 7; // 0 = Monday
            let weekend = if weekday >= 5 { 0.7 } else { 1.0 };
            let trend = 0.8 + 0.4 * (30 - d) as f64 / 30.0;
            let humans = (p.per_day as f64 * weekend * trend * rng.gen_range(0.8..1.2)) as u32;
            let bots = (humans as f64 * p.bots / (1.0 - p.bots)) as u32;
            let visitors: Vec<String> = (0..((humans as f64 * p.people) as u32).max(1))
                .map(|_| format!("{:032x}", rng.gen::<u128>()))
                .collect();
            for n in 0..humans + bots {
                let bot = n >= humans;
                // Daytime-heavy: two uniform draws make a hump around midday.
                let at = day + ((rng.gen_range(0..DAY_MS) + rng.gen_range(0..DAY_MS)) / 2);
                if at >= now_ms {
                    continue;
                }
                let r: f64 = rng.gen();
                let ad = !bot && rng.gen_bool(p.google_ads);
                let referrer_host = if ad {
                    Some("google.com".to_string())
                } else if r < p.own_site {
                    own_host.clone()
                } else if r < p.own_site + p.no_referrer {
                    None
                } else {
                    Some(p.elsewhere[rng.gen_range(0..p.elsewhere.len())].to_string())
                };
                events.push(ClickEvent {
                    click_id: crate::codes::click_id(at),
                    at,
                    collaboration_id: link.collaboration_id,
                    traffic_source_id: link.traffic_source_id,
                    program_id: link.program_id,
                    partner_id: link.partner_id,
                    advertiser_id: link.advertiser_id,
                    outcome: ClickOutcome::Redirected,
                    referrer_class: classify::classify(
                        referrer_host.as_deref(),
                        declared.as_deref(),
                    ),
                    referrer_host,
                    bot,
                    // A person clicks once or a few times a day; a bot is new each time.
                    visitor_hash: if bot {
                        format!("{:032x}", rng.gen::<u128>())
                    } else {
                        visitors[rng.gen_range(0..visitors.len())].clone()
                    },
                    deep_link: None,
                    prefetch: !bot && rng.gen_bool(p.prefetch),
                    click_param: ad.then(|| "gclid".to_string()),
                    utm_channel: None,
                    verdict: None,
                });
            }
        }
    }
    events.sort_by_key(|e| e.at);
    events
}

/// Stores the demo clicks of `links`.
pub async fn seed(db: &Db, links: &[DemoLink<'_>]) -> Result<usize, sqlx::Error> {
    let mut events = clicks(links, crate::time::now_ms());
    // Judged as the drain judges real clicks: duplicates, prefetches, channels.
    let referrers = Referrers::bundled().map_err(sqlx::Error::Protocol)?;
    Judge::new(referrers, DEFAULT_VELOCITY)
        .judge(db, &mut events)
        .await?;
    let before = crate::live::newest_id(db).await?;
    let stored = store::store(db, &Partitions::default(), &events).await?.new;
    // The demo's 30 days are history, not news: nobody watched them arrive, and their
    // announcements would hold a demo source's first real click for the 5-s window.
    sqlx::query("DELETE FROM live_events WHERE kind = 'traffic' AND id > $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link<'a>(name: &'a str, url: &'a str) -> DemoLink<'a> {
        DemoLink {
            collaboration_id: 1,
            traffic_source_id: 1,
            program_id: 1,
            partner_id: 1,
            advertiser_id: 1,
            source_name: name,
            source_url: url,
        }
    }

    fn share(events: &[ClickEvent], f: impl Fn(&ClickEvent) -> bool) -> f64 {
        events.iter().filter(|e| f(e)).count() as f64 / events.len() as f64
    }

    #[test]
    fn the_demo_shows_an_ordinary_source_a_copied_one_and_a_bot_heavy_one() {
        let now = 1_764_590_400_000; // a midday
        let ordinary = clicks(
            &[link("Dealspotter Blog", "https://blog.dealspotter.example")],
            now,
        );
        let humans: Vec<ClickEvent> = ordinary.iter().filter(|e| !e.bot).cloned().collect();
        assert!(
            share(&humans, |e| e.referrer_class
                == model::traffic::ReferrerClass::Match)
                > 0.8
        );
        let copied = clicks(
            &[link(
                "Cashback Club",
                "https://cashback.trailhead-reviews.example",
            )],
            now,
        );
        let humans: Vec<ClickEvent> = copied.iter().filter(|e| !e.bot).cloned().collect();
        assert!(
            share(&humans, |e| e.referrer_class
                == model::traffic::ReferrerClass::Mismatch)
                > 0.6
        );
        let bots = clicks(
            &[link("Trailhead on YouTube", "https://www.youtube.com/@x")],
            now,
        );
        assert!(share(&bots, |e| e.bot) > 0.5);
        assert!(ordinary
            .iter()
            .all(|e| e.at < now && e.at >= now - 30 * DAY_MS));
        assert!(ordinary.len() > 1000);
    }
}

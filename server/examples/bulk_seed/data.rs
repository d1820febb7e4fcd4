//! The bench data, generated deterministically in Rust so that both engines get the same
//! rows: accounts, programs, sources, collaborations and click events.
//!
//! Ids are assigned here (the database is fresh): partners `1..=P`, then staff, then the
//! advertisers; source `n` (0-based) has id `n + 1`; programs and collaborations are
//! numbered from 1 in the order they are made.

use model::Channel;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;
pub const WINDOW_DAYS: i64 = 30;
/// Sources' `created_at = updated_at = BASE_MS + n` (scripts/bench-list.sh builds cursors
/// from it).
pub const BASE_MS: i64 = 1_700_000_000_000;

pub const STATUSES: [&str; 5] = ["active", "active", "active", "paused", "blocked"];
pub const VISIBILITIES: [&str; 3] = ["public", "public", "private"];
pub const OUTCOMES: [&str; 3] = ["redirected", "refused_paused", "refused_blocked"];
pub const CLASSES: [&str; 3] = ["match", "mismatch", "none"];

/// The share of clicks flagged as bots.
const BOT_SHARE: f64 = 0.05;
/// One source in this many sends mostly traffic from somewhere else (a coupon site).
const SUSPICIOUS_ONE_IN: u64 = 20;
/// How skewed clicks are across links: a link of rank r (0 = busiest) of C gets a share
/// ((r+1)/C)^(1/SKEW) − (r/C)^(1/SKEW). With 3, the busiest link of about a million gets
/// about 1 % of all clicks and the median one a handful in 30 days.
const SKEW: f64 = 3.0;
/// Clicks per visit on average (a visit: one visitor, one link, a few minutes).
const CLICKS_PER_VISIT: f64 = 2.5;
/// Human visits from a visitor who already came to the link that day (on busy links).
const RETURNING_VISITORS: f64 = 0.25;

/// splitmix64's finaliser: a bijection of u64 that scrambles well.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(0x243f_6a88_85a3_08d3, |h, &p| {
        mix(h ^ p.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    })
}

/// A small deterministic generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed ^ 0x5eed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CLICK_KEY: u64 = 0xc11c_c0de_0000_0001;
const CODE_KEY: u64 = 0x7ac_c0de_0000_0002;

/// 16 random-looking base62 characters, unique per `n` for a given key: the last 11 are a
/// fixed-width base62 number (62^11 > 2^64) of a bijection of `n`; the first 5 are noise.
pub fn code16(key: u64, n: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut x = mix(n ^ key);
    for slot in out[5..].iter_mut().rev() {
        *slot = B62[(x % 62) as usize];
        x /= 62;
    }
    let mut y = hash(&[key, n]);
    for slot in out[..5].iter_mut().rev() {
        *slot = B62[(y % 62) as usize];
        y /= 62;
    }
    out
}

pub fn click_id(n: u64) -> [u8; 16] {
    code16(CLICK_KEY, n)
}

pub fn tracking_code(collaboration_id: i64) -> [u8; 16] {
    code16(CODE_KEY, collaboration_id as u64)
}

pub fn as_str(code: &[u8]) -> &str {
    std::str::from_utf8(code).expect("base62 is ASCII")
}

/// How much to make and when "now" is.
#[derive(Debug, Clone)]
pub struct Plan {
    pub now: i64,
    pub partners: i64,
    pub advertisers: i64,
    pub sources: i64,
    pub events: i64,
}

impl Plan {
    /// The first instant of the click window: exactly 30 days before now.
    pub fn start(&self) -> i64 {
        self.now - WINDOW_DAYS * DAY_MS
    }
    pub fn partner_id(&self, p: i64) -> i64 {
        p + 1
    }
    pub fn staff_id(&self) -> i64 {
        self.partners + 1
    }
    pub fn advertiser_id(&self, a: i64) -> i64 {
        self.partners + 2 + a
    }
    /// Accounts are made a while before everything else.
    pub fn accounts_created_at(&self) -> i64 {
        self.start() - 90 * DAY_MS
    }
    /// Advertiser `a` has 1 to 5 programs.
    pub fn programs_of(&self, a: i64) -> i64 {
        1 + a % 5
    }
    /// The UTC days that hold clicks, as Unix ms at their start.
    pub fn days(&self) -> Vec<i64> {
        let first = self.start() - self.start().rem_euclid(DAY_MS);
        (0..)
            .map(|d| first + d * DAY_MS)
            .take_while(|&d| d < self.now)
            .collect()
    }
}

/// Program `k` (id `k + 1`): its advertiser account's id, and the index of that advertiser
/// with the program's number among theirs.
pub struct Program {
    pub advertiser_id: i64,
    pub advertiser: i64,
    pub nth: i64,
}

pub fn programs(plan: &Plan) -> Vec<Program> {
    let mut out = Vec::new();
    for a in 0..plan.advertisers {
        for nth in 0..plan.programs_of(a) {
            out.push(Program {
                advertiser_id: plan.advertiser_id(a),
                advertiser: a,
                nth,
            });
        }
    }
    out
}

pub fn program_name(p: &Program) -> String {
    format!("Bench Program {}-{}", p.advertiser, p.nth + 1)
}

pub fn landing_url(p: &Program) -> String {
    match p.nth {
        0 => format!("https://shop{}.bench.example/", p.advertiser),
        n => format!("https://shop{}.bench.example/offer-{n}", p.advertiser),
    }
}

/// Source `n` as the original seeder made it.
pub struct Source {
    pub id: i64,
    pub partner_id: i64,
    pub name: String,
    pub name_key: String,
    pub url: String,
    pub channels: i64,
    pub status: &'static str,
    pub visibility: &'static str,
    pub ts: i64,
}

pub fn source(plan: &Plan, n: i64) -> Source {
    let name = format!("Source {n:07}");
    Source {
        id: n + 1,
        partner_id: plan.partner_id(n % plan.partners),
        name_key: name.to_lowercase(),
        name,
        url: format!("https://{}/", source_host(n)),
        channels: Channel::ALL[(n % 14) as usize].bit()
            | Channel::ALL[((n / 14) % 14) as usize].bit(),
        status: STATUSES[(n % 5) as usize],
        visibility: VISIBILITIES[(n % 3) as usize],
        ts: BASE_MS + n,
    }
}

/// The registrable domain of every bench source's host.
pub const BENCH_SITE: &str = "bench.example";

pub fn source_host(n: i64) -> String {
    format!("s{n}.{BENCH_SITE}")
}

/// 0 active, 1 paused, 2 blocked: the index of the refusal in [`OUTCOMES`].
fn status_code(n: i64) -> u8 {
    match STATUSES[(n % 5) as usize] {
        "active" => 0,
        "paused" => 1,
        _ => 2,
    }
}

/// A source in a program. Its id is its index + 1.
#[derive(Clone, Copy)]
pub struct Collab {
    /// The source's n (id − 1).
    pub source: u32,
    /// The program's index (id − 1).
    pub program: u32,
    /// The source's status now (see `status_code`); for a paused or blocked source, clicks
    /// from `changed_at` on were refused and earlier ones redirected.
    pub status: u8,
    pub changed_at: i64,
    pub created_at: i64,
}

/// Every Active source in one program, a quarter of them in a second; half of the paused
/// and blocked sources in one program (added while they were Active).
pub fn collaborations(plan: &Plan, programs: usize) -> Vec<Collab> {
    let np = programs as u64;
    let mut out = Vec::with_capacity((plan.sources as usize) * 3 / 4);
    if np == 0 {
        return out;
    }
    let start = plan.start();
    for n in 0..plan.sources {
        let h = hash(&[0xc011ab, n as u64]);
        let first = h % np;
        let status = status_code(n);
        let created_at = start - DAY_MS - (h >> 40) as i64 % (60 * DAY_MS);
        let collab = |program: u64, changed_at: i64| Collab {
            source: n as u32,
            program: program as u32,
            status,
            changed_at,
            created_at,
        };
        if status == 0 {
            out.push(collab(first, i64::MAX));
            if (h >> 8) % 4 == 0 && np > 1 {
                let second = (first + 1 + (h >> 16) % (np - 1)) % np;
                out.push(collab(second, i64::MAX));
            }
        } else if (h >> 8) % 2 == 0 {
            let changed_at = start + ((h >> 20) % (WINDOW_DAYS * DAY_MS) as u64) as i64;
            out.push(collab(first, changed_at));
        }
    }
    out
}

/// Where a click came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Referrer {
    None,
    /// The source's own host.
    Own,
    /// `other_hosts()[k]`.
    Other(u16),
}

/// Mismatching referrer hosts, already normalised.
pub fn other_hosts() -> Vec<String> {
    let mut hosts: Vec<String> = (0..40)
        .map(|k| format!("coupon-aggregator{k}.example"))
        .collect();
    hosts.extend((0..10).map(|k| format!("deals-forum{k}.example")));
    hosts.extend((0..10).map(|k| format!("news-portal{k}.example")));
    hosts
}

pub struct Event {
    pub n: u64,
    pub at: i64,
    /// Index into the collaborations.
    pub collab: usize,
    pub outcome: u8,
    pub referrer: Referrer,
    pub bot: bool,
    pub visitor: [u64; 2],
}

/// The drain's judgement of a click (server/src/clicks/judge.rs), as its columns:
/// `valid`, `invalid_reason`, `observed_channel`, `channel_signal`.
pub struct Verdict {
    pub valid: bool,
    pub reason: Option<&'static str>,
    pub channel: Option<&'static str>,
    pub signal: Option<&'static str>,
}

impl Event {
    /// Bots and refused clicks as the judge tells them; of the other clicks, drawn from the
    /// click's number, 3 in 100 are prefetches, 7 duplicates and 1 too fast, and one valid
    /// click in ten carries a Google Ads `gclid`. The rest take their channel from the
    /// referrer: the source's own site (Content), another site (Social), none (unknown).
    /// Not the judge itself (it needs each visitor's history): proportions that give the
    /// rollups the rows the figures read.
    pub fn verdict(&self) -> Verdict {
        let invalid = |reason| Verdict {
            valid: false,
            reason: Some(reason),
            channel: None,
            signal: None,
        };
        if self.bot {
            return invalid("bot");
        }
        if self.outcome != 0 {
            return invalid("refused");
        }
        let draw = mix(self.n ^ 0x5eed) % 100;
        let (channel, signal) = match (draw, self.referrer) {
            (0..=2, _) => return invalid("prefetch"),
            (3..=9, _) => return invalid("duplicate"),
            (10, _) => return invalid("velocity"),
            (11..=19, _) => ("paid_search", Some("gclid")),
            (_, Referrer::Own) => ("content", Some("own_site")),
            (_, Referrer::Other(_)) => ("social", Some("referrer_social")),
            (_, Referrer::None) => ("unknown", None),
        };
        Verdict {
            valid: true,
            reason: None,
            channel: Some(channel),
            signal,
        }
    }

    pub fn class(&self) -> &'static str {
        match self.referrer {
            Referrer::Own => CLASSES[0],
            Referrer::Other(_) => CLASSES[1],
            Referrer::None => CLASSES[2],
        }
    }
}

/// Clicks in time order, an hour at a time, `plan.events` in all, spread over the 30 days
/// before `plan.now` with a daily rhythm (busiest mid-afternoon UTC, quieter at weekends),
/// and skewed across links.
pub struct Clicks<'a> {
    plan: &'a Plan,
    collabs: &'a [Collab],
    /// (from, to, clicks) per UTC hour of the window.
    hours: Vec<(i64, i64, u64)>,
    next_hour: usize,
    next_n: u64,
    next_visit: u64,
    others: u16,
    multiplier: u64,
    offset: u64,
}

impl<'a> Clicks<'a> {
    pub fn new(plan: &'a Plan, collabs: &'a [Collab]) -> Clicks<'a> {
        let (start, now) = (plan.start(), plan.now);
        let mut spans = Vec::new();
        let mut h = start - start.rem_euclid(HOUR_MS);
        while h < now {
            let (from, to) = (h.max(start), (h + HOUR_MS).min(now));
            let hour_of_day = (h / HOUR_MS).rem_euclid(24) as f64;
            let weekday = (h / DAY_MS + 4).rem_euclid(7); // 0 = Monday
            let rhythm = 1.0 + 0.6 * ((hour_of_day - 15.0) / 24.0 * std::f64::consts::TAU).cos();
            let week = if weekday >= 5 { 0.8 } else { 1.0 };
            spans.push((from, to, (to - from) as f64 * rhythm * week));
            h += HOUR_MS;
        }
        let total: f64 = spans.iter().map(|s| s.2).sum();
        let mut hours = Vec::with_capacity(spans.len());
        let (mut cumulative, mut given) = (0.0, 0u64);
        for (from, to, w) in spans {
            cumulative += w;
            let upto = ((plan.events as f64) * cumulative / total).round() as u64;
            let upto = upto.min(plan.events as u64);
            hours.push((from, to, upto - given));
            given = upto;
        }
        if let Some(last) = hours.last_mut() {
            last.2 += plan.events as u64 - given;
        }
        // Ranks map to links through a multiplicative permutation, so busy links are spread
        // over sources, partners and programs.
        let c = collabs.len().max(1) as u64;
        let mut multiplier = 2_654_435_761 % c;
        while gcd(multiplier, c) != 1 {
            multiplier += 1;
        }
        Clicks {
            plan,
            collabs,
            hours,
            next_hour: 0,
            next_n: 0,
            next_visit: 0,
            others: other_hosts().len() as u16,
            multiplier,
            offset: 40_503 % c,
        }
    }

    /// The next hour's clicks, in time order; `None` at the end.
    ///
    /// Clicks come in visits: a visitor (or a bot) clicks one link a few times within
    /// minutes, from one referrer. Most visitors are seen once a day on a link; on busy
    /// links some come back later the same day.
    pub fn next_hour(&mut self, out: &mut Vec<Event>) -> Option<()> {
        out.clear();
        if self.collabs.is_empty() {
            return None;
        }
        let &(from, to, count) = self.hours.get(self.next_hour)?;
        let mut rng = Rng::new(self.next_hour as u64);
        self.next_hour += 1;
        let c = self.collabs.len() as f64;
        let mut left = count;
        while left > 0 {
            let rank = ((c * rng.unit().powf(SKEW)) as u64).min(c as u64 - 1);
            let collab = ((rank as u128 * self.multiplier as u128 + self.offset as u128)
                % self.collabs.len() as u128) as usize;
            let link = &self.collabs[collab];
            // Bot visits hold twice the clicks: this makes BOT_SHARE of the clicks.
            let bot = rng.unit() < BOT_SHARE / (2.0 - BOT_SHARE);
            // Clicks in this visit: 1 + geometric, mean CLICKS_PER_VISIT (bots: twice that).
            let mean = if bot {
                2.0 * CLICKS_PER_VISIT
            } else {
                CLICKS_PER_VISIT
            };
            let mut clicks = 1;
            while clicks < left && rng.unit() < 1.0 - 1.0 / mean {
                clicks += 1;
            }
            left -= clicks;
            let mut at = from + rng.below((to - from) as u64) as i64;
            let day = (at - at.rem_euclid(DAY_MS)) as u64;
            let suspicious = hash(&[0x5005, link.source as u64]) % SUSPICIOUS_ONE_IN == 0;
            let u = rng.unit();
            let (own, none) = if suspicious {
                (0.15, 0.27)
            } else {
                (0.70, 0.88)
            };
            let referrer = if u < own {
                Referrer::Own
            } else if u < none {
                Referrer::None
            } else if suspicious && rng.unit() < 0.85 {
                Referrer::Other((link.source % 40) as u16)
            } else {
                Referrer::Other(rng.below(self.others as u64) as u16)
            };
            let visit = self.next_visit;
            self.next_visit += 1;
            let visitor_id = if bot {
                [0xb07, collab as u64, rng.below(3)]
            } else if rng.unit() < RETURNING_VISITORS {
                // The rank's expected visits a day, from the same skew.
                let share =
                    ((rank + 1) as f64 / c).powf(1.0 / SKEW) - (rank as f64 / c).powf(1.0 / SKEW);
                let per_day =
                    self.plan.events as f64 * share / WINDOW_DAYS as f64 / CLICKS_PER_VISIT;
                [0x5a1, collab as u64, rng.below(1 + (per_day / 4.0) as u64)]
            } else {
                [0x0ff, visit, 0]
            };
            let visitor = [
                hash(&[day, visitor_id[0], visitor_id[1], visitor_id[2]]),
                hash(&[!day, visitor_id[2], visitor_id[1], visitor_id[0]]),
            ];
            for _ in 0..clicks {
                let outcome = if link.status != 0 && at >= link.changed_at {
                    link.status
                } else {
                    0
                };
                out.push(Event {
                    n: 0,
                    at,
                    collab,
                    outcome,
                    referrer,
                    bot,
                    visitor,
                });
                // The next click a few seconds to minutes later, within the hour.
                at = (at + 2_000 + rng.below(180_000) as i64).min(to - 1);
            }
        }
        out.sort_unstable_by_key(|e| e.at);
        for e in out.iter_mut() {
            e.n = self.next_n;
            self.next_n += 1;
        }
        Some(())
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

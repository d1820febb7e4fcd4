//! Demo data for a first start: one account of each kind, a dozen sources across every
//! status, visibility and channel, advertisers' programs using some of them, and 30 days of
//! clicks on their links ([`traffic`]). Only runs on an empty database.

pub mod traffic;

use model::program::ProgramInput;
use model::{Role, SourceInput};

use crate::db::{accounts, sources};
use crate::db::{collaborations, programs};
use crate::{password, Db};

pub const DEMO_PASSWORD: &str = "demo-password";

pub const DEMO_ACCOUNTS: [(&str, Role, &str); 5] = [
    ("staff@demo.test", Role::Staff, "Platform Staff"),
    ("partner@demo.test", Role::Partner, "Dealspotter Media"),
    ("partner2@demo.test", Role::Partner, "Trailhead Reviews"),
    (
        "advertiser@demo.test",
        Role::Advertiser,
        "Northwind Outdoor",
    ),
    ("advertiser2@demo.test", Role::Advertiser, "Contoso Home"),
];

/// (partner index into DEMO_ACCOUNTS, name, url, channels, status, visibility)
type DemoSource = (
    usize,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const DEMO_SOURCES: [DemoSource; 14] = [
    (
        1,
        "Dealspotter Blog",
        "https://blog.dealspotter.example",
        &["content", "comparison"],
        "active",
        "public",
    ),
    (
        1,
        "Dealspotter Coupons",
        "https://coupons.dealspotter.example",
        &["coupons", "cashback"],
        "active",
        "public",
    ),
    (
        1,
        "Weekly Deals Newsletter",
        "https://dealspotter.example/newsletter",
        &["email"],
        "active",
        "private",
    ),
    (
        1,
        "Dealspotter App",
        "https://dealspotter.example/app",
        &["mobile_app", "loyalty"],
        "paused",
        "public",
    ),
    (
        1,
        "Search Campaigns",
        "https://ads.dealspotter.example",
        &["paid_search", "display"],
        "active",
        "public",
    ),
    (
        1,
        "Spam Pop-unders",
        "https://popunder.dealspotter.example",
        &["display"],
        "active",
        "public",
    ),
    (
        2,
        "Trailhead Reviews",
        "https://trailhead-reviews.example",
        &["content", "comparison"],
        "active",
        "public",
    ),
    (
        2,
        "Trailhead on YouTube",
        "https://www.youtube.com/@trailhead-reviews-example",
        &["video", "influencer"],
        "active",
        "public",
    ),
    (
        2,
        "Trailhead Podcast",
        "https://podcast.trailhead-reviews.example",
        &["podcast"],
        "paused",
        "private",
    ),
    (
        2,
        "Trailhead Social",
        "https://instagram.com/trailhead.reviews.example",
        &["social", "influencer"],
        "active",
        "public",
    ),
    (
        2,
        "Trailhead Network",
        "https://network.trailhead-reviews.example",
        &["sub_network"],
        "active",
        "private",
    ),
    (
        2,
        "Cashback Club",
        "https://cashback.trailhead-reviews.example",
        &["cashback", "loyalty"],
        "active",
        "public",
    ),
    // Declares Content, sends Google Ads clicks (issue 30's undeclared channel).
    (
        1,
        "Outdoor Gear Guide",
        "https://gear-guide.dealspotter.example",
        &["content", "comparison"],
        "active",
        "public",
    ),
    // Most of its clicks are repeats and link previews (issue 30's invalid clicks).
    (
        2,
        "Trailhead Link Wall",
        "https://links.trailhead-reviews.example",
        &["social"],
        "active",
        "public",
    ),
];

/// Names of demo sources that start out Blocked by staff, with the reason the partner sees.
pub const DEMO_BLOCKED: [(&str, &str); 1] = [(
    "Spam Pop-unders",
    "Pop-under ads break the platform's traffic quality rules.",
)];

/// What `--seed-demo` found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The database was empty and now holds the demo data.
    Seeded,
    /// The database had accounts already, so nothing was added; `demo_accounts` are the
    /// demo sign-ins among them (none when the accounts are someone else's, e.g. made by
    /// `create-staff`).
    Skipped {
        accounts: i64,
        demo_accounts: Vec<&'static str>,
    },
}

/// Seeds an empty database; leaves any other one as it is.
pub async fn seed_demo(db: &Db) -> Result<SeedOutcome, sqlx::Error> {
    let accounts = accounts::count(db).await?;
    if accounts > 0 {
        let mut demo_accounts = Vec::new();
        for (email, _, _) in DEMO_ACCOUNTS {
            if accounts::credentials(db, email).await?.is_some() {
                demo_accounts.push(email);
            }
        }
        return Ok(SeedOutcome::Skipped {
            accounts,
            demo_accounts,
        });
    }
    let hash = password::hash(DEMO_PASSWORD.into()).await;
    let mut ids = Vec::new();
    for (email, role, name) in DEMO_ACCOUNTS {
        let account = accounts::create(db, email, &hash, role, name)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        ids.push(account.id);
    }
    let mut source_ids = Vec::new();
    for (owner, name, url, channels, status, visibility) in DEMO_SOURCES {
        let input = SourceInput {
            name: name.into(),
            url: url.into(),
            channels: channels.iter().map(|c| c.to_string()).collect(),
            status: status.into(),
            visibility: visibility.into(),
        };
        let valid = input
            .validate()
            .map_err(|e| sqlx::Error::Protocol(format!("demo source {name} invalid: {e:?}")))?;
        let source = sources::create(db, ids[owner], &valid, i64::MAX)
            .await?
            .map_err(|_| sqlx::Error::Protocol(format!("duplicate demo source {name}")))?;
        source_ids.push((name, source.id));
    }
    let links = seed_programs(db, &ids, &source_ids).await?;
    traffic::seed(db, &links).await?;
    // Blocked last, so the advertisers using the source see the block's effect.
    for (name, reason) in DEMO_BLOCKED {
        let id = source_id(&source_ids, name)?;
        sources::block(
            db,
            id,
            ids[0],
            reason,
            Some("Seen in three complaints this month."),
        )
        .await?;
    }
    Ok(SeedOutcome::Seeded)
}

/// (advertiser index into DEMO_ACCOUNTS, program name, landing URL, names of its sources)
const DEMO_PROGRAMS: [(usize, &str, &str, &[&str]); 3] = [
    (
        3,
        "Northwind Spring Sale",
        "https://northwind-outdoor.example/spring?utm_source=affiliates",
        &[
            "Dealspotter Blog",
            "Dealspotter Coupons",
            "Trailhead Reviews",
            "Spam Pop-unders",
            "Outdoor Gear Guide",
        ],
    ),
    (
        3,
        "Northwind Tents",
        "https://northwind-outdoor.example/tents",
        &["Trailhead on YouTube"],
    ),
    (
        4,
        "Contoso Kitchen",
        "https://contoso-home.example/kitchen",
        &[
            "Dealspotter Coupons",
            "Cashback Club",
            "Trailhead Social",
            "Trailhead Link Wall",
        ],
    ),
];

fn source_id(source_ids: &[(&str, i64)], name: &str) -> Result<i64, sqlx::Error> {
    source_ids
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
        .ok_or_else(|| sqlx::Error::Protocol(format!("no demo source {name}")))
}

/// Creates the demo programs and returns their links, for the demo clicks.
async fn seed_programs(
    db: &Db,
    account_ids: &[i64],
    source_ids: &[(&str, i64)],
) -> Result<Vec<traffic::DemoLink<'static>>, sqlx::Error> {
    let mut links = Vec::new();
    for (owner, name, landing_url, source_names) in DEMO_PROGRAMS {
        let input = ProgramInput {
            name: name.into(),
            landing_url: landing_url.into(),
            ..ProgramInput::default()
        };
        let valid = input
            .validate()
            .map_err(|e| sqlx::Error::Protocol(format!("demo program {name} invalid: {e:?}")))?;
        let program = programs::create(db, account_ids[owner], &valid, i64::MAX)
            .await?
            .ok_or_else(|| sqlx::Error::Protocol("demo programs past the cap".into()))?;
        for source_name in source_names {
            let source = source_id(source_ids, source_name)?;
            // The demo's memberships go the product's way: invited, then accepted.
            let (partner, _, url, ..) = DEMO_SOURCES
                .iter()
                .find(|s| s.1 == *source_name)
                .ok_or_else(|| sqlx::Error::Protocol(format!("no demo source {source_name}")))?;
            let started = collaborations::start(
                db,
                &program,
                account_ids[owner],
                source,
                None,
                collaborations::Start::Invite,
                None,
                account_ids[owner],
                0,
                i64::MAX,
            )
            .await?;
            let accepted = match started {
                Ok(id) => {
                    let partner = collaborations::Viewer {
                        id: account_ids[*partner],
                        role: model::Role::Partner,
                    };
                    collaborations::step(db, id, partner, collaborations::Step::Accept, None)
                        .await?
                }
                Err(refusal) => {
                    return Err(sqlx::Error::Protocol(format!(
                        "demo collaboration {name} + {source_name}: {refusal:?}"
                    )))
                }
            };
            match accepted {
                collaborations::StepOutcome::Done(id) => {
                    links.push(traffic::DemoLink {
                        collaboration_id: id,
                        traffic_source_id: source,
                        program_id: program.id,
                        partner_id: account_ids[*partner],
                        advertiser_id: account_ids[owner_of_program(name)],
                        source_name,
                        source_url: url,
                    });
                }
                other => {
                    return Err(sqlx::Error::Protocol(format!(
                        "demo collaboration {name} + {source_name}: {other:?}"
                    )))
                }
            }
        }
    }
    Ok(links)
}

fn owner_of_program(name: &str) -> usize {
    DEMO_PROGRAMS
        .iter()
        .find(|p| p.1 == name)
        .map_or(0, |p| p.0)
}

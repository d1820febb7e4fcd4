//! Valid and invalid clicks, observed channels and the undeclared-channel reason
//! (issue 30): every click stays in the ledger with a validity and one reason when
//! invalid; figures count valid clicks; each valid click gets the channel of the first
//! signal that says one; only the signal's name is stored.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::marketplace::set_state;
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TestApp, User};
use crate::traffic::{click_with, drain, linked, Linked, CHROME};

both_engines!(
    each_invalid_reason_appears_and_is_not_counted,
    a_visitors_first_click_counts_and_the_next_within_the_hour_is_a_duplicate,
    each_signal_gives_its_channel_in_order,
    nothing_is_stored_but_the_signals_name,
    undeclared_channel_is_a_reason_past_the_threshold_and_clears_when_declared,
    the_marketplace_shows_observed_bands_and_filters_on_matches,
);

/// One click by the person `who` (a browser of their own) on `path` (`/t/{code}…`).
async fn click_as(
    app: &TestApp,
    path_and_query: &str,
    who: &str,
    extra: &[(&str, &[u8])],
) -> (StatusCode, Option<String>) {
    let agent = format!("{CHROME} Visitor/{who}");
    let mut headers: Vec<(&str, &[u8])> = vec![("user-agent", agent.as_bytes())];
    headers.extend_from_slice(extra);
    click_with(app, path_and_query, &headers).await
}

async fn click_of(who: &User, click_id: &str) -> Value {
    let r = who.get(&format!("/api/clicks/{click_id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn traffic(l: &Linked) -> Value {
    let r = l
        .partner
        .get(&format!("/api/traffic-sources/{}/traffic", l.source["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn each_invalid_reason_appears_and_is_not_counted(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.click_velocity_per_minute = 3).await;
    let l = linked(&app, "Reasons Blog", "https://reasons.example/").await;
    let code = l.code.as_str();
    let mut ids = Vec::new();
    // Valid: one person's first click.
    ids.push(("valid", click_as(&app, code, "first", &[]).await.1));
    // bot: a crawler's user agent.
    ids.push((
        "bot",
        click_with(&app, code, &[("user-agent", b"curl/8.0")])
            .await
            .1,
    ));
    // prefetch: each of the four headers, and a link-preview fetcher.
    for (i, (name, value)) in [
        ("sec-purpose", "prefetch"),
        ("purpose", "prefetch"),
        ("x-purpose", "preview"),
        ("x-moz", "prefetch"),
    ]
    .into_iter()
    .enumerate()
    {
        let who = format!("pre{i}");
        ids.push((
            "prefetch",
            click_as(&app, code, &who, &[(name, value.as_bytes())])
                .await
                .1,
        ));
    }
    ids.push((
        "prefetch",
        click_with(&app, code, &[("user-agent", b"WhatsApp/2.23.20.0")])
            .await
            .1,
    ));
    // duplicate, then velocity: "fast" clicks four times within the minute (limit 3).
    ids.push(("valid", click_as(&app, code, "fast", &[]).await.1));
    ids.push(("duplicate", click_as(&app, code, "fast", &[]).await.1));
    ids.push(("duplicate", click_as(&app, code, "fast", &[]).await.1));
    ids.push(("velocity", click_as(&app, code, "fast", &[]).await.1));
    drain(&app).await;
    for (want, id) in &ids {
        let c = click_of(&l.advertiser, id.as_deref().unwrap()).await;
        if *want == "valid" {
            assert_eq!(c["valid"], true, "{c}");
            assert_eq!(c["invalid_reason"], Value::Null, "{c}");
            assert_eq!(c["observed_channel"], "unknown", "{c}");
        } else {
            assert_eq!(c["valid"], false, "{c}");
            assert_eq!(c["invalid_reason"], *want, "{c}");
            assert_eq!(c["observed_channel"], Value::Null, "{c}");
        }
    }
    // refused: the source paused; the 410 has no click id, so count it in the figures.
    set_state(&l.partner, &l.source, "paused", "public").await;
    let (status, _) = click_as(&app, code, "late", &[]).await;
    assert_eq!(status, StatusCode::GONE);
    drain(&app).await;
    let t = traffic(&l).await;
    let today = t["series"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["valid"], 2, "{today}");
    assert_eq!(
        today["invalid"],
        json!({"bot": 1, "prefetch": 5, "duplicate": 2, "velocity": 1, "refused": 1})
    );
    // Figures count valid clicks only: the list's 30 days, the referrer mix, the channels.
    assert_eq!(
        t["referrers"],
        json!({"match": 0, "mismatch": 0, "none": 2})
    );
    assert_eq!(
        t["observed_channels"],
        json!([{"channel": "unknown", "clicks": 2, "share": 100}])
    );
    let list: Value = l
        .partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["clicks_30d"], 2);
    // The CSV gives the gross and each reason.
    let csv = l
        .partner
        .get(&format!(
            "/api/traffic-sources/{}/traffic.csv",
            l.source["id"]
        ))
        .await
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "valid",
        "invalid_bot",
        "invalid_prefetch",
        "invalid_duplicate",
        "invalid_velocity",
        "invalid_refused",
    ] {
        assert!(header.split(',').any(|h| h == column), "{header}");
    }
}

async fn a_visitors_first_click_counts_and_the_next_within_the_hour_is_a_duplicate(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Repeat Blog", "https://repeat.example/").await;
    let other = linked(&app, "Other Blog", "https://other-repeat.example/").await;
    let first = click_as(&app, &l.code, "ann", &[]).await.1.unwrap();
    drain(&app).await;
    // Across drains, the judge remembers.
    let second = click_as(&app, &l.code, "ann", &[]).await.1.unwrap();
    // Another link: not a duplicate. Another person: not a duplicate.
    let elsewhere = click_as(&app, &other.code, "ann", &[]).await.1.unwrap();
    let bob = click_as(&app, &l.code, "bob", &[]).await.1.unwrap();
    drain(&app).await;
    assert_eq!(click_of(&l.advertiser, &first).await["valid"], true);
    let c = click_of(&l.advertiser, &second).await;
    assert_eq!(
        (c["valid"].clone(), c["invalid_reason"].clone()),
        (json!(false), json!("duplicate"))
    );
    assert_eq!(click_of(&other.advertiser, &elsewhere).await["valid"], true);
    assert_eq!(click_of(&l.advertiser, &bob).await["valid"], true);
    let t = traffic(&l).await;
    let today = t["series"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            today["valid"].clone(),
            today["invalid"]["duplicate"].clone()
        ),
        (json!(2), json!(1))
    );
}

async fn each_signal_gives_its_channel_in_order(engine: Engine) {
    let app = spawn_app(engine).await;
    // Declares Comparison: a click from its own site is a Comparison click.
    let l = linked(&app, "Signals Blog", "https://signals.example/").await;
    set_channels(
        &l.partner,
        l.source["id"].as_i64().unwrap(),
        json!(["comparison"]),
    )
    .await;
    let code = &l.code;
    const GOOGLE: &[u8] = b"https://www.google.com/";
    let cases: Vec<(String, &[(&str, &[u8])], &str, Option<&str>)> = vec![
        // 1. paid-click identifiers, before utm_medium and the referrer
        (
            format!("{code}?gclid=a1&utm_medium=email"),
            &[("referer", b"https://facebook.com/")],
            "paid_search",
            Some("gclid"),
        ),
        (
            format!("{code}?gbraid=a"),
            &[],
            "paid_search",
            Some("gbraid"),
        ),
        (
            format!("{code}?wbraid=a"),
            &[],
            "paid_search",
            Some("wbraid"),
        ),
        (
            format!("{code}?msclkid=a"),
            &[],
            "paid_search",
            Some("msclkid"),
        ),
        (format!("{code}?fbclid=a"), &[], "social", Some("fbclid")),
        (format!("{code}?ttclid=a"), &[], "social", Some("ttclid")),
        (format!("{code}?twclid=a"), &[], "social", Some("twclid")),
        (
            format!("{code}?li_fat_id=a"),
            &[],
            "social",
            Some("li_fat_id"),
        ),
        (format!("{code}?dclid=a"), &[], "display", Some("dclid")),
        // 2. utm_medium, before the referrer
        (
            format!("{code}?utm_medium=cpc"),
            &[("referer", GOOGLE)],
            "paid_search",
            Some("utm_medium"),
        ),
        (
            format!("{code}?utm_medium=paid_social"),
            &[],
            "paid_search",
            Some("utm_medium"),
        ),
        (
            format!("{code}?utm_medium=email"),
            &[("referer", GOOGLE)],
            "email",
            Some("utm_medium"),
        ),
        (
            format!("{code}?utm_medium=social"),
            &[],
            "social",
            Some("utm_medium"),
        ),
        (
            format!("{code}?utm_medium=banner"),
            &[],
            "display",
            Some("utm_medium"),
        ),
        (
            format!("{code}?utm_medium=affiliate"),
            &[],
            "content",
            Some("utm_medium"),
        ),
        // 3. the referrer: own site, then the referer-parser data set
        (
            format!("{code}?utm_medium=podcast"),
            &[("referer", b"https://signals.example/best")],
            "comparison",
            Some("own_site"),
        ),
        (
            code.to_string(),
            &[("referer", GOOGLE)],
            "paid_search",
            Some("referrer_search"),
        ),
        (
            code.to_string(),
            &[("referer", b"https://www.facebook.com/")],
            "social",
            Some("referrer_social"),
        ),
        (
            code.to_string(),
            &[("referer", b"https://mail.google.com/mail/u/0/")],
            "email",
            Some("referrer_email"),
        ),
        // 4. nothing says
        (
            code.to_string(),
            &[("referer", b"https://random-blog.example/")],
            "unknown",
            None,
        ),
        (code.to_string(), &[], "unknown", None),
    ];
    let mut ids = Vec::new();
    for (i, (path, headers, _, _)) in cases.iter().enumerate() {
        let (status, id) = click_as(&app, path, &format!("s{i}"), headers).await;
        assert_eq!(status, StatusCode::FOUND, "{path}");
        ids.push(id.unwrap());
    }
    drain(&app).await;
    for ((path, _, channel, signal), id) in cases.iter().zip(&ids) {
        let c = click_of(&l.advertiser, id).await;
        assert_eq!(c["valid"], true, "{path}: {c}");
        assert_eq!(c["observed_channel"], *channel, "{path}: {c}");
        assert_eq!(c["signal"], json!(signal), "{path}: {c}");
    }
    let t = traffic(&l).await;
    let total: i64 = t["observed_channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clicks"].as_i64().unwrap())
        .sum();
    assert_eq!(total, cases.len() as i64);
    let paid = t["observed_channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "paid_search")
        .unwrap()
        .clone();
    assert_eq!(paid["clicks"], 7, "{paid}");
    // Too few clicks to judge the declared share.
    assert_eq!(t["declared_share"], Value::Null);
}

async fn nothing_is_stored_but_the_signals_name(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Quiet Blog", "https://quiet-signals.example/").await;
    let path = format!(
        "{}?gclid=SecretGclid42&utm_medium=paidSecretCampaign&utm_campaign=HiddenCampaign",
        l.code
    );
    let (_, id) = click_as(
        &app,
        &path,
        "q",
        &[(
            "referer",
            b"https://www.google.com/search?q=secretsearchterm",
        )],
    )
    .await;
    let forbidden = [
        "SecretGclid42",
        "secretcampaign",
        "HiddenCampaign",
        "secretsearchterm",
    ];
    let journal = &app.state.config.journal_dir();
    for entry in std::fs::read_dir(journal).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for f in forbidden {
            assert!(
                !text.to_lowercase().contains(&f.to_lowercase()),
                "the journal holds {f}"
            );
        }
    }
    drain(&app).await;
    let c = click_of(&l.advertiser, id.as_deref().unwrap()).await;
    assert_eq!(
        (c["observed_channel"].clone(), c["signal"].clone()),
        (json!("paid_search"), json!("gclid"))
    );
    let dump = app.snapshot().await.to_lowercase();
    assert!(dump.contains("gclid"), "the signal's name is stored");
    for f in forbidden {
        assert!(!dump.contains(&f.to_lowercase()), "the database holds {f}");
    }
    for table in ["click_channels_daily", "click_channels_hourly"] {
        let rows = sqlx::query(&format!("SELECT channel, signal_name FROM {table}"))
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        for r in rows {
            use sqlx::Row;
            let (channel, signal): (String, String) =
                (r.try_get(0).unwrap(), r.try_get(1).unwrap());
            assert_eq!(
                (channel.as_str(), signal.as_str()),
                ("paid_search", "gclid")
            );
        }
    }
}

async fn undeclared_channel_is_a_reason_past_the_threshold_and_clears_when_declared(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    // Declares Content; 30 of its 100 valid clicks carry a Google Ads gclid.
    let l = linked(&app, "Brand Bidder", "https://brand-bidder.example/").await;
    for i in 0..100 {
        let path = if i < 30 {
            format!("{}?gclid=x{i}", l.code)
        } else {
            l.code.clone()
        };
        let referrer: &[u8] = if i < 30 {
            b""
        } else {
            b"https://brand-bidder.example/post"
        };
        let extra: Vec<(&str, &[u8])> = if referrer.is_empty() {
            vec![]
        } else {
            vec![("referer", referrer)]
        };
        click_as(&app, &path, &format!("u{i}"), &extra).await;
    }
    drain(&app).await;
    let staff = app.staff().await;
    let id = l.source["id"].as_i64().unwrap();
    sweep(&app).await;
    let at = crate::review::reasons_of(&staff, id)
        .await
        .unwrap_or_default();
    assert!(
        !at.contains(&"undeclared_channel".to_string()),
        "30% is not more than 30%: {at:?}"
    );
    // One more: 31 of 101.
    click_as(&app, &format!("{}?gclid=y", l.code), "u100", &[]).await;
    drain(&app).await;
    sweep(&app).await;
    let at = crate::review::reasons_of(&staff, id).await.unwrap();
    assert!(at.contains(&"undeclared_channel".to_string()), "{at:?}");
    let filtered = crate::review::queue(&staff, "?reason=undeclared_channel").await;
    let item = &filtered["items"][0];
    assert_eq!(item["source"]["id"], id);
    let reason = item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason"] == "undeclared_channel")
        .unwrap();
    assert_eq!(
        reason["detail"],
        "30% of 101 valid clicks in 7 days carried a Google Ads `gclid` (Paid Search); the source declares Content"
    );
    // The partner sees the same on the source: its observed mix and declared share.
    let t = traffic(&l).await;
    assert_eq!(t["declared_share"], 69, "70 of 101 from its own site");
    assert_eq!(t["observed_channels"][0]["channel"], "content");
    assert_eq!(
        t["observed_channels"][1],
        json!({"channel": "paid_search", "clicks": 31, "share": 31, "signal": "gclid"})
    );
    // The partner adds Paid Search (an ordinary, audited edit): the next sweep clears it.
    set_channels(&l.partner, id, json!(["content", "paid_search"])).await;
    sweep(&app).await;
    let at = crate::review::reasons_of(&staff, id)
        .await
        .unwrap_or_default();
    assert!(!at.contains(&"undeclared_channel".to_string()), "{at:?}");
    assert_eq!(traffic(&l).await["declared_share"], 100);
}

async fn sweep(app: &TestApp) {
    server::db::review::sweep(&app.db, app.state.config.review_thresholds())
        .await
        .unwrap();
}

/// The partner's edit of a source's channels, as the source page saves it.
async fn set_channels(partner: &User, id: i64, channels: Value) {
    let path = format!("/api/traffic-sources/{id}");
    let current: Value = partner.get(&path).await.json().await.unwrap();
    let c = &current["source"];
    let body = json!({"name": c["name"], "url": c["url"], "channels": channels,
        "status": c["status"], "visibility": c["visibility"], "version": c["version"]});
    assert_eq!(partner.put(&path, &body).await.status(), StatusCode::OK);
}

async fn the_marketplace_shows_observed_bands_and_filters_on_matches(engine: Engine) {
    let app = spawn_app(engine).await;
    let honest = linked(&app, "Honest Blog", "https://honest.example/").await;
    let bidder = linked(&app, "Bidding Blog", "https://bidding.example/").await;
    for i in 0..30 {
        click_as(
            &app,
            &honest.code,
            &format!("h{i}"),
            &[("referer", b"https://honest.example/p")],
        )
        .await;
        let path = if i < 20 {
            format!("{}?gclid=g{i}", bidder.code)
        } else {
            bidder.code.clone()
        };
        click_as(
            &app,
            &path,
            &format!("b{i}"),
            &[("referer", b"https://bidding.example/p")],
        )
        .await;
    }
    drain(&app).await;
    let list = |query: &'static str| {
        let who = &honest.advertiser;
        async move {
            let r = who
                .get(&format!("/api/marketplace/traffic-sources{query}"))
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{query}");
            let page: Value = r.json().await.unwrap();
            page["items"].as_array().unwrap().clone()
        }
    };
    let all = list("").await;
    let row = |name: &str| all.iter().find(|r| r["name"] == name).unwrap().clone();
    assert_eq!(
        row("Honest Blog")["observed_channels"],
        json!([{"channel": "content", "band": "most"}])
    );
    assert_eq!(row("Honest Blog")["observed_matches"], true);
    assert_eq!(
        row("Bidding Blog")["observed_channels"],
        json!([{"channel": "paid_search", "band": "most"}, {"channel": "content", "band": "part"}])
    );
    assert_eq!(row("Bidding Blog")["observed_matches"], false);
    let names = |rows: Vec<Value>| {
        rows.iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(list("?observed_matches=true").await), ["Honest Blog"]);
    assert_eq!(
        names(list("?observed_matches=false").await),
        ["Bidding Blog"]
    );
    // One row a page: the filter still pages through every match.
    let first = honest
        .advertiser
        .get("/api/marketplace/traffic-sources?observed_matches=false&limit=1")
        .await;
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        names(first["items"].as_array().unwrap().clone()),
        ["Bidding Blog"]
    );
    // The same on one source, and a bad value is refused.
    let one: Value = honest
        .advertiser
        .get(&format!(
            "/api/marketplace/traffic-sources/{}",
            bidder.source["id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["observed_matches"], false);
    let r = honest
        .advertiser
        .get("/api/marketplace/traffic-sources?observed_matches=maybe")
        .await;
    let e = error_code(r, StatusCode::BAD_REQUEST).await;
    assert!(
        e["message"].as_str().unwrap().contains("observed_matches"),
        "{e}"
    );
}

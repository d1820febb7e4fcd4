//! Sign-in and the other writes against floods, from real addresses (clients bound to
//! 127.0.0.x): a flood from one address meets 429 while other calls stay fast, the owner
//! gets in from another address after an attacker locked out their own, failures on many
//! accounts lock the address that makes them, a guess spread over many addresses slows the
//! account but never locks it, the ceiling on password hashes, over-long emails refused
//! before any work, each write's own limit, the client address behind a proxy, and the
//! purge of old throttle rows and expired sessions.

use std::time::{Duration, Instant};

use model::Role;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::both_engines;
use crate::connections::user_from;
use crate::support::{error_code, spawn_app_with, Engine, TestApp, User};

both_engines!(
    a_sign_in_flood_from_one_address_meets_429_while_other_calls_stay_fast,
    the_owner_signs_in_from_another_address_after_an_attacker_locked_out_theirs,
    failures_on_many_accounts_lock_out_the_address_that_makes_them_only,
    a_guess_spread_over_many_addresses_slows_the_account_but_never_locks_it,
    past_the_hash_ceiling_a_sign_in_waits_then_is_answered_503,
    an_email_past_the_model_limit_is_refused_before_any_hash_or_write,
    each_kind_of_write_has_its_own_limit_per_address,
    behind_a_proxy_the_client_is_the_entry_the_trusted_proxies_wrote,
    old_throttle_rows_and_expired_sessions_are_purged_on_a_schedule,
);

const PASSWORD: &str = "correct horse";

/// A partner account (signed up from 127.0.0.250, out of the tests' way); its email.
async fn owner(app: &TestApp) -> String {
    let user = user_from(app, [127, 0, 0, 250]);
    let email = format!("owner-{}@example.com", crate::support::random_hex());
    let r = user
        .post(
            "/api/accounts",
            &json!({"email": email, "password": PASSWORD, "role": Role::Partner.id(), "display_name": "Owner"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    email
}

async fn sign_in(user: &User, email: &str, password: &str) -> reqwest::Response {
    user.post(
        "/api/session",
        &json!({"email": email, "password": password}),
    )
    .await
}

async fn throttle_rows(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM sign_in_throttle")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn a_sign_in_flood_from_one_address_meets_429_while_other_calls_stay_fast(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.rate_sign_in_per_min = 10).await;
    let email = owner(&app).await;
    let honest = user_from(&app, [127, 0, 0, 2]);
    assert_eq!(
        sign_in(&honest, &email, PASSWORD).await.status(),
        StatusCode::OK
    );

    // 60 sign-ins with fresh emails from one address, eight at a time.
    let flooder = user_from(&app, [127, 0, 0, 1]);
    let flood = tokio::spawn(async move {
        let mut statuses = Vec::new();
        for round in 0..8 {
            let attempts: Vec<_> = (0..8)
                .map(|i| {
                    let flooder = flooder.clone();
                    tokio::spawn(async move {
                        let r = sign_in(
                            &flooder,
                            &format!("guess{round}-{i}@example.com"),
                            "guess guess",
                        )
                        .await;
                        (r.status(), r.headers().get("retry-after").is_some())
                    })
                })
                .collect();
            for a in attempts {
                statuses.push(a.await.unwrap());
            }
        }
        statuses
    });
    // Meanwhile the signed-in person's calls stay fast.
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(honest.get("/api/session").await.status(), StatusCode::OK);
        assert_eq!(
            honest.get("/api/traffic-sources").await.status(),
            StatusCode::OK
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    let statuses = flood.await.unwrap();
    let limited = statuses
        .iter()
        .filter(|(s, retry)| *s == StatusCode::TOO_MANY_REQUESTS && *retry)
        .count();
    let refused = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    // The minute's allowance, and at most one more that came back during the flood.
    assert!(refused <= 12, "only the allowance was checked: {refused}");
    assert_eq!(limited + refused, 64, "{statuses:?}");
    // The 429 says why in words.
    let r = sign_in(&user_from(&app, [127, 0, 0, 1]), &email, PASSWORD).await;
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(error["code"], "rate_limited");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many sign-in attempts from your network. Try again in"));
    // Another address signs in.
    assert_eq!(
        sign_in(&user_from(&app, [127, 0, 0, 3]), &email, PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn the_owner_signs_in_from_another_address_after_an_attacker_locked_out_theirs(
    engine: Engine,
) {
    let app = spawn_app_with(engine, |_| {}).await;
    let email = owner(&app).await;
    let attacker = user_from(&app, [127, 0, 0, 1]);
    for _ in 0..5 {
        assert_eq!(
            sign_in(&attacker, &email, "guess guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The attacker's address is refused for this account, even with the right password.
    let r = sign_in(&attacker, &email, PASSWORD).await;
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(
        error_code(r, StatusCode::TOO_MANY_REQUESTS).await["code"],
        "too_many_attempts"
    );
    // The owner, from elsewhere, gets in at once.
    let owner = user_from(&app, [127, 0, 0, 2]);
    let started = Instant::now();
    let r = sign_in(&owner, &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(owner.get("/api/session").await.status(), StatusCode::OK);
    // A wrong guess by the owner then the right password: in (their count starts afresh).
    assert_eq!(
        sign_in(&owner, &email, "typo typo").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&owner, &email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn failures_on_many_accounts_lock_out_the_address_that_makes_them_only(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.sign_in_max_failures_per_address = 5).await;
    let email = owner(&app).await;
    let sprayer = user_from(&app, [127, 0, 0, 1]);
    for i in 0..5 {
        let r = sign_in(&sprayer, &format!("victim{i}@example.com"), "Summer2024!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = sign_in(&sprayer, &email, PASSWORD).await;
    assert!(r.headers().get("retry-after").is_some());
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(error["code"], "rate_limited");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many failed sign-ins from your network."));
    assert_eq!(
        sign_in(&user_from(&app, [127, 0, 0, 2]), &email, PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn a_guess_spread_over_many_addresses_slows_the_account_but_never_locks_it(engine: Engine) {
    let app = spawn_app_with(engine, |_| {}).await;
    let email = owner(&app).await;
    let slowdown = server::guard::sign_in::ACCOUNT_SLOWDOWN_AFTER as u8;
    for i in 0..slowdown {
        let r = sign_in(&user_from(&app, [127, 0, 2, 1 + i]), &email, "guess guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let started = Instant::now();
    let r = sign_in(&user_from(&app, [127, 0, 3, 1]), &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK, "a delay, never a lock");
    assert!(
        started.elapsed() >= server::guard::sign_in::ACCOUNT_SLOWDOWN,
        "the account under a spread guess answers after a delay"
    );
}

async fn past_the_hash_ceiling_a_sign_in_waits_then_is_answered_503(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.max_password_hashes = Some(1);
        c.password_hash_wait_ms = 200;
    })
    .await;
    let email = owner(&app).await;
    let user = user_from(&app, [127, 0, 0, 1]);
    // Every slot taken (as by a flood of hashes in flight).
    let held = app.state.guard.hashes.admit().await.unwrap();
    let started = Instant::now();
    let r = sign_in(&user, &email, PASSWORD).await;
    assert!(started.elapsed() >= Duration::from_millis(200), "it waited");
    assert_eq!(r.headers().get("retry-after").unwrap(), "2");
    let error = error_code(r, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(error["code"], "busy");
    let r = user
        .post(
            "/api/accounts",
            &json!({"email": "new@example.com", "password": PASSWORD, "role": "partner", "display_name": "New"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::SERVICE_UNAVAILABLE).await["code"],
        "busy"
    );
    // A busy answer is not a failed guess.
    assert_eq!(throttle_rows(&app).await, 0);
    drop(held);
    assert_eq!(
        sign_in(&user, &email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn an_email_past_the_model_limit_is_refused_before_any_hash_or_write(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.max_password_hashes = Some(1)).await;
    let user = user_from(&app, [127, 0, 0, 1]);
    // With the only hash slot held, a request that got as far as hashing would be 503.
    let _held = app.state.guard.hashes.admit().await.unwrap();
    let before = app.snapshot().await;
    let long = format!("{}@example.com", "a".repeat(60_000));
    let r = sign_in(&user, &long, "guess guess").await;
    let error = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error["fields"]["email"],
        "An email address has at most 254 characters."
    );
    assert_eq!(app.snapshot().await, before);
    assert_eq!(throttle_rows(&app).await, 0);
}

async fn each_kind_of_write_has_its_own_limit_per_address(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.rate_sign_up_per_min = 2;
        c.rate_writes_per_min = 3;
        c.rate_verify_per_min = 1;
    })
    .await;
    let here = user_from(&app, [127, 0, 0, 1]);
    let sign_up = |n: u32| json!({"email": format!("n{n}-{}@example.com", crate::support::random_hex()), "password": PASSWORD, "role": "partner", "display_name": "N"});
    assert_eq!(
        here.post("/api/accounts", &sign_up(1)).await.status(),
        StatusCode::CREATED
    );
    let partner = here.clone();
    assert_eq!(
        user_from(&app, [127, 0, 0, 1])
            .post("/api/accounts", &sign_up(2))
            .await
            .status(),
        StatusCode::CREATED
    );
    let r = user_from(&app, [127, 0, 0, 1])
        .post("/api/accounts", &sign_up(3))
        .await;
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many new accounts from your network."));
    // Another address may sign up.
    assert_eq!(
        user_from(&app, [127, 0, 0, 2])
            .post("/api/accounts", &sign_up(4))
            .await
            .status(),
        StatusCode::CREATED
    );

    // Writes: three a minute here; the sign-ups above did not count.
    for i in 0..3 {
        let r = partner
            .post(
                "/api/traffic-sources",
                &crate::support::source_body(
                    &format!("Blog {i}"),
                    &format!("https://blog{i}.example/"),
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let before = app.snapshot().await;
    let r = partner
        .post(
            "/api/traffic-sources",
            &crate::support::source_body("Blog 4", "https://blog4.example/"),
        )
        .await;
    assert!(r.headers().get("retry-after").is_some());
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many changes from your network in a short time."));
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused write changes nothing"
    );
    // Reads are not limited.
    assert_eq!(
        partner.get("/api/traffic-sources").await.status(),
        StatusCode::OK
    );

    // "Verify now" has its own allowance: one a minute (counted before the source is
    // looked up, so an unknown one does too).
    let verify = "/api/traffic-sources/999999/verify";
    let first = partner.post(verify, &json!({})).await.status();
    assert_eq!(first, StatusCode::NOT_FOUND);
    let r = partner.post(verify, &json!({})).await;
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Too many ownership checks from your network."));
}

async fn behind_a_proxy_the_client_is_the_entry_the_trusted_proxies_wrote(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.client_ip_header = Some("X-Forwarded-For".into());
        c.rate_sign_in_per_min = 2;
    })
    .await;
    let proxy = user_from(&app, [127, 0, 0, 1]);
    let attempt = |forwarded: String| {
        let proxy = proxy.clone();
        async move {
            proxy
                .client
                .post(format!("{}/api/session", proxy.base))
                .header("x-forwarded-for", forwarded)
                .json(&json!({"email": "x@example.com", "password": "guess guess"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The client forges a different first entry each time: the proxy's own entry (the
    // right-most) still names it.
    for forged in ["1.1.1.1", "2.2.2.2"] {
        assert_eq!(
            attempt(format!("{forged}, 203.0.113.9")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt("3.3.3.3, 203.0.113.9".into()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not limited.
    assert_eq!(
        attempt("203.0.113.10".into()).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn old_throttle_rows_and_expired_sessions_are_purged_on_a_schedule(engine: Engine) {
    let app = spawn_app_with(engine, |_| {}).await;
    let email = owner(&app).await;
    let user = user_from(&app, [127, 0, 0, 1]);
    assert_eq!(
        sign_in(&user, &email, "guess guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&user, &email, PASSWORD).await.status(),
        StatusCode::OK
    );
    let live = throttle_rows(&app).await;
    assert_eq!(live, 2, "the address's and the account's counts stay");
    // Rows from windows long past, and a session that expired.
    let old = server::time::now_ms() - 24 * 3600 * 1000;
    for key in ["old-1", "old-2"] {
        sqlx::query(
            "INSERT INTO sign_in_throttle (key, failures, window_start) VALUES ($1, 3, $2)",
        )
        .bind(key)
        .bind(old)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let account: i64 = sqlx::query("SELECT id FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ('expired', $1, $2, $3)")
        .bind(account)
        .bind(old)
        .bind(old + 1000)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let sessions = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query("SELECT COUNT(*) AS n FROM sessions")
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        }
    };
    let sessions_before = sessions(&app).await;
    let task = server::guard::purge::spawn(
        app.db.clone(),
        app.state.guard.clone(),
        Duration::from_millis(50),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while throttle_rows(&app).await != live || sessions(&app).await != sessions_before - 1 {
        assert!(Instant::now() < deadline, "the purge never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    // The live session still works.
    assert_eq!(user.get("/api/session").await.status(), StatusCode::OK);
}

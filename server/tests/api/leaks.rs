//! Small leaks closed: tracking links come from `--public-url` whatever `Host` a request
//! sends; `Strict-Transport-Security` is sent with `--secure-cookies`; a `DATABASE_URL`'s
//! password is never printed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::marketplace::{collaborate, program, source};
use crate::support::{postgres_admin_url, spawn_app_with, Engine};

both_engines!(
    tracking_links_come_from_the_public_url_not_the_host_header,
    hsts_is_sent_with_secure_cookies_only,
);

async fn tracking_links_come_from_the_public_url_not_the_host_header(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.public_url = "https://go.example.com/".into()).await;
    let partner = app.partner().await;
    let listed = source(&partner, "Listed Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    let added = collaborate(&advertiser, &spring, &listed).await;
    let code = added["tracking_code"].as_str().unwrap().to_string();
    let wanted = format!("https://go.example.com/t/{code}");
    assert_eq!(added["tracking_url"], wanted);

    // Every read that builds the link, asked with a Host an attacker chose.
    let forged = |user: &crate::support::User, path: String| {
        let request = user
            .client
            .get(format!("{}{path}", user.base))
            .header("host", "evil.example");
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let detail = forged(&advertiser, format!("/api/programs/{}", spring["id"])).await;
    assert_eq!(detail["sources"][0]["tracking_url"], wanted, "{detail}");
    let theirs = forged(&partner, format!("/api/traffic-sources/{}", listed["id"])).await;
    let said = theirs.to_string();
    assert!(!said.contains("evil.example"), "{said}");
    assert!(said.contains(&wanted), "{said}");
}

async fn hsts_is_sent_with_secure_cookies_only(engine: Engine) {
    let secure = spawn_app_with(engine, |c| c.secure_cookies = true).await;
    let plain = spawn_app_with(engine, |_| {}).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // An API answer, an error, the tracking redirect's refusal, a page of the app.
    for path in ["/api/channels", "/api/session", "/t/nosuchcode", "/sign-in"] {
        let r = client
            .get(format!("{}{path}", secure.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
        let r = client
            .get(format!("{}{path}", plain.base()))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "{path}: not over plain HTTP"
        );
    }
}

/// Runs the server binary against `url` until it exits (it cannot open the database);
/// returns everything it printed.
fn run_binary(url: &str) -> String {
    let journal = crate::support::TempDir::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_traffic-sources-server"))
        .args([
            "--port",
            "0",
            "--static-dir",
            "/nonexistent",
            "--database-url",
            url,
        ])
        .arg("--click-journal-dir")
        .arg(&journal.0)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not give up on {url} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "{url}: it cannot have started");
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_database_password_is_never_printed() {
    // The PostgreSQL the tests use, as a role that does not exist (refused at once), and
    // addresses that do not parse; each with a password.
    let admin = postgres_admin_url();
    let host = admin
        .split_once('@')
        .map(|(_, rest)| rest.split('/').next().unwrap().to_string())
        .unwrap_or_else(|| "127.0.0.1:5432".into());
    let secret = "S3cret-Pa55word";
    for (url, shown) in [
        (
            format!("postgres://no_such_role_ts:{secret}@{host}/test"),
            Some(format!("postgres://no_such_role_ts:***@{host}/test")),
        ),
        (
            format!("postgres://no_such_role_ts@{host}/test?password={secret}&sslmode=disable"),
            Some(format!(
                "postgres://no_such_role_ts@{host}/test?password=***&sslmode=disable"
            )),
        ),
        (
            format!("postgres://no_such_role_ts:{secret}@{host}:notaport/test"),
            None,
        ),
        (format!("postgres://no_such_role_ts:{secret}@/"), None),
    ] {
        let printed = run_binary(&url);
        assert!(
            !printed.contains(secret),
            "{url} printed its password:\n{printed}"
        );
        assert!(
            printed.contains("error: cannot open the database at"),
            "{url}: it says why it stopped:\n{printed}"
        );
        if let Some(shown) = shown {
            assert!(
                printed.contains(&shown),
                "{url}: names the database as {shown}:\n{printed}"
            );
        }
    }
}

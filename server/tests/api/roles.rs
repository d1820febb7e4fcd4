//! The role matrix: every call × anonymous, partner (owner), other partner, advertiser,
//! staff, with the status each must get. The server enforces roles whatever the UI shows.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::{source_body, spawn_app, Engine, TestApp, User};

both_engines!(role_matrix_for_accounts_and_sources);

/// The five kinds of caller, in the order of each row's expected statuses.
pub struct Cast {
    pub anonymous: User,
    pub owner: User,
    pub other_partner: User,
    pub advertiser: User,
    pub staff: User,
}

impl Cast {
    pub async fn new(app: &TestApp) -> Cast {
        Cast {
            anonymous: app.anonymous(),
            owner: app.partner().await,
            other_partner: app.partner().await,
            advertiser: app.advertiser().await,
            staff: app.staff().await,
        }
    }

    pub fn all(&self) -> [(&'static str, &User); 5] {
        [
            ("anonymous", &self.anonymous),
            ("owner", &self.owner),
            ("other partner", &self.other_partner),
            ("advertiser", &self.advertiser),
            ("staff", &self.staff),
        ]
    }
}

/// Sends `method path body` as each caller and checks the statuses, in Cast order.
/// `body` is a function so each caller can get a fresh one (e.g. a unique name).
pub async fn check_row(
    cast: &Cast,
    method: &str,
    path: &str,
    body: impl Fn(usize) -> Value,
    expected: [u16; 5],
) {
    for (i, (who, user)) in cast.all().into_iter().enumerate() {
        let url = format!("{}{path}", user.base);
        let request = match method {
            "GET" => user.client.get(&url),
            "POST" => user.client.post(&url).json(&body(i)),
            "PUT" => user.client.put(&url).json(&body(i)),
            "DELETE" => user.client.delete(&url),
            other => panic!("method {other}"),
        };
        let status = request.send().await.unwrap().status();
        assert_eq!(
            status,
            StatusCode::from_u16(expected[i]).unwrap(),
            "{method} {path} as {who}"
        );
    }
}

async fn role_matrix_for_accounts_and_sources(engine: Engine) {
    let app = spawn_app(engine).await;
    let cast = Cast::new(&app).await;
    let source = cast
        .owner
        .create_source("Owned", "https://owned.example")
        .await;
    let id = source["id"].as_i64().unwrap();
    let none = |_| json!({});
    let fresh_source =
        |i: usize| source_body(&format!("New {i}"), &format!("https://new{i}.example"));
    let edit = |i: usize| {
        let mut b = source_body(&format!("Owned {i}"), "https://owned.example");
        b["version"] = json!(1);
        b
    };
    //                                                                                    anon owner other adv staff
    check_row(
        &cast,
        "GET",
        "/api/session",
        none,
        [401, 200, 200, 200, 200],
    )
    .await;
    check_row(
        &cast,
        "GET",
        "/api/channels",
        none,
        [200, 200, 200, 200, 200],
    )
    .await;
    check_row(
        &cast,
        "GET",
        "/api/openapi.json",
        none,
        [200, 200, 200, 200, 200],
    )
    .await;
    check_row(
        &cast,
        "GET",
        "/api/traffic-sources",
        none,
        [401, 200, 200, 403, 200],
    )
    .await;
    check_row(
        &cast,
        "POST",
        "/api/traffic-sources",
        fresh_source,
        [401, 201, 201, 403, 403],
    )
    .await;
    check_row(
        &cast,
        "GET",
        &format!("/api/traffic-sources/{id}"),
        none,
        [401, 200, 404, 403, 200],
    )
    .await;
    check_row(
        &cast,
        "GET",
        &format!("/api/traffic-sources/{id}/history"),
        none,
        [401, 200, 404, 403, 200],
    )
    .await;
    check_row(
        &cast,
        "PUT",
        &format!("/api/traffic-sources/{id}"),
        edit,
        [401, 200, 404, 403, 403],
    )
    .await;
    check_row(
        &cast,
        "DELETE",
        "/api/session",
        none,
        [401, 204, 204, 204, 204],
    )
    .await;
    // Everyone is signed out now: anyone may sign up.
    let sign_up = |i: usize| json!({"email": format!("new{i}@example.com"), "password": "long enough", "role": "advertiser", "display_name": "New"});
    check_row(
        &cast,
        "POST",
        "/api/accounts",
        sign_up,
        [201, 201, 201, 201, 201],
    )
    .await;
}

//! Sign-up, sign-in, sign-out, sessions, throttling and the operator's staff command.

use model::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::{error_code, spawn_app, Engine};

both_engines!(
    sign_up_signs_in_and_survives_a_new_request,
    sign_up_refuses_each_bad_field_and_writes_nothing,
    sign_up_as_staff_is_forbidden,
    duplicate_email_is_refused_at_the_field,
    sign_in_and_out,
    wrong_password_is_401_and_unknown_email_alike,
    repeated_failures_are_throttled_even_with_the_right_password,
    session_cookie_is_http_only_and_lax,
    cross_origin_writes_are_refused,
    sessions_are_shared_by_instances_on_one_database,
);

async fn sign_up_signs_in_and_survives_a_new_request(engine: Engine) {
    let app = spawn_app(engine).await;
    let user = app.anonymous();
    let response = user
        .post("/api/accounts", &json!({"email": " Ann@Example.com ", "password": "long enough", "role": "partner", "display_name": " Ann's Blog "}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["email"], "ann@example.com");
    assert_eq!(account["role"], "partner");
    assert_eq!(account["display_name"], "Ann's Blog");
    let me: Value = user.get("/api/session").await.json().await.unwrap();
    assert_eq!(me["id"], account["id"]);
}

async fn sign_up_refuses_each_bad_field_and_writes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let user = app.anonymous();
    let good = json!({"email": "bob@example.com", "password": "long enough", "role": "advertiser", "display_name": "Bob"});
    let cases = [
        ("email", json!("not-an-email")),
        ("email", json!("")),
        ("password", json!("short")),
        ("password", json!("x".repeat(129))),
        ("role", json!("boss")),
        ("display_name", json!("  ")),
        ("display_name", json!("x".repeat(81))),
    ];
    let before = app.snapshot().await;
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let error = error_code(
            user.post("/api/accounts", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["code"], "invalid");
        assert!(
            error["fields"][field].is_string(),
            "{field}={value}: {error}"
        );
    }
    let mut unknown = good.clone();
    unknown["is_admin"] = json!(true);
    error_code(
        user.post("/api/accounts", &unknown).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.snapshot().await, before);
}

async fn sign_up_as_staff_is_forbidden(engine: Engine) {
    let app = spawn_app(engine).await;
    let before = app.snapshot().await;
    let body = json!({"email": "eve@example.com", "password": "long enough", "role": "staff", "display_name": "Eve"});
    let error = error_code(
        app.anonymous().post("/api/accounts", &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["code"], "forbidden");
    assert_eq!(app.snapshot().await, before);
}

async fn duplicate_email_is_refused_at_the_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let body = json!({"email": "dup@example.com", "password": "long enough", "role": "partner", "display_name": "Dup"});
    assert_eq!(
        app.anonymous().post("/api/accounts", &body).await.status(),
        StatusCode::CREATED
    );
    let before = app.snapshot().await;
    let mut again = body.clone();
    again["email"] = json!("DUP@example.com");
    let error = error_code(
        app.anonymous().post("/api/accounts", &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["code"], "duplicate");
    assert!(error["fields"]["email"].is_string());
    assert_eq!(app.snapshot().await, before);
}

async fn sign_in_and_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let email = partner.account.as_ref().unwrap().email.clone();
    let other = app.anonymous();
    assert_eq!(
        other.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let response = other
        .post(
            "/api/session",
            &json!({"email": email, "password": "correct horse"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(other.get("/api/session").await.status(), StatusCode::OK);
    assert_eq!(
        other.delete("/api/session").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        other.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Signing out one browser leaves the other signed in.
    assert_eq!(partner.get("/api/session").await.status(), StatusCode::OK);
    // Signing out needs a session.
    assert_eq!(
        other.delete("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn wrong_password_is_401_and_unknown_email_alike(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let email = partner.account.as_ref().unwrap().email.clone();
    let wrong = error_code(
        app.anonymous()
            .post(
                "/api/session",
                &json!({"email": email, "password": "wrong password"}),
            )
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown = error_code(
        app.anonymous()
            .post(
                "/api/session",
                &json!({"email": "nobody@example.com", "password": "wrong password"}),
            )
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        wrong, unknown,
        "the answer must not tell which emails have accounts"
    );
}

async fn repeated_failures_are_throttled_even_with_the_right_password(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let email = partner.account.as_ref().unwrap().email.clone();
    let user = app.anonymous();
    for _ in 0..5 {
        let r = user
            .post(
                "/api/session",
                &json!({"email": email, "password": "guess guess"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = user
        .post(
            "/api/session",
            &json!({"email": email, "password": "correct horse"}),
        )
        .await;
    assert!(r.headers().get("retry-after").is_some());
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(error["code"], "too_many_attempts");
    assert_eq!(
        user.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Another email is not affected.
    let other = app.partner().await;
    let other_email = other.account.as_ref().unwrap().email.clone();
    let r = app
        .anonymous()
        .post(
            "/api/session",
            &json!({"email": other_email, "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn session_cookie_is_http_only_and_lax(engine: Engine) {
    let app = spawn_app(engine).await;
    let body = json!({"email": "c@example.com", "password": "long enough", "role": "partner", "display_name": "C"});
    let response = app.anonymous().post("/api/accounts", &body).await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with("ts_session="))
        .expect("session cookie")
        .clone();
    // The readable hint for the web app holds no secret.
    let hint = cookies
        .iter()
        .find(|c| c.starts_with("ts_signed_in="))
        .expect("hint cookie");
    assert!(
        hint.starts_with("ts_signed_in=1;") && !hint.contains("HttpOnly"),
        "{hint}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    // The token is stored hashed: the cookie value is not in the database.
    let token = cookie
        .trim_start_matches("ts_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(!app.snapshot().await.contains(&token));
}

async fn cross_origin_writes_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let before = app.snapshot().await;
    let url = format!("{}/api/traffic-sources", app.base());
    let body = crate::support::source_body("Evil", "https://evil.example");
    let r = partner
        .client
        .post(&url)
        .header("Origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::FORBIDDEN).await["code"],
        "forbidden"
    );
    let r = partner
        .client
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = partner
        .client
        .delete(format!("{}/api/session", app.base()))
        .header("Origin", "http://localhost:1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
    // The app's own origin is fine.
    let r = partner
        .client
        .post(&url)
        .header("Origin", app.base())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn sessions_are_shared_by_instances_on_one_database(engine: Engine) {
    let app = spawn_app(engine).await;
    // A second server instance on the same database.
    let second = crate::support::second_instance(&app.url).await;
    let partner = app.partner().await;
    let me: Value = partner
        .client
        .get(format!("{second}/api/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], Role::Partner.id());
    partner
        .client
        .delete(format!("{second}/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        partner.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

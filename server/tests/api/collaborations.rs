//! Programs that partners join: program settings, the directory, applications and
//! invitations, every state change and refusal, who may do what, the link working only
//! while approved (on a second instance too), the cooling-off, a block closing open
//! applications, and deep links.

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

use crate::both_engines;
use crate::marketplace::{block, program, set_state, source};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TestApp, User};

both_engines!(
    program_settings_are_saved_read_and_checked,
    the_directory_lists_listed_programs_with_search_and_channel_filter,
    partners_read_listed_programs_and_their_own_collaborations_only,
    a_manual_program_waits_for_approval_and_a_decline_carries_its_reason,
    an_automatic_program_approves_an_application_at_once,
    an_invitation_has_no_link_until_the_partner_accepts,
    a_partner_declines_an_invitation_and_withdraws_an_application,
    either_side_ends_an_approved_collaboration_and_the_link_stops_everywhere,
    every_refusal_of_an_application_is_named,
    who_may_do_what,
    a_declined_pair_waits_out_the_cooling_off,
    after_the_cooling_off_the_pair_may_try_again,
    a_block_closes_open_applications_and_invitations,
    deep_links_land_on_permitted_hosts_only_and_the_ledger_says_so,
    every_change_is_told_to_the_other_side_and_in_the_audit_history,
    the_openapi_document_describes_the_new_calls,
    each_change_queues_its_webhook_event_to_both_sides_in_order,
);

fn visitor() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn click(base: &str, code: &str) -> Response {
    visitor()
        .get(format!("{base}/t/{code}"))
        .send()
        .await
        .unwrap()
}

/// The tracking code of a collaboration, read from the database: the API shows it only
/// while approved, and the link must answer 410 before that.
async fn code_of(app: &TestApp, id: &Value) -> String {
    sqlx::query("SELECT tracking_code FROM collaborations WHERE id = $1")
        .bind(id.as_i64().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn program_with(advertiser: &User, body: Value) -> Value {
    let r = advertiser.post("/api/programs", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "create program {body}");
    r.json().await.unwrap()
}

async fn apply(partner: &User, program: &Value, sources: &[&Value], message: &str) -> Value {
    let ids: Vec<Value> = sources.iter().map(|s| s["id"].clone()).collect();
    let r = partner
        .post(
            &format!("/api/programs/{}/applications", program["id"]),
            &json!({"traffic_source_ids": ids, "message": message}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "apply");
    r.json().await.unwrap()
}

/// The collaboration of the first result of an application; panics on a refusal.
fn made(results: &Value, i: usize) -> Value {
    let r = &results["results"][i];
    assert!(r["refusal"].is_null(), "refused: {r}");
    r["collaboration"].clone()
}

async fn step(user: &User, id: &Value, what: &str, body: Option<Value>) -> Response {
    let path = format!("/api/collaborations/{id}/{what}");
    match body {
        Some(b) => user.post(&path, &b).await,
        None => user
            .client
            .post(format!("{}{path}", user.base))
            .send()
            .await
            .unwrap(),
    }
}

async fn step_ok(user: &User, id: &Value, what: &str, body: Option<Value>) -> Value {
    let r = step(user, id, what, body).await;
    assert_eq!(r.status(), StatusCode::OK, "{what}");
    r.json().await.unwrap()
}

async fn invite(advertiser: &User, program: &Value, source: &Value) -> Value {
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", program["id"]),
            &json!({"traffic_source_id": source["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "invite");
    r.json().await.unwrap()
}

async fn get_json(user: &User, path: &str) -> Value {
    let r = user.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn program_settings_are_saved_read_and_checked(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let plain = program(&advertiser, "Plain", "https://shop.example/").await;
    // Defaults: listed, manual, every channel.
    assert_eq!(plain["approval_mode"], "manual");
    assert_eq!(plain["listing"], "listed");
    assert_eq!(plain["accepted_channels"], json!([]));
    assert_eq!(plain["description"], "");
    let full = program_with(
        &advertiser,
        json!({"name": "Full", "landing_url": "https://shop.example/", "description": "Coupons welcome.",
               "approval_mode": "automatic", "listing": "unlisted", "accepted_channels": ["coupons", "content"],
               "permitted_domains": ["Brand.Example", "help.shop.example."]}),
    )
    .await;
    assert_eq!(full["approval_mode"], "automatic");
    assert_eq!(full["listing"], "unlisted");
    assert_eq!(full["accepted_channels"], json!(["content", "coupons"]));
    assert_eq!(
        full["permitted_domains"],
        json!(["brand.example", "help.shop.example"])
    );
    let read = get_json(&advertiser, &format!("/api/programs/{}", full["id"])).await;
    assert_eq!(read["program"], full);
    // PUT replaces the settings.
    let r = advertiser
        .put(
            &format!("/api/programs/{}", full["id"]),
            &json!({"name": "Full", "landing_url": "https://shop.example/", "approval_mode": "manual", "listing": "listed"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["approval_mode"], "manual");
    assert_eq!(updated["accepted_channels"], json!([]));
    // Bad fields: 422 at each field, nothing changed.
    let other = app.advertiser().await;
    let partner = app.partner().await;
    let before = app.snapshot().await;
    let bad = json!({"name": "Bad", "landing_url": "https://shop.example/", "description": "x".repeat(2001),
        "approval_mode": "sometimes", "listing": "hidden", "accepted_channels": ["telepathy"],
        "permitted_domains": ["https://shop.example/path"]});
    let body = error_code(
        advertiser.post("/api/programs", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in [
        "description",
        "approval_mode",
        "listing",
        "accepted_channels",
        "permitted_domains",
    ] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    let r = advertiser
        .put(&format!("/api/programs/{}", full["id"]), &bad)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.snapshot().await, before);
    // Another advertiser's program: 404; a partner may not edit: 403.
    let r = other
        .put(
            &format!("/api/programs/{}", full["id"]),
            &json!({"name": "Mine", "landing_url": "https://x.example/"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = partner
        .put(
            &format!("/api/programs/{}", full["id"]),
            &json!({"name": "Mine", "landing_url": "https://x.example/"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}

async fn the_directory_lists_listed_programs_with_search_and_channel_filter(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    program_with(&advertiser, json!({"name": "Garden Tools", "landing_url": "https://g.example/", "description": "Spades and rakes", "accepted_channels": ["content"]})).await;
    program_with(&advertiser, json!({"name": "Coupon Club", "landing_url": "https://c.example/", "accepted_channels": ["coupons"]})).await;
    program_with(
        &advertiser,
        json!({"name": "Everything", "landing_url": "https://e.example/"}),
    )
    .await;
    program_with(&advertiser, json!({"name": "Secret Garden", "landing_url": "https://s.example/", "listing": "unlisted"})).await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = get_json(&partner, "/api/programs/directory").await;
    assert_eq!(names(&all), ["Everything", "Coupon Club", "Garden Tools"]);
    assert_eq!(all["total"], 3);
    let garden = get_json(&partner, "/api/programs/directory?q=garden").await;
    assert_eq!(names(&garden), ["Garden Tools"], "unlisted never shows");
    let rakes = get_json(&partner, "/api/programs/directory?q=RAKES").await;
    assert_eq!(names(&rakes), ["Garden Tools"], "description searched");
    let coupons = get_json(&partner, "/api/programs/directory?channel=coupons").await;
    assert_eq!(
        names(&coupons),
        ["Everything", "Coupon Club"],
        "empty accepts all"
    );
    let wild = get_json(&partner, "/api/programs/directory?q=100%25").await;
    assert_eq!(names(&wild), Vec::<String>::new());
    let page = get_json(&partner, "/api/programs/directory?limit=2").await;
    assert_eq!(names(&page), ["Everything", "Coupon Club"]);
    let next = get_json(
        &partner,
        &format!(
            "/api/programs/directory?limit=2&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(names(&next), ["Garden Tools"]);
    let r = partner
        .get("/api/programs/directory?channel=telepathy")
        .await;
    error_code(r, StatusCode::BAD_REQUEST).await;
    // The directory is the partners'.
    assert_eq!(
        advertiser.get("/api/programs/directory").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn partners_read_listed_programs_and_their_own_collaborations_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let (p1, p2) = (app.partner().await, app.partner().await);
    let s1 = source(&p1, "One Blog", &["content"], "active", "public").await;
    let s2 = source(&p2, "Two Blog", &["content"], "active", "public").await;
    let listed = program(&advertiser, "Listed", "https://l.example/").await;
    let unlisted = program_with(
        &advertiser,
        json!({"name": "Hidden", "landing_url": "https://h.example/", "listing": "unlisted"}),
    )
    .await;
    apply(&p1, &listed, &[&s1], "").await;
    apply(&p2, &listed, &[&s2], "").await;
    let seen = get_json(&p1, &format!("/api/programs/{}", listed["id"])).await;
    let sources = seen["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "only their own sources");
    assert_eq!(sources[0]["traffic_source_id"], s1["id"]);
    assert_eq!(
        p1.get(&format!("/api/programs/{}", unlisted["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Invited to the unlisted one, they read it.
    invite(&advertiser, &unlisted, &s1).await;
    assert_eq!(
        p1.get(&format!("/api/programs/{}", unlisted["id"]))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        p2.get(&format!("/api/programs/{}", unlisted["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Another advertiser: 404 as before.
    let other = app.advertiser().await;
    assert_eq!(
        other
            .get(&format!("/api/programs/{}", listed["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_manual_program_waits_for_approval_and_a_decline_carries_its_reason(engine: Engine) {
    let app = spawn_app(engine).await;
    let second = crate::support::second_instance(&app.url).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let a = source(&partner, "Alpha Blog", &["content"], "active", "public").await;
    let b = source(&partner, "Beta Blog", &["content"], "active", "private").await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    let results = apply(&partner, &spring, &[&a, &b], "We write about gardens.").await;
    let (ca, cb) = (made(&results, 0), made(&results, 1));
    for c in [&ca, &cb] {
        assert_eq!(c["state"], "pending");
        assert!(c["tracking_url"].is_null(), "no link while pending");
        assert_eq!(c["message"], "We write about gardens.");
    }
    let (code_a, code_b) = (
        code_of(&app, &ca["id"]).await,
        code_of(&app, &cb["id"]).await,
    );
    assert_eq!(click(&app.base(), &code_a).await.status(), StatusCode::GONE);
    // The advertiser's applications, pending first by filter.
    let pending = get_json(&advertiser, "/api/collaborations?state=pending").await;
    assert_eq!(pending["total"], 2);
    let approved = step_ok(&advertiser, &ca["id"], "approve", None).await;
    assert_eq!(approved["state"], "approved");
    assert!(approved["tracking_url"]
        .as_str()
        .unwrap()
        .ends_with(&code_a));
    assert_eq!(
        click(&app.base(), &code_a).await.status(),
        StatusCode::FOUND
    );
    assert_eq!(click(&second, &code_a).await.status(), StatusCode::FOUND);
    // A decline needs a reason from the advertiser.
    let r = step(
        &advertiser,
        &cb["id"],
        "decline",
        Some(json!({"reason": "  "})),
    )
    .await;
    let body = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["fields"]["reason"].is_string());
    let declined = step_ok(
        &advertiser,
        &cb["id"],
        "decline",
        Some(json!({"reason": "Not our audience"})),
    )
    .await;
    assert_eq!(declined["state"], "declined");
    assert_eq!(click(&app.base(), &code_b).await.status(), StatusCode::GONE);
    // The partner reads both, with the reason.
    let mine = get_json(&partner, "/api/collaborations").await;
    assert_eq!(mine["total"], 2);
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], cb["id"], "most recently changed first");
    assert_eq!(items[0]["reason"], "Not our audience");
    assert_eq!(items[0]["program_name"], "Spring");
    assert_eq!(items[1]["state"], "approved");
    // Steps from the wrong state: 409.
    let r = step(&advertiser, &ca["id"], "approve", None).await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await["code"],
        "wrong_state"
    );
    // The source's page shows the state.
    let detail = get_json(&partner, &format!("/api/traffic-sources/{}", b["id"])).await;
    assert_eq!(detail["programs"][0]["state"], "declined");
    assert!(detail["programs"][0]["tracking_url"].is_null());
}

async fn an_automatic_program_approves_an_application_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let a = source(&partner, "Auto Blog", &["content"], "active", "public").await;
    let auto = program_with(&advertiser, json!({"name": "Auto", "landing_url": "https://auto.example/", "approval_mode": "automatic"})).await;
    let c = made(&apply(&partner, &auto, &[&a], "").await, 0);
    assert_eq!(c["state"], "approved");
    let code = c["tracking_code"].as_str().unwrap();
    let r = click(&app.base(), code).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://auto.example/?click_id="));
}

async fn an_invitation_has_no_link_until_the_partner_accepts(engine: Engine) {
    let app = spawn_app(engine).await;
    let second = crate::support::second_instance(&app.url).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Invited Blog", &["content"], "active", "public").await;
    let p = program(&advertiser, "Summer", "https://shop.example/summer").await;
    let c = invite(&advertiser, &p, &s).await;
    assert_eq!(c["state"], "invited");
    assert!(c["tracking_url"].is_null());
    let code = code_of(&app, &c["id"]).await;
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::GONE);
    assert_eq!(click(&second, &code).await.status(), StatusCode::GONE);
    // Inviting again: duplicate.
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", p["id"]),
            &json!({"traffic_source_id": s["id"]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "duplicate"
    );
    let accepted = step_ok(&partner, &c["id"], "accept", None).await;
    assert_eq!(accepted["state"], "approved");
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
    assert_eq!(click(&second, &code).await.status(), StatusCode::FOUND);
    let program_page = get_json(&advertiser, &format!("/api/programs/{}", p["id"])).await;
    assert_eq!(program_page["sources"][0]["state"], "approved");
    assert_eq!(program_page["program"]["source_count"], 1);
}

async fn a_partner_declines_an_invitation_and_withdraws_an_application(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Choosy Blog", &["content"], "active", "public").await;
    let p1 = program(&advertiser, "One", "https://one.example/").await;
    let p2 = program(&advertiser, "Two", "https://two.example/").await;
    let c = invite(&advertiser, &p1, &s).await;
    // Without a body at all: a partner's reason is optional.
    let declined = step_ok(&partner, &c["id"], "decline", None).await;
    assert_eq!(declined["state"], "declined");
    assert!(declined["reason"].is_null());
    let r = step(&partner, &c["id"], "accept", None).await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await["code"],
        "wrong_state"
    );
    let pending = made(&apply(&partner, &p2, &[&s], "").await, 0);
    let withdrawn = step_ok(&partner, &pending["id"], "withdraw", None).await;
    assert_eq!(withdrawn["state"], "withdrawn");
    let code = code_of(&app, &pending["id"]).await;
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::GONE);
    let r = step(&advertiser, &pending["id"], "approve", None).await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await["code"],
        "wrong_state"
    );
    // A withdrawal was the partner's own step: they may apply again at once.
    let again = made(&apply(&partner, &p2, &[&s], "").await, 0);
    assert_eq!(again["id"], pending["id"], "the same pair, the same row");
    assert_eq!(again["state"], "pending");
}

async fn either_side_ends_an_approved_collaboration_and_the_link_stops_everywhere(engine: Engine) {
    let app = spawn_app(engine).await;
    let second = crate::support::second_instance(&app.url).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s1 = source(&partner, "End One", &["content"], "active", "public").await;
    let s2 = source(&partner, "End Two", &["content"], "active", "public").await;
    let auto = program_with(&advertiser, json!({"name": "Auto", "landing_url": "https://auto.example/", "approval_mode": "automatic"})).await;
    let results = apply(&partner, &auto, &[&s1, &s2], "").await;
    let (c1, c2) = (made(&results, 0), made(&results, 1));
    let code1 = c1["tracking_code"].as_str().unwrap().to_string();
    assert_eq!(click(&second, &code1).await.status(), StatusCode::FOUND);
    // An end needs a reason.
    let r = step(&advertiser, &c1["id"], "end", None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ended = step_ok(
        &advertiser,
        &c1["id"],
        "end",
        Some(json!({"reason": "Season over"})),
    )
    .await;
    assert_eq!(ended["state"], "ended");
    assert!(ended["tracking_url"].is_null());
    assert_eq!(click(&app.base(), &code1).await.status(), StatusCode::GONE);
    assert_eq!(click(&second, &code1).await.status(), StatusCode::GONE);
    let left = step_ok(
        &partner,
        &c2["id"],
        "end",
        Some(json!({"reason": "Moving on"})),
    )
    .await;
    assert_eq!(left["state"], "ended");
    let code2 = c2["tracking_code"].as_str().unwrap();
    assert_eq!(click(&second, code2).await.status(), StatusCode::GONE);
    let theirs = get_json(
        &advertiser,
        &format!("/api/collaborations?state=ended&program_id={}", auto["id"]),
    )
    .await;
    assert_eq!(theirs["total"], 2);
    assert_eq!(theirs["items"][0]["reason"], "Moving on");
}

async fn every_refusal_of_an_application_is_named(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let (partner, other) = (app.partner().await, app.partner().await);
    let good = source(&partner, "Good Blog", &["content"], "active", "public").await;
    let paused = source(&partner, "Paused Blog", &["content"], "paused", "public").await;
    let blocked = source(&partner, "Blocked Blog", &["content"], "active", "public").await;
    block(&app, &blocked).await;
    let coupons = source(
        &partner,
        "Coupon Site",
        &["coupons", "cashback"],
        "active",
        "public",
    )
    .await;
    let theirs = source(&other, "Their Blog", &["content"], "active", "public").await;
    let p = program_with(&advertiser, json!({"name": "Content only", "landing_url": "https://c.example/", "accepted_channels": ["content"]})).await;
    let results = apply(
        &partner,
        &p,
        &[
            &good,
            &paused,
            &blocked,
            &coupons,
            &theirs,
            &json!({"id": 999999}),
        ],
        "",
    )
    .await;
    let refusals: Vec<Value> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["refusal"].clone())
        .collect();
    assert_eq!(
        refusals,
        [
            Value::Null,
            json!("not_active"),
            json!("blocked"),
            json!("channels"),
            json!("not_found"),
            json!("not_found")
        ]
    );
    // The advertiser's evidence beside an application: declared channels and verification.
    let listed = get_json(
        &advertiser,
        &format!("/api/collaborations?traffic_source_id={}", good["id"]),
    )
    .await;
    assert_eq!(listed["items"][0]["channels"], json!(["content"]));
    assert_eq!(listed["items"][0]["channels_outside"], json!([]));
    assert_eq!(listed["items"][0]["verified"], false);
    // An invitation skips the channel check; its evidence names what the program does not accept.
    let invited = invite(&advertiser, &p, &coupons).await;
    assert_eq!(invited["channels_outside"], json!(["cashback", "coupons"]));
    let channels = results["results"][3]["message"].as_str().unwrap();
    assert!(
        channels.contains("Coupons") && channels.contains("Cashback"),
        "{channels}"
    );
    assert!(!channels.contains("Content"), "{channels}");
    // Already a member.
    let again = apply(&partner, &p, &[&good], "").await;
    assert_eq!(again["results"][0]["refusal"], "already_member");
    // Bad bodies: 422 at the field, 400 for unknown fields; nothing changed.
    let before = app.snapshot().await;
    let path = format!("/api/programs/{}/applications", p["id"]);
    let body = error_code(
        partner
            .post(&path, &json!({"traffic_source_ids": []}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["fields"]["traffic_source_ids"].is_string());
    let body = error_code(
        partner
            .post(
                &path,
                &json!({"traffic_source_ids": [good["id"]], "message": "x".repeat(1001)}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["fields"]["message"].is_string());
    error_code(
        partner
            .post(&path, &json!({"traffic_source_ids": [1], "extra": 1}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.snapshot().await, before);
    // An unlisted program takes invitations only; an unknown program is 404.
    let hidden = program_with(
        &advertiser,
        json!({"name": "Hidden", "landing_url": "https://h.example/", "listing": "unlisted"}),
    )
    .await;
    let r = partner
        .post(
            &format!("/api/programs/{}/applications", hidden["id"]),
            &json!({"traffic_source_ids": [good["id"]]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not seen at all");
    invite(&advertiser, &hidden, &theirs).await;
    let before = app.snapshot().await;
    let r = other
        .post(
            &format!("/api/programs/{}/applications", hidden["id"]),
            &json!({"traffic_source_ids": [theirs["id"]]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await["code"],
        "invitation_only"
    );
    let r = partner
        .post(
            "/api/programs/999999/applications",
            &json!({"traffic_source_ids": [good["id"]]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before);
}

async fn who_may_do_what(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let rival = app.advertiser().await;
    let (partner, stranger) = (app.partner().await, app.partner().await);
    let staff = app.staff().await;
    let s = source(&partner, "Owned Blog", &["content"], "active", "public").await;
    let s2 = source(&partner, "Second Blog", &["content"], "active", "public").await;
    let p = program(&advertiser, "Mine", "https://m.example/").await;
    let pending = made(&apply(&partner, &p, &[&s], "").await, 0);
    let invited = invite(&advertiser, &p, &s2).await;
    let before = app.snapshot().await;
    let reason = Some(json!({"reason": "because"}));
    // Another partner's or advertiser's collaboration: 404, as if it did not exist.
    for what in ["accept", "decline", "withdraw", "end"] {
        let r = step(&stranger, &invited["id"], what, reason.clone()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "stranger {what}");
    }
    for what in ["approve", "decline", "end"] {
        let r = step(&rival, &pending["id"], what, reason.clone()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "rival {what}");
    }
    // A step the role never takes: 403.
    let r = step(&partner, &pending["id"], "approve", None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for what in ["accept", "withdraw"] {
        let r = step(&advertiser, &invited["id"], what, None).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "advertiser {what}");
    }
    for what in ["accept", "approve", "withdraw"] {
        let r = step(&staff, &pending["id"], what, None).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "staff {what}");
    }
    // Applying and inviting are each one side's.
    let r = advertiser
        .post(
            &format!("/api/programs/{}/applications", p["id"]),
            &json!({"traffic_source_ids": [s["id"]]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = partner
        .post(
            &format!("/api/programs/{}/sources", p["id"]),
            &json!({"traffic_source_id": s["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let anonymous = app.anonymous();
    assert_eq!(
        anonymous.get("/api/collaborations").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        step(&anonymous, &pending["id"], "accept", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.snapshot().await, before);
    // Lists: each sees their own; staff see all.
    assert_eq!(get_json(&stranger, "/api/collaborations").await["total"], 0);
    assert_eq!(get_json(&rival, "/api/collaborations").await["total"], 0);
    assert_eq!(get_json(&partner, "/api/collaborations").await["total"], 2);
    assert_eq!(
        get_json(&advertiser, "/api/collaborations").await["total"],
        2
    );
    assert_eq!(get_json(&staff, "/api/collaborations").await["total"], 2);
    let by_source = get_json(
        &partner,
        &format!("/api/collaborations?traffic_source_id={}", s2["id"]),
    )
    .await;
    assert_eq!(by_source["total"], 1);
    assert_eq!(by_source["items"][0]["state"], "invited");
    let page = get_json(&advertiser, "/api/collaborations?limit=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = get_json(
        &advertiser,
        &format!(
            "/api/collaborations?limit=1&cursor={}",
            page["next_cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);
    for bad in ["state=maybe", "program_id=x", "cursor=nope"] {
        let r = partner.get(&format!("/api/collaborations?{bad}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn a_declined_pair_waits_out_the_cooling_off(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Eager Blog", &["content"], "active", "public").await;
    let p = program(&advertiser, "Picky", "https://p.example/").await;
    let c = made(&apply(&partner, &p, &[&s], "").await, 0);
    step_ok(
        &advertiser,
        &c["id"],
        "decline",
        Some(json!({"reason": "Not now"})),
    )
    .await;
    let again = apply(&partner, &p, &[&s], "").await;
    assert_eq!(again["results"][0]["refusal"], "cooling_off");
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", p["id"]),
            &json!({"traffic_source_id": s["id"]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await["code"],
        "cooling_off"
    );
    // An ended pair waits too.
    let auto = program_with(
        &advertiser,
        json!({"name": "Auto", "landing_url": "https://a.example/", "approval_mode": "automatic"}),
    )
    .await;
    let c = made(&apply(&partner, &auto, &[&s], "").await, 0);
    step_ok(&partner, &c["id"], "end", Some(json!({"reason": "Bye"}))).await;
    assert_eq!(
        apply(&partner, &auto, &[&s], "").await["results"][0]["refusal"],
        "cooling_off"
    );
}

async fn after_the_cooling_off_the_pair_may_try_again(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.collaboration_cooling_off_secs = 0).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Patient Blog", &["content"], "active", "public").await;
    let p = program(&advertiser, "Picky", "https://p.example/").await;
    let c = made(&apply(&partner, &p, &[&s], "").await, 0);
    step_ok(
        &advertiser,
        &c["id"],
        "decline",
        Some(json!({"reason": "Not now"})),
    )
    .await;
    let again = made(&apply(&partner, &p, &[&s], "Please?").await, 0);
    assert_eq!(
        (again["id"].clone(), again["state"].clone()),
        (c["id"].clone(), json!("pending"))
    );
    assert!(
        again["reason"].is_null(),
        "the old reason goes with the new try"
    );
    let approved = step_ok(&advertiser, &c["id"], "approve", None).await;
    let code = approved["tracking_code"].as_str().unwrap();
    assert_eq!(click(&app.base(), code).await.status(), StatusCode::FOUND);
    step_ok(
        &advertiser,
        &c["id"],
        "end",
        Some(json!({"reason": "Done"})),
    )
    .await;
    let invited = invite(&advertiser, &p, &s).await;
    assert_eq!(invited["state"], "invited");
    // Never while the source is blocked.
    step_ok(&partner, &c["id"], "decline", None).await;
    block(&app, &s).await;
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", p["id"]),
            &json!({"traffic_source_id": s["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        apply(&partner, &p, &[&s], "").await["results"][0]["refusal"],
        "blocked"
    );
}

async fn a_block_closes_open_applications_and_invitations(engine: Engine) {
    let app = spawn_app(engine).await;
    let second = crate::support::second_instance(&app.url).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Doomed Blog", &["content"], "active", "public").await;
    let (p1, p2) = (
        program(&advertiser, "P1", "https://1.example/").await,
        program(&advertiser, "P2", "https://2.example/").await,
    );
    let auto = program_with(
        &advertiser,
        json!({"name": "Auto", "landing_url": "https://a.example/", "approval_mode": "automatic"}),
    )
    .await;
    let pending = made(&apply(&partner, &p1, &[&s], "").await, 0);
    let invited = invite(&advertiser, &p2, &s).await;
    let approved = made(&apply(&partner, &auto, &[&s], "").await, 0);
    let code = approved["tracking_code"].as_str().unwrap().to_string();
    block(&app, &s).await;
    for c in [&pending, &invited] {
        let now = get_json(
            &partner,
            &format!("/api/collaborations?program_id={}", c["program_id"]),
        )
        .await;
        assert_eq!(now["items"][0]["state"], "declined");
        assert_eq!(now["items"][0]["reason"], "source blocked");
    }
    let still = get_json(
        &advertiser,
        &format!("/api/collaborations?program_id={}", auto["id"]),
    )
    .await;
    assert_eq!(
        still["items"][0]["state"], "approved",
        "approved ones wait for the unblock"
    );
    assert_eq!(click(&second, &code).await.status(), StatusCode::GONE);
    let staff = app.staff().await;
    let r = staff
        .post(
            &format!("/api/traffic-sources/{}/unblock", s["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        click(&second, &code).await.status(),
        StatusCode::FOUND,
        "approved links come back"
    );
    for c in [&pending, &invited] {
        let code = code_of(&app, &c["id"]).await;
        assert_eq!(
            click(&second, &code).await.status(),
            StatusCode::GONE,
            "closed ones stay closed"
        );
    }
    set_state(&partner, &s, "active", "public").await;
}

async fn deep_links_land_on_permitted_hosts_only_and_the_ledger_says_so(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Deep Blog", &["content"], "active", "public").await;
    let p = program_with(
        &advertiser,
        json!({"name": "Deep", "landing_url": "https://shop.example/welcome",
        "approval_mode": "automatic", "permitted_domains": ["brand.example"]}),
    )
    .await;
    let c = made(&apply(&partner, &p, &[&s], "").await, 0);
    let code = c["tracking_code"].as_str().unwrap();
    let go = |to: &str| {
        let url = format!("{}/t/{code}?to={}", app.base(), urlencode(to));
        async move { visitor().get(url).send().await.unwrap() }
    };
    let location = |r: &Response| r.headers()["location"].to_str().unwrap().to_string();
    let r = go("https://shop.example/sale?x=1").await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(
        location(&r).starts_with("https://shop.example/sale?x=1&click_id="),
        "{}",
        location(&r)
    );
    let r = go("https://eu.brand.example/p#top").await;
    assert!(
        location(&r).starts_with("https://eu.brand.example/p?click_id="),
        "{}",
        location(&r)
    );
    assert!(location(&r).ends_with("#top"));
    for other in [
        "https://evil.example/",
        "javascript:alert(1)",
        "https://shop.example.evil.example/",
    ] {
        let r = go(other).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        assert!(
            location(&r).starts_with("https://shop.example/welcome?click_id="),
            "{other}: {}",
            location(&r)
        );
    }
    assert!(location(&click(&app.base(), code).await)
        .starts_with("https://shop.example/welcome?click_id="));
    app.state.clicks.drain(&app.db).await.unwrap();
    let flags: Vec<Option<String>> =
        sqlx::query("SELECT deep_link FROM click_events ORDER BY at, click_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
    let count = |v: Option<&str>| flags.iter().filter(|f| f.as_deref() == v).count();
    assert_eq!(
        (count(Some("followed")), count(Some("refused")), count(None)),
        (2, 3, 1),
        "{flags:?}"
    );
    // A link not approved never reveals, nor follows, a deep link.
    step_ok(
        &advertiser,
        &c["id"],
        "end",
        Some(json!({"reason": "Over"})),
    )
    .await;
    assert_eq!(
        go("https://shop.example/sale").await.status(),
        StatusCode::GONE
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn every_change_is_told_to_the_other_side_and_in_the_audit_history(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let s = source(&partner, "Told Blog", &["content"], "active", "public").await;
    let p = program(&advertiser, "Loud", "https://l.example/").await;
    let messages = |user: User| async move {
        let page = get_json(&user, "/api/notifications").await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "collaboration")
            .map(|n| n["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let c = made(&apply(&partner, &p, &[&s], "").await, 0);
    assert_eq!(messages(advertiser.clone()).await.len(), 1);
    assert!(messages(advertiser.clone()).await[0].contains("applied"));
    step_ok(
        &advertiser,
        &c["id"],
        "decline",
        Some(json!({"reason": "Too small"})),
    )
    .await;
    let told = messages(partner.clone()).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains("declined") && told[0].contains("Too small"),
        "{told:?}"
    );
    let history = get_json(
        &partner,
        &format!("/api/traffic-sources/{}/history", s["id"]),
    )
    .await;
    let entries: Vec<&Value> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "collaboration")
        .collect();
    assert_eq!(entries.len(), 2, "{history}");
    assert_eq!(entries[0]["reason"], "Too small");
    // Emails go to the outbox with the notifications (the existing settings apply).
    let emails: i64 = sqlx::query("SELECT COUNT(*) FROM email_outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(emails, 2);
}

async fn the_openapi_document_describes_the_new_calls(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/programs/directory", "get"),
        ("/api/programs/{id}", "put"),
        ("/api/programs/{id}/applications", "post"),
        ("/api/collaborations", "get"),
        ("/api/collaborations/{id}/accept", "post"),
        ("/api/collaborations/{id}/decline", "post"),
        ("/api/collaborations/{id}/approve", "post"),
        ("/api/collaborations/{id}/withdraw", "post"),
        ("/api/collaborations/{id}/end", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    assert!(paths["/api/collaborations/{id}/end"]["post"]["responses"]["409"].is_object());
    assert!(paths["/t/{code}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "to"));
}

async fn each_change_queues_its_webhook_event_to_both_sides_in_order(engine: Engine) {
    // No worker runs: the events wait in the outbox, where the transaction of each change
    // put them.
    let app = crate::webhooks::loopback_app(engine, |_| {}).await;
    let advertiser = app.advertiser().await;
    let partner = app.partner().await;
    let events = [
        "collaboration.invited",
        "collaboration.applied",
        "collaboration.approved",
        "collaboration.declined",
        "collaboration.withdrawn",
        "collaboration.ended",
    ];
    crate::webhooks::register(&advertiser, "http://127.0.0.1:9/advertiser", &events).await;
    crate::webhooks::register(&partner, "http://127.0.0.1:9/partner", &events).await;
    let s = source(&partner, "Hooked Blog", &["content"], "active", "public").await;
    let s2 = source(&partner, "Hooked Two", &["content"], "active", "public").await;
    let p = program(&advertiser, "Hooks", "https://h.example/").await;
    let invited = invite(&advertiser, &p, &s).await;
    step_ok(
        &partner,
        &invited["id"],
        "decline",
        Some(json!({"reason": "No thanks"})),
    )
    .await;
    let pending = made(&apply(&partner, &p, &[&s2], "").await, 0);
    step_ok(&advertiser, &pending["id"], "approve", None).await;
    step_ok(
        &advertiser,
        &pending["id"],
        "end",
        Some(json!({"reason": "Over"})),
    )
    .await;
    for url in [
        "http://127.0.0.1:9/advertiser",
        "http://127.0.0.1:9/partner",
    ] {
        let rows = sqlx::query(
            "SELECT m.event_type, m.payload FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
             WHERE e.url = $1 ORDER BY m.id",
        )
        .bind(url)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        let types: Vec<String> = rows.iter().map(|r| r.try_get(0).unwrap()).collect();
        assert_eq!(
            types,
            [
                "collaboration.invited",
                "collaboration.declined",
                "collaboration.applied",
                "collaboration.approved",
                "collaboration.ended"
            ],
            "{url}"
        );
        let declined: Value =
            serde_json::from_str(&rows[1].try_get::<String, _>(1).unwrap()).unwrap();
        assert_eq!(declined["data"]["reason"], "No thanks");
        assert_eq!(declined["data"]["collaboration"]["id"], invited["id"]);
    }
}

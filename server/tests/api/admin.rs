//! Staff's admin calls: block and unblock (who may, what they restore, what they refuse
//! and that a refusal writes nothing), what the partner sees of a block, the audit
//! history of blocks, and the partner list of the admin filters.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::roles::{check_row, Cast};
use crate::support::{error_code, source_body, spawn_app, Engine, TestApp, User};

both_engines!(
    role_matrix_for_admin_calls,
    block_and_unblock_restore_the_previous_status,
    refused_blocks_and_unblocks_write_nothing,
    partner_sees_the_reason_never_the_note_and_cannot_edit,
    history_shows_staff_who_acted_and_the_partner_platform_staff,
    staff_lists_partners_with_search_and_pages,
    a_block_stops_every_link_at_once_on_every_instance,
);

/// Blocks as staff and returns the answered source; panics unless 200.
pub async fn block(staff: &User, id: i64, reason: &str, note: Option<&str>) -> Value {
    let r = staff
        .post(
            &format!("/api/traffic-sources/{id}/block"),
            &json!({"reason": reason, "note": note}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "block {id}");
    r.json().await.unwrap()
}

/// Unblocks as staff and returns the answered source; panics unless 200.
pub async fn unblock(staff: &User, id: i64) -> Value {
    let r = staff
        .post(&format!("/api/traffic-sources/{id}/unblock"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "unblock {id}");
    r.json().await.unwrap()
}

async fn source_status(app: &TestApp, id: i64) -> String {
    let row = sqlx::query("SELECT status FROM traffic_sources WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::Row::get(&row, "status")
}

async fn role_matrix_for_admin_calls(engine: Engine) {
    let app = spawn_app(engine).await;
    let cast = Cast::new(&app).await;
    let id = cast
        .owner
        .create_source("Owned", "https://owned.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let reason = |_| json!({"reason": "Fake clicks", "note": "seen in logs"});
    let none = |_| json!({});
    let block_path = format!("/api/traffic-sources/{id}/block");
    let unblock_path = format!("/api/traffic-sources/{id}/unblock");

    // Only staff, and not the partner who owns the source; a refused call changes nothing.
    let before = app.snapshot().await;
    //                                                    anon owner other adv staff
    check_row(
        &cast,
        "POST",
        &block_path,
        reason,
        [401, 403, 403, 403, 200],
    )
    .await;
    assert_eq!(source_status(&app, id).await, "blocked");
    let blocked = app.snapshot().await;
    assert_ne!(blocked, before);

    // The partner trying to lift the block on their own source: 403, nothing changed.
    let error = error_code(
        cast.owner.post(&unblock_path, &json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["code"], "forbidden");
    assert_eq!(app.snapshot().await, blocked);
    check_row(
        &cast,
        "POST",
        &unblock_path,
        none,
        [401, 403, 403, 403, 200],
    )
    .await;
    assert_eq!(source_status(&app, id).await, "active");

    check_row(
        &cast,
        "GET",
        "/api/partners",
        none,
        [401, 403, 403, 403, 200],
    )
    .await;
    // Notifications are everyone's own: the owner got two (block, unblock).
    check_row(
        &cast,
        "GET",
        "/api/notifications",
        none,
        [401, 200, 200, 200, 200],
    )
    .await;
    let mine: Value = cast
        .owner
        .get("/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    let nid = mine["items"][0]["id"].as_i64().unwrap();
    check_row(
        &cast,
        "POST",
        &format!("/api/notifications/{nid}/read"),
        none,
        [401, 200, 404, 404, 404],
    )
    .await;
    check_row(
        &cast,
        "POST",
        "/api/notifications/read-all",
        none,
        [401, 204, 204, 204, 204],
    )
    .await;
    // Each call is in the published contract, generated from the handlers.
    let doc: Value = cast
        .anonymous
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for path in [
        "/api/traffic-sources/{id}/block",
        "/api/traffic-sources/{id}/unblock",
        "/api/partners",
        "/api/notifications",
        "/api/notifications/{id}/read",
        "/api/notifications/read-all",
    ] {
        assert!(
            doc["paths"][path]["post"].is_object() || doc["paths"][path]["get"].is_object(),
            "missing {path}"
        );
    }
    for schema in [
        "BlockRequest",
        "NotificationPage",
        "Notification",
        "PartnerSummary",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "missing schema {schema}"
        );
    }
}

async fn block_and_unblock_restore_the_previous_status(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let staff = app.staff().await;
    for start in ["active", "paused"] {
        let mut body = source_body(&format!("Was {start}"), &format!("https://{start}.example"));
        body["status"] = json!(start);
        let r = partner.post("/api/traffic-sources", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();

        let blocked = block(
            &staff,
            id,
            "  Cookie stuffing  ",
            Some(" internal ticket 42 "),
        )
        .await;
        assert_eq!(blocked["status"], "blocked");
        assert_eq!(blocked["block_reason"], "Cookie stuffing", "trimmed");
        assert_eq!(
            blocked["block_note"], "internal ticket 42",
            "staff see the note"
        );
        assert_eq!(blocked["version"], 2);

        let lifted = unblock(&staff, id).await;
        assert_eq!(lifted["status"], start, "unblock restores {start}");
        assert!(lifted.get("block_reason").is_none(), "{lifted}");
        assert!(lifted.get("block_note").is_none(), "{lifted}");
        assert_eq!(lifted["version"], 3);
        let read: Value = partner
            .get(&format!("/api/traffic-sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["source"]["status"], start);

        // Once lifted, the partner edits it again as usual.
        let mut edit = body.clone();
        edit["name"] = json!(format!("Still {start}"));
        edit["version"] = json!(3);
        let r = partner
            .put(&format!("/api/traffic-sources/{id}"), &edit)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // A block without a note is fine too.
    let id = partner
        .create_source("No note", "https://no-note.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let blocked = block(&staff, id, "Spam", None).await;
    assert!(blocked.get("block_note").is_none(), "{blocked}");
}

async fn refused_blocks_and_unblocks_write_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let advertiser = app.advertiser().await;
    let staff = app.staff().await;
    let active = partner.create_source("Active", "https://a.example").await["id"]
        .as_i64()
        .unwrap();
    let blocked = partner.create_source("Blocked", "https://b.example").await["id"]
        .as_i64()
        .unwrap();
    // Both are used in a program, so a block that went through would notify someone.
    put_in_program(&advertiser, active).await;
    put_in_program(&advertiser, blocked).await;
    block(&staff, blocked, "Spam", None).await;
    let before = app.snapshot().await;

    let block_path = format!("/api/traffic-sources/{active}/block");
    let invalid = [
        (json!({}), "reason"),
        (json!({"reason": ""}), "reason"),
        (json!({"reason": "   "}), "reason"),
        (json!({"reason": "x".repeat(501)}), "reason"),
        (json!({"reason": "two\nlines"}), "reason"),
        (json!({"reason": "Spam", "note": "n".repeat(2001)}), "note"),
    ];
    for (body, field) in invalid {
        let error = error_code(
            staff.post(&block_path, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["code"], "invalid");
        assert!(error["fields"][field].is_string(), "{body}: {error}");
    }
    let error = error_code(
        staff
            .post(&block_path, &json!({"reason": "Spam", "status": "blocked"}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error["code"], "malformed", "unknown fields are refused");
    for path in [
        "/api/traffic-sources/999999/block",
        "/api/traffic-sources/999999/unblock",
    ] {
        let error = error_code(
            staff.post(path, &json!({"reason": "Spam"})).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(error["code"], "not_found");
    }
    let error = error_code(
        staff
            .post(
                &format!("/api/traffic-sources/{blocked}/block"),
                &json!({"reason": "Again"}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error["code"], "already_blocked");
    let error = error_code(
        staff
            .post(
                &format!("/api/traffic-sources/{active}/unblock"),
                &json!({}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error["code"], "not_blocked");
    // Forbidden callers write nothing either.
    for caller in [&partner, &advertiser] {
        let r = caller.post(&block_path, &json!({"reason": "Spam"})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    // No status, audit entry or notification was written by any of them.
    assert_eq!(app.snapshot().await, before);
}

async fn partner_sees_the_reason_never_the_note_and_cannot_edit(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let staff = app.staff().await;
    let created = partner.create_source("Mine", "https://mine.example").await;
    let id = created["id"].as_i64().unwrap();
    block(&staff, id, "Incentivised clicks", Some("SECRET-NOTE")).await;

    let list: Value = partner
        .get("/api/traffic-sources?status=blocked")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["status"], "blocked");
    assert_eq!(list["items"][0]["block_reason"], "Incentivised clicks");
    let path = format!("/api/traffic-sources/{id}");
    let detail: Value = partner.get(&path).await.json().await.unwrap();
    assert_eq!(detail["source"]["block_reason"], "Incentivised clicks");
    let history: Value = partner
        .get(&format!("{path}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["reason"], "Incentivised clicks");
    let notes: Value = partner
        .get("/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert!(notes["items"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Incentivised clicks"));
    // Whatever the partner reads, the note is nowhere in it.
    for body in [&list, &detail, &history, &notes] {
        assert!(!body.to_string().contains("SECRET-NOTE"), "{body}");
    }

    let before = app.snapshot().await;
    for status in ["active", "paused"] {
        let mut edit = source_body("Mine", "https://mine.example");
        edit["status"] = json!(status);
        edit["version"] = json!(2);
        let error = error_code(partner.put(&path, &edit).await, StatusCode::FORBIDDEN).await;
        assert_eq!(error["code"], "source_blocked");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn history_shows_staff_who_acted_and_the_partner_platform_staff(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let staff = app.staff().await;
    let mut body = source_body("Hist", "https://hist.example");
    body["status"] = json!("paused");
    let id = partner
        .post("/api/traffic-sources", &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    block(&staff, id, "Brand bidding", Some("second warning")).await;
    unblock(&staff, id).await;
    let path = format!("/api/traffic-sources/{id}/history");

    let seen_by_staff: Value = staff.get(&path).await.json().await.unwrap();
    let items = seen_by_staff["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["unblocked", "blocked", "created"]);
    let (unblocked, blocked) = (&items[0], &items[1]);
    for entry in [unblocked, blocked] {
        assert_eq!(entry["actor"]["id"], staff.id());
        assert_eq!(entry["actor"]["role"], "staff");
        assert!(entry["at"].is_string());
    }
    assert_eq!(blocked["reason"], "Brand bidding");
    assert_eq!(blocked["note"], "second warning");
    assert_eq!(
        blocked["changes"],
        json!([{"field": "status", "old": "paused", "new": "blocked"}])
    );
    assert_eq!(
        unblocked["changes"],
        json!([{"field": "status", "old": "blocked", "new": "paused"}])
    );

    assert_eq!(
        blocked["actor"]["display_name"], "Staff Member",
        "staff see who"
    );

    // The partner sees the team, not the person who acted (nor their e-mail).
    let seen_by_partner: Value = partner.get(&path).await.json().await.unwrap();
    let blocked = &seen_by_partner["items"][1];
    assert_eq!(blocked["action"], "blocked");
    assert_eq!(blocked["reason"], "Brand bidding");
    assert!(blocked.get("note").is_none(), "{blocked}");
    for entry in &seen_by_partner["items"].as_array().unwrap()[..2] {
        assert_eq!(
            entry["actor"],
            json!({"id": 0, "display_name": "Platform staff", "role": "staff"})
        );
    }
    let text = seen_by_partner.to_string();
    let email = &staff.account.as_ref().unwrap().email;
    assert!(
        !text.contains("Staff Member") && !text.contains(email.as_str()),
        "{text}"
    );
    // Their own entries still name them.
    assert_eq!(seen_by_partner["items"][2]["actor"]["id"], partner.id());
}

async fn staff_lists_partners_with_search_and_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let mut partners = Vec::new();
    for _ in 0..5 {
        partners.push(app.partner().await);
    }
    app.advertiser().await;
    // Every partner exactly once, in name order, across pages of two; nobody else.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/partners?limit=2&cursor={c}"),
            None => "/api/partners?limit=2".into(),
        };
        let page: Value = staff.get(&path).await.json().await.unwrap();
        for p in page["items"].as_array().unwrap() {
            seen.push((
                p["display_name"].as_str().unwrap().to_string(),
                p["id"].as_i64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expected: Vec<(String, i64)> = partners
        .iter()
        .map(|p| (p.account.as_ref().unwrap().display_name.clone(), p.id()))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);

    // Search by part of the name or email, case-insensitively.
    let one = partners[2].account.clone().unwrap();
    let needle = one.email.split('@').next().unwrap().to_uppercase();
    let found: Value = staff
        .get(&format!("/api/partners?q={needle}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["id"], one.id);
    let none: Value = staff.get("/api/partners?q=%25").await.json().await.unwrap();
    assert_eq!(none["items"], json!([]), "% is searched for literally");

    for bad in ["limit=0", "limit=101", "cursor=nonsense"] {
        let error = error_code(
            staff.get(&format!("/api/partners?{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error["code"], "malformed", "{bad}");
    }
}

/// Puts the source in a new program of the advertiser; returns the tracking code.
pub async fn put_in_program(advertiser: &User, source_id: i64) -> String {
    let r = advertiser
        .post(
            "/api/programs",
            &json!({"name": "Winter sale", "landing_url": "https://shop.example/winter"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let program: Value = r.json().await.unwrap();
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", program["id"]),
            &json!({"traffic_source_id": source_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let invited: Value = r.json().await.unwrap();
    // Invited, then accepted by the source's partner: only then does the link work.
    let partner =
        crate::support::signed_up(&advertiser.base, invited["partner_id"].as_i64().unwrap());
    let r = partner
        .post(
            &format!("/api/collaborations/{}/accept", invited["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "accept");
    let collaboration: Value = r.json().await.unwrap();
    collaboration["tracking_code"].as_str().unwrap().to_string()
}

/// A second server instance on the same database, as behind a load balancer.
async fn second_instance(app: &TestApp) -> String {
    crate::support::second_instance(&app.url).await
}

/// The status of a click on `base/t/code`, without following the redirect.
async fn click(base: &str, code: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/t/{code}"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn in_marketplace(advertiser: &User, id: i64) -> bool {
    let page: Value = advertiser
        .get("/api/marketplace/traffic-sources?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let listed = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == id);
    let read = advertiser
        .get(&format!("/api/marketplace/traffic-sources/{id}"))
        .await
        .status();
    assert_eq!(
        listed,
        read == StatusCode::OK,
        "the list and the read agree"
    );
    listed
}

/// "At once": when the block has answered, no link of the source redirects, on any
/// instance, and advertisers no longer find it; lifting the block brings all of it back.
async fn a_block_stops_every_link_at_once_on_every_instance(engine: Engine) {
    let app = spawn_app(engine).await;
    let other = second_instance(&app).await;
    let partner = app.partner().await;
    let (first_advertiser, second_advertiser) = (app.advertiser().await, app.advertiser().await);
    let staff = app.staff().await;
    let id = partner
        .create_source("Linked", "https://linked.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let codes = [
        put_in_program(&first_advertiser, id).await,
        put_in_program(&second_advertiser, id).await,
    ];
    let instances = [app.base(), other.clone()];
    for (base, code) in instances
        .iter()
        .flat_map(|b| codes.iter().map(move |c| (b, c)))
    {
        assert_eq!(click(base, code).await, StatusCode::FOUND, "{base}");
    }
    assert!(in_marketplace(&first_advertiser, id).await);

    for round in 0..3 {
        block(&staff, id, "Bot traffic", None).await;
        // The very next click, on either instance, without any wait.
        for (base, code) in instances
            .iter()
            .flat_map(|b| codes.iter().map(move |c| (b, c)))
        {
            assert_eq!(
                click(base, code).await,
                StatusCode::GONE,
                "{base} round {round}"
            );
        }
        for advertiser in [&first_advertiser, &second_advertiser] {
            assert!(!in_marketplace(advertiser, id).await);
            let r = advertiser.get(&format!("/api/traffic-sources/{id}")).await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "advertisers never read sources directly"
            );
        }
        // Nor can an advertiser put the blocked source into another program.
        let r = first_advertiser
            .post(
                "/api/programs",
                &json!({"name": "Another", "landing_url": "https://shop.example/"}),
            )
            .await;
        let program: Value = r.json().await.unwrap();
        let r = first_advertiser
            .post(
                &format!("/api/programs/{}/sources", program["id"]),
                &json!({"traffic_source_id": id}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "a blocked source cannot be added"
        );

        // Lifted through the other instance this time: both see it at once.
        let r = staff
            .client
            .post(format!("{other}/api/traffic-sources/{id}/unblock"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for (base, code) in instances
            .iter()
            .flat_map(|b| codes.iter().map(move |c| (b, c)))
        {
            assert_eq!(
                click(base, code).await,
                StatusCode::FOUND,
                "{base} round {round}"
            );
        }
        assert!(in_marketplace(&second_advertiser, id).await);
    }

    // A source paused before the block comes back paused: its links stay off and it
    // stays out of the marketplace.
    let mut edit = source_body("Linked", "https://linked.example");
    edit["status"] = json!("paused");
    edit["version"] = partner
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["source"]["version"]
        .clone();
    assert_eq!(
        partner
            .put(&format!("/api/traffic-sources/{id}"), &edit)
            .await
            .status(),
        StatusCode::OK
    );
    block(&staff, id, "Bot traffic", None).await;
    assert_eq!(unblock(&staff, id).await["status"], "paused");
    for (base, code) in instances
        .iter()
        .flat_map(|b| codes.iter().map(move |c| (b, c)))
    {
        assert_eq!(click(base, code).await, StatusCode::GONE, "{base}");
    }
    assert!(!in_marketplace(&first_advertiser, id).await);
}

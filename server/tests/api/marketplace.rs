//! Advertisers: the marketplace (Active and Public sources only, never anything else),
//! programs, and adding sources to them with a tracking link.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::roles::{check_row, Cast};
use crate::support::{error_code, spawn_app, Engine, TestApp, User};

both_engines!(
    marketplace_lists_only_active_public_sources,
    marketplace_never_reveals_other_sources_by_id,
    marketplace_search_channel_filter_sort_and_pagination,
    marketplace_refuses_bad_parameters,
    programs_are_created_listed_and_read,
    programs_can_be_narrowed_to_those_using_a_source,
    program_fields_are_validated_and_nothing_is_written,
    adding_a_source_answers_its_tracking_link,
    the_partner_sees_the_program_and_link_on_their_source,
    adding_the_same_source_twice_is_refused_at_the_field,
    only_marketplace_sources_can_be_added,
    another_advertisers_program_is_not_found,
    a_source_that_turns_private_or_paused_stays_in_its_programs,
    tracking_codes_are_unique_base62_and_unguessable,
    role_matrix_for_marketplace_and_programs,
    openapi_documents_the_new_calls,
);

/// Creates a source with the given fields as `partner`; panics unless 201.
pub async fn source(
    partner: &User,
    name: &str,
    channels: &[&str],
    status: &str,
    visibility: &str,
) -> Value {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let body = json!({"name": name, "url": format!("https://{slug}.example/"), "channels": channels, "status": status, "visibility": visibility});
    let r = partner.post("/api/traffic-sources", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "create {name}");
    r.json().await.unwrap()
}

/// Saves a source with a new status and visibility (the partner's edit form).
pub async fn set_state(partner: &User, source: &Value, status: &str, visibility: &str) -> Value {
    let path = format!("/api/traffic-sources/{}", source["id"]);
    let current: Value = partner.get(&path).await.json().await.unwrap();
    let current = &current["source"];
    let body = json!({"name": current["name"], "url": current["url"], "channels": current["channels"],
        "status": status, "visibility": visibility, "version": current["version"]});
    let r = partner.put(&path, &body).await;
    assert_eq!(r.status(), StatusCode::OK, "set {status}/{visibility}");
    r.json().await.unwrap()
}

/// Blocks a source the way staff do (in the database: the staff API is not ours to test).
pub async fn block(app: &TestApp, source: &Value) {
    let staff = app.staff().await;
    server::db::sources::block(
        &app.db,
        source["id"].as_i64().unwrap(),
        staff.id(),
        "Fake traffic",
        None,
    )
    .await
    .unwrap();
}

pub async fn program(advertiser: &User, name: &str, landing_url: &str) -> Value {
    let r = advertiser
        .post(
            "/api/programs",
            &json!({"name": name, "landing_url": landing_url}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "create program {name}");
    r.json().await.unwrap()
}

pub async fn add(advertiser: &User, program: &Value, source: &Value) -> reqwest::Response {
    advertiser
        .post(
            &format!("/api/programs/{}/sources", program["id"]),
            &json!({"traffic_source_id": source["id"]}),
        )
        .await
}

/// Invites the source, has its partner accept, and returns the approved collaboration
/// with its link; panics unless both succeed.
pub async fn collaborate(advertiser: &User, program: &Value, source: &Value) -> Value {
    let r = add(advertiser, program, source).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let invited: Value = r.json().await.unwrap();
    assert_eq!(invited["state"], "invited");
    let partner =
        crate::support::signed_up(&advertiser.base, invited["partner_id"].as_i64().unwrap());
    let r = partner
        .post(
            &format!("/api/collaborations/{}/accept", invited["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "accept");
    // The advertiser's view, as the call answered before invitations existed.
    let r = advertiser
        .get(&format!("/api/programs/{}", program["id"]))
        .await;
    let detail: Value = r.json().await.unwrap();
    detail["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == invited["id"])
        .cloned()
        .unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

async fn get_ok(user: &User, path: &str) -> Value {
    let r = user.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// Sources in every state, from two partners: the first two are the listed ones.
async fn every_kind_of_source(app: &TestApp) -> Vec<Value> {
    let (p1, p2) = (app.partner().await, app.partner().await);
    let blocked = source(&p1, "Blocked Blog", &["content"], "active", "public").await;
    block(app, &blocked).await;
    vec![
        source(&p1, "Open Blog", &["content"], "active", "public").await,
        source(&p2, "Open Coupons", &["coupons"], "active", "public").await,
        source(&p1, "Private Newsletter", &["email"], "active", "private").await,
        source(&p2, "Paused App", &["mobile_app"], "paused", "public").await,
        source(&p2, "Paused Private", &["video"], "paused", "private").await,
        blocked,
    ]
}

async fn marketplace_lists_only_active_public_sources(engine: Engine) {
    let app = spawn_app(engine).await;
    let sources = every_kind_of_source(&app).await;
    let advertiser = app.advertiser().await;
    let page = get_ok(&advertiser, "/api/marketplace/traffic-sources").await;
    assert_eq!(
        names(&page),
        ["Open Blog", "Open Coupons"],
        "sorted by name"
    );
    assert_eq!(page["next_cursor"], Value::Null);
    let item = &page["items"][1];
    let open = &sources[1];
    assert_eq!(item["id"], open["id"]);
    assert_eq!(item["partner_id"], open["partner_id"]);
    assert_eq!(item["partner_name"], open["partner_name"]);
    assert!(item["partner_name"]
        .as_str()
        .unwrap()
        .starts_with("Partner"));
    assert_eq!(item["url"], "https://open-coupons.example/");
    assert_eq!(item["channels"], json!(["coupons"]));
    assert!(item["updated_at"].is_string());
    for private_field in ["status", "visibility", "version", "block_reason"] {
        assert!(item.get(private_field).is_none(), "{private_field}: {item}");
    }
    // Status and visibility cannot be chosen here: they never widen the list.
    for query in [
        "status=paused",
        "status=blocked&visibility=private",
        "visibility=private",
        "q=Paused",
        "q=Private",
        "q=Blocked",
        "channel=email&channel=mobile_app&channel=video",
    ] {
        let page = get_ok(
            &advertiser,
            &format!("/api/marketplace/traffic-sources?{query}"),
        )
        .await;
        for name in names(&page) {
            assert!(name.starts_with("Open"), "{query}: {name}");
        }
    }
    // Staff browse the same marketplace.
    let staff = app.staff().await;
    let page = get_ok(&staff, "/api/marketplace/traffic-sources").await;
    assert_eq!(names(&page), ["Open Blog", "Open Coupons"]);
    // A source that is paused later leaves the marketplace at once.
    let owner = app.partner().await;
    let leaving = source(&owner, "Leaving Soon", &["content"], "active", "public").await;
    let page = get_ok(&advertiser, "/api/marketplace/traffic-sources?q=leaving").await;
    assert_eq!(names(&page), ["Leaving Soon"]);
    set_state(&owner, &leaving, "paused", "public").await;
    let page = get_ok(&advertiser, "/api/marketplace/traffic-sources?q=leaving").await;
    assert_eq!(page["items"], json!([]));
}

async fn marketplace_never_reveals_other_sources_by_id(engine: Engine) {
    let app = spawn_app(engine).await;
    let sources = every_kind_of_source(&app).await;
    let advertiser = app.advertiser().await;
    let open = get_ok(
        &advertiser,
        &format!("/api/marketplace/traffic-sources/{}", sources[0]["id"]),
    )
    .await;
    assert_eq!(open["name"], "Open Blog");
    assert_eq!(open["partner_name"], sources[0]["partner_name"]);
    let unknown = error_code(
        advertiser
            .get("/api/marketplace/traffic-sources/999999")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for hidden in &sources[2..] {
        let error = error_code(
            advertiser
                .get(&format!(
                    "/api/marketplace/traffic-sources/{}",
                    hidden["id"]
                ))
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            error, unknown,
            "{} looks exactly like no source",
            hidden["name"]
        );
    }
    // Advertisers cannot read sources outside the marketplace either.
    for hidden in &sources {
        error_code(
            advertiser
                .get(&format!("/api/traffic-sources/{}", hidden["id"]))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}

async fn marketplace_search_channel_filter_sort_and_pagination(engine: Engine) {
    let app = spawn_app(engine).await;
    let (p1, p2) = (app.partner().await, app.partner().await);
    source(
        &p1,
        "Alpha Deals",
        &["coupons", "cashback"],
        "active",
        "public",
    )
    .await;
    source(
        &p1,
        "beta Reviews",
        &["content", "comparison"],
        "active",
        "public",
    )
    .await;
    source(&p2, "Gamma Video", &["video"], "active", "public").await;
    source(&p2, "Delta 50%_off", &["coupons"], "active", "public").await;
    source(
        &p2,
        "Epsilon Hidden Deals",
        &["coupons"],
        "active",
        "private",
    )
    .await;
    let advertiser = app.advertiser().await;
    let get = |query: &'static str| {
        let advertiser = advertiser.clone();
        async move {
            get_ok(
                &advertiser,
                &format!("/api/marketplace/traffic-sources?{query}"),
            )
            .await
        }
    };
    assert_eq!(
        names(&get("").await),
        [
            "Alpha Deals",
            "beta Reviews",
            "Delta 50%_off",
            "Gamma Video"
        ]
    );
    assert_eq!(
        names(&get("sort=-name").await),
        [
            "Gamma Video",
            "Delta 50%_off",
            "beta Reviews",
            "Alpha Deals"
        ]
    );
    assert_eq!(
        names(&get("sort=-created_at").await),
        [
            "Delta 50%_off",
            "Gamma Video",
            "beta Reviews",
            "Alpha Deals"
        ]
    );
    assert_eq!(names(&get("sort=-updated_at").await)[0], "Delta 50%_off");
    assert_eq!(
        names(&get("q=DEALS").await),
        ["Alpha Deals"],
        "case-insensitive, private hidden"
    );
    assert_eq!(
        names(&get("q=gamma-video.example").await),
        ["Gamma Video"],
        "search covers the URL"
    );
    assert_eq!(
        names(&get("q=50%25_").await),
        ["Delta 50%_off"],
        "% and _ are literal"
    );
    assert_eq!(
        names(&get("channel=coupons").await),
        ["Alpha Deals", "Delta 50%_off"]
    );
    assert_eq!(
        names(&get("channel=video&channel=comparison").await),
        ["beta Reviews", "Gamma Video"],
        "several channels: any of them"
    );
    assert_eq!(
        names(&get("channel=coupons&q=delta").await),
        ["Delta 50%_off"]
    );
    assert_eq!(get("channel=podcast").await["items"], json!([]));
    let p2_id = p2.id();
    let page = get_ok(
        &advertiser,
        &format!("/api/marketplace/traffic-sources?partner_id={p2_id}"),
    )
    .await;
    assert_eq!(names(&page), ["Delta 50%_off", "Gamma Video"]);
    // Pagination walks every listed source exactly once, in order, in every sort.
    for sort in ["name", "-name", "url", "-created_at", "updated_at"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/marketplace/traffic-sources?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = get_ok(&advertiser, &path).await;
            assert!(page["items"].as_array().unwrap().len() <= 3);
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let full = get_ok(
            &advertiser,
            &format!("/api/marketplace/traffic-sources?sort={sort}"),
        )
        .await;
        assert_eq!(seen, names(&full), "{sort}");
        assert_eq!(seen.len(), 4, "{sort}");
    }
}

async fn marketplace_refuses_bad_parameters(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "sort=password",
        "channel=tv",
        "cursor=not-a-cursor",
        "partner_id=x",
    ] {
        let error = error_code(
            advertiser
                .get(&format!("/api/marketplace/traffic-sources?{query}"))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error["code"], "malformed", "{query}");
    }
    let long = "q".repeat(201);
    error_code(
        advertiser
            .get(&format!("/api/marketplace/traffic-sources?q={long}"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn programs_are_created_listed_and_read(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let created = program(
        &advertiser,
        "  Spring Sale ",
        "HTTPS://Shop.Example:443/spring?utm=aff",
    )
    .await;
    assert_eq!(created["name"], "Spring Sale");
    assert_eq!(
        created["landing_url"],
        "https://shop.example/spring?utm=aff"
    );
    assert_eq!(created["source_count"], 0);
    assert!(created["created_at"].is_string());
    let detail = get_ok(&advertiser, &format!("/api/programs/{}", created["id"])).await;
    assert_eq!(detail["program"], created);
    assert_eq!(detail["sources"], json!([]));
    for i in 0..4 {
        program(
            &advertiser,
            &format!("Program {i}"),
            "https://shop.example/",
        )
        .await;
    }
    app.advertiser()
        .await
        .post(
            "/api/programs",
            &json!({"name": "Not mine", "landing_url": "https://other.example"}),
        )
        .await;
    let list = get_ok(&advertiser, "/api/programs").await;
    assert_eq!(
        names(&list),
        [
            "Program 3",
            "Program 2",
            "Program 1",
            "Program 0",
            "Spring Sale"
        ],
        "own programs, newest first"
    );
    assert_eq!(list["total"], 5);
    let mut seen = Vec::new();
    let mut path = "/api/programs?limit=2".to_string();
    loop {
        let page = get_ok(&advertiser, &path).await;
        assert_eq!(page["total"], 5);
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/programs?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, names(&list));
    for bad in ["limit=0", "limit=101", "cursor=abc"] {
        error_code(
            advertiser.get(&format!("/api/programs?{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

async fn programs_can_be_narrowed_to_those_using_a_source(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let used = source(&partner, "Used Blog", &["content"], "active", "public").await;
    let unused = source(&partner, "Unused Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let mut with_source = Vec::new();
    for i in 0..5 {
        let p = program(
            &advertiser,
            &format!("Program {i}"),
            "https://shop.example/",
        )
        .await;
        if i % 2 == 0 {
            collaborate(&advertiser, &p, &used).await;
            with_source.push(format!("Program {i}"));
        }
    }
    with_source.reverse();
    // Another advertiser's program with the same source is never listed.
    let other = app.advertiser().await;
    let theirs = program(&other, "Not mine", "https://other.example/").await;
    collaborate(&other, &theirs, &used).await;

    let path = format!("/api/programs?traffic_source_id={}", used["id"]);
    let list = get_ok(&advertiser, &path).await;
    assert_eq!(
        names(&list),
        with_source,
        "newest first, only those using it"
    );
    assert_eq!(list["total"], 3);
    // Paging keeps the filter.
    let mut seen = Vec::new();
    let mut page_path = format!("{path}&limit=2");
    loop {
        let page = get_ok(&advertiser, &page_path).await;
        assert_eq!(page["total"], 3);
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => page_path = format!("{path}&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, with_source);
    let none = get_ok(
        &advertiser,
        &format!("/api/programs?traffic_source_id={}", unused["id"]),
    )
    .await;
    assert_eq!(names(&none), Vec::<String>::new());
    assert_eq!(none["total"], 0);
    // Empty means no filter; anything else that is not a number is refused.
    assert_eq!(
        get_ok(&advertiser, "/api/programs?traffic_source_id=").await["total"],
        5
    );
    for bad in ["traffic_source_id=abc", "traffic_source_id=1.5"] {
        error_code(
            advertiser.get(&format!("/api/programs?{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

async fn program_fields_are_validated_and_nothing_is_written(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let good = json!({"name": "Good", "landing_url": "https://shop.example/"});
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("x".repeat(101))),
        ("name", json!("line\nbreak")),
        ("landing_url", json!("")),
        ("landing_url", json!("shop.example")),
        ("landing_url", json!("javascript://alert(1)")),
        ("landing_url", json!("ftp://shop.example")),
        ("landing_url", json!("https://")),
        ("landing_url", json!("https://user:pw@shop.example")),
        (
            "landing_url",
            json!(format!("https://shop.example/{}", "a".repeat(2048))),
        ),
        ("landing_url", json!("https://bad host.example")),
    ];
    let before = app.snapshot().await;
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let error = error_code(
            advertiser.post("/api/programs", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["code"], "invalid", "{field}={value}");
        assert!(
            error["fields"][field].is_string(),
            "{field}={value}: {error}"
        );
        assert_eq!(error["fields"].as_object().unwrap().len(), 1, "{error}");
    }
    let error = error_code(
        advertiser.post("/api/programs", &json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(error["fields"]["name"].is_string() && error["fields"]["landing_url"].is_string());
    let mut unknown = good.clone();
    unknown["advertiser_id"] = json!(1);
    error_code(
        advertiser.post("/api/programs", &unknown).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_code(
        advertiser
            .post(
                "/api/programs",
                &json!({"name": 5, "landing_url": "https://a.example"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.snapshot().await, before);
}

async fn adding_a_source_answers_its_tracking_link(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let listed = source(
        &partner,
        "Listed Blog",
        &["content", "video"],
        "active",
        "public",
    )
    .await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    let collaboration = collaborate(&advertiser, &spring, &listed).await;
    assert_eq!(collaboration["program_id"], spring["id"]);
    assert_eq!(collaboration["traffic_source_id"], listed["id"]);
    assert_eq!(collaboration["source_name"], "Listed Blog");
    assert_eq!(collaboration["source_url"], listed["url"]);
    assert_eq!(collaboration["partner_name"], listed["partner_name"]);
    assert_eq!(collaboration["status"], "active");
    assert_eq!(collaboration["visibility"], "public");
    assert_eq!(collaboration["clicks"], 0);
    assert_eq!(collaboration["refused_clicks"], 0);
    let code = collaboration["tracking_code"].as_str().unwrap();
    assert_eq!(code.len(), 16);
    assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
    assert_eq!(
        collaboration["tracking_url"],
        format!("{}/t/{code}", app.base())
    );
    let detail = get_ok(&advertiser, &format!("/api/programs/{}", spring["id"])).await;
    assert_eq!(detail["sources"], json!([collaboration]));
    assert_eq!(detail["program"]["source_count"], 1);
    let list = get_ok(&advertiser, "/api/programs").await;
    assert_eq!(list["items"][0]["source_count"], 1);
    // The same source in another program gets a link of its own.
    let autumn = program(&advertiser, "Autumn", "https://shop.example/autumn").await;
    let other = collaborate(&advertiser, &autumn, &listed).await;
    assert_ne!(other["tracking_code"], collaboration["tracking_code"]);
    // And another advertiser may use the same source too.
    let rival = app.advertiser().await;
    let theirs = program(&rival, "Rival", "https://rival.example/").await;
    collaborate(&rival, &theirs, &listed).await;
}

async fn the_partner_sees_the_program_and_link_on_their_source(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let listed = source(&partner, "Listed Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    let collaboration = collaborate(&advertiser, &spring, &listed).await;
    let detail = get_ok(&partner, &format!("/api/traffic-sources/{}", listed["id"])).await;
    assert_eq!(detail["source"]["program_count"], 1);
    let programs = detail["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 1);
    assert_eq!(programs[0]["program_name"], "Spring");
    assert_eq!(
        programs[0]["advertiser_name"],
        advertiser.account.as_ref().unwrap().display_name
    );
    assert_eq!(programs[0]["tracking_url"], collaboration["tracking_url"]);
    assert_eq!(programs[0]["collaboration_id"], collaboration["id"]);
}

async fn adding_the_same_source_twice_is_refused_at_the_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let listed = source(&partner, "Listed Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    collaborate(&advertiser, &spring, &listed).await;
    let before = app.snapshot().await;
    let error = error_code(
        add(&advertiser, &spring, &listed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["code"], "duplicate");
    assert_eq!(
        error["fields"]["traffic_source_id"],
        "This source is already in this program."
    );
    assert_eq!(app.snapshot().await, before);
    // Two racing adds: exactly one wins.
    let summer = program(&advertiser, "Summer", "https://shop.example/summer").await;
    let (a, b) = tokio::join!(
        add(&advertiser, &summer, &listed),
        add(&advertiser, &summer, &listed)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 422]);
    let detail = get_ok(&advertiser, &format!("/api/programs/{}", summer["id"])).await;
    assert_eq!(detail["sources"].as_array().unwrap().len(), 1);
}

async fn only_marketplace_sources_can_be_added(engine: Engine) {
    let app = spawn_app(engine).await;
    let sources = every_kind_of_source(&app).await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    let before = app.snapshot().await;
    let unknown = error_code(
        add(&advertiser, &spring, &json!({"id": 999999})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for hidden in &sources[2..] {
        let error = error_code(
            add(&advertiser, &spring, hidden).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            error, unknown,
            "{} looks exactly like no source",
            hidden["name"]
        );
    }
    let error = error_code(
        advertiser
            .post(
                &format!("/api/programs/{}/sources", spring["id"]),
                &json!({"traffic_source_id": "1"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error["code"], "malformed");
    error_code(
        advertiser
            .post(
                &format!("/api/programs/{}/sources", spring["id"]),
                &json!({"traffic_source_id": 1, "tracking_code": "mine"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.snapshot().await, before);
    collaborate(&advertiser, &spring, &sources[0]).await;
}

async fn another_advertisers_program_is_not_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let listed = source(&partner, "Listed Blog", &["content"], "active", "public").await;
    let owner = app.advertiser().await;
    let theirs = program(&owner, "Theirs", "https://owner.example/").await;
    collaborate(&owner, &theirs, &listed).await;
    let other = source(&partner, "Other Blog", &["content"], "active", "public").await;
    let intruder = app.advertiser().await;
    let before = app.snapshot().await;
    let unknown = error_code(
        intruder.get("/api/programs/999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let error = error_code(
        intruder
            .get(&format!("/api/programs/{}", theirs["id"]))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error, unknown);
    error_code(add(&intruder, &theirs, &other).await, StatusCode::NOT_FOUND).await;
    error_code(
        add(&intruder, &theirs, &listed).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let list = get_ok(&intruder, "/api/programs").await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(list["total"], 0);
    assert_eq!(app.snapshot().await, before);
}

async fn a_source_that_turns_private_or_paused_stays_in_its_programs(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let listed = source(&partner, "Listed Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let spring = program(&advertiser, "Spring", "https://shop.example/spring").await;
    collaborate(&advertiser, &spring, &listed).await;
    let path = format!("/api/programs/{}", spring["id"]);
    set_state(&partner, &listed, "active", "private").await;
    let detail = get_ok(&advertiser, &path).await;
    assert_eq!(detail["sources"][0]["visibility"], "private");
    assert_eq!(detail["sources"][0]["status"], "active");
    let market = get_ok(&advertiser, "/api/marketplace/traffic-sources").await;
    assert_eq!(market["items"], json!([]));
    set_state(&partner, &listed, "paused", "private").await;
    assert_eq!(
        get_ok(&advertiser, &path).await["sources"][0]["status"],
        "paused"
    );
    // It cannot be added anew while hidden, even to another program.
    let autumn = program(&advertiser, "Autumn", "https://shop.example/autumn").await;
    error_code(
        add(&advertiser, &autumn, &listed).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    set_state(&partner, &listed, "active", "public").await;
    collaborate(&advertiser, &autumn, &listed).await;
    block(&app, &listed).await;
    assert_eq!(
        get_ok(&advertiser, &path).await["sources"][0]["status"],
        "blocked"
    );
}

async fn tracking_codes_are_unique_base62_and_unguessable(engine: Engine) {
    use server::db::collaborations::{self, Start};
    use sqlx::Row;
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let advertiser = app.advertiser().await;
    let mut sources = Vec::new();
    for i in 0..40 {
        sources.push(
            source(
                &partner,
                &format!("Source {i}"),
                &["content"],
                "active",
                "public",
            )
            .await,
        );
    }
    let mut codes = std::collections::HashSet::new();
    for p in 0..25 {
        let program = program(
            &advertiser,
            &format!("Program {p}"),
            "https://shop.example/",
        )
        .await;
        for s in &sources {
            let p = server::db::programs::get(
                &app.db,
                program["id"].as_i64().unwrap(),
                advertiser.id(),
            )
            .await
            .unwrap()
            .unwrap();
            let id = collaborations::start(
                &app.db,
                &p,
                advertiser.id(),
                s["id"].as_i64().unwrap(),
                None,
                Start::Invite,
                None,
                advertiser.id(),
                0,
                i64::MAX,
            )
            .await
            .unwrap()
            .unwrap();
            // Every collaboration draws its code when made, invited ones too.
            let code: String =
                sqlx::query("SELECT tracking_code FROM collaborations WHERE id = $1")
                    .bind(id)
                    .fetch_one(&app.db.pool)
                    .await
                    .unwrap()
                    .try_get(0)
                    .unwrap();
            codes.insert(code);
        }
    }
    assert_eq!(codes.len(), 1000, "1000 links, 1000 different codes");
    let mut counts = std::collections::HashMap::new();
    for code in &codes {
        assert_eq!(code.len(), 16);
        for c in code.chars() {
            assert!(c.is_ascii_alphanumeric(), "{code}");
            *counts.entry(c).or_insert(0u32) += 1;
        }
    }
    // 16,000 characters over 62 symbols: about 258 each if uniform. A generator with
    // much less than 95 bits per code would miss symbols or favour some.
    assert_eq!(counts.len(), 62, "every letter and digit is used");
    for (c, n) in counts {
        assert!((150..400).contains(&n), "{c} appears {n} times");
    }
    // No two codes share a long prefix: not a counter or a timestamp.
    let mut sorted: Vec<_> = codes.into_iter().collect();
    sorted.sort();
    for pair in sorted.windows(2) {
        let shared = pair[0]
            .chars()
            .zip(pair[1].chars())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(shared < 6, "{} and {}", pair[0], pair[1]);
    }
}

async fn role_matrix_for_marketplace_and_programs(engine: Engine) {
    let app = spawn_app(engine).await;
    let cast = Cast::new(&app).await;
    let listed = source(&cast.owner, "Listed", &["content"], "active", "public").await;
    let second = source(&cast.owner, "Second", &["content"], "active", "public").await;
    let hidden = source(&cast.owner, "Hidden", &["content"], "active", "private").await;
    let spring = program(&cast.advertiser, "Spring", "https://shop.example/").await;
    let id = spring["id"].as_i64().unwrap();
    let none = |_| json!({});
    let new_program =
        |i: usize| json!({"name": format!("P{i}"), "landing_url": "https://shop.example/"});
    let add_second = |_| json!({"traffic_source_id": second["id"]});
    //                                                                anon owner other adv staff
    check_row(
        &cast,
        "GET",
        "/api/marketplace/traffic-sources",
        none,
        [401, 403, 403, 200, 200],
    )
    .await;
    let listed_path = format!("/api/marketplace/traffic-sources/{}", listed["id"]);
    check_row(&cast, "GET", &listed_path, none, [401, 403, 403, 200, 200]).await;
    let hidden_path = format!("/api/marketplace/traffic-sources/{}", hidden["id"]);
    check_row(&cast, "GET", &hidden_path, none, [401, 403, 403, 404, 404]).await;
    check_row(
        &cast,
        "GET",
        "/api/programs",
        none,
        [401, 403, 403, 200, 403],
    )
    .await;
    check_row(
        &cast,
        "POST",
        "/api/programs",
        new_program,
        [401, 403, 403, 201, 403],
    )
    .await;
    check_row(
        &cast,
        "GET",
        &format!("/api/programs/{id}"),
        none,
        // Partners read a listed program (the directory's), staff any.
        [401, 200, 200, 200, 200],
    )
    .await;
    let sources_path = format!("/api/programs/{id}/sources");
    check_row(
        &cast,
        "POST",
        &sources_path,
        add_second,
        [401, 403, 403, 201, 403],
    )
    .await;
    // The tracking redirect answers anyone alike. Its landing page here is this server's
    // channel list, so each caller's client follows the 302 to a 200.
    let landing = program(
        &cast.advertiser,
        "Here",
        &format!("{}/api/channels", app.base()),
    )
    .await;
    let link = collaborate(&cast.advertiser, &landing, &listed).await;
    let code = link["tracking_code"].as_str().unwrap();
    check_row(
        &cast,
        "GET",
        &format!("/t/{code}"),
        none,
        [200, 200, 200, 200, 200],
    )
    .await;
    app.state.clicks.drain(&app.db).await.unwrap();
    let detail = get_ok(
        &cast.advertiser,
        &format!("/api/programs/{}", landing["id"]),
    )
    .await;
    assert_eq!(detail["sources"][0]["clicks"], 5);
}

async fn openapi_documents_the_new_calls(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc = get_ok(&app.anonymous(), "/api/openapi.json").await;
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/marketplace/traffic-sources", "get"),
        ("/api/marketplace/traffic-sources/{id}", "get"),
        ("/api/programs", "get"),
        ("/api/programs", "post"),
        ("/api/programs/{id}", "get"),
        ("/api/programs/{id}/sources", "post"),
        ("/t/{code}", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    let add = &paths["/api/programs/{id}/sources"]["post"];
    assert!(add["description"]
        .as_str()
        .unwrap()
        .contains("422 `duplicate`"));
    let follow = &paths["/t/{code}"]["get"]["responses"];
    for status in ["302", "404", "410"] {
        assert!(follow[status].is_object(), "{status}");
    }
}

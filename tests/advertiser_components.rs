//! Component tests in headless Chromium for the advertiser side (issue 4): the tracking link's
//! Copy button (clipboard, refusal, no clipboard at all) and the "Add to program" dialog (no
//! program yet, choosing one, the added link, the server's duplicate message, no double submit).
//! The dialog talks to a fake `fetch` installed on the window, so every answer is the test's.
//!
//! Run: `scripts/test-wasm.sh --test advertiser_components`.
#![cfg(target_arch = "wasm32")]

use leptos::{
    mount::{mount_to, UnmountHandle},
    prelude::*,
    tachys::view::Mountable,
};
use leptos_router::components::Router;
use model::{
    program::MarketplaceSource, traffic::VolumeBand, Account, Channel, Role, Sort, SortField,
    Status, Visibility,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    api::ApiError,
    components::{
        add_to_program::{outcome_of, AddOutcome, AddToProgramDialog},
        copy_button::CopyField,
        record::{RecordPending, RecordWords},
        toast::{ToastRegion, Toasts},
    },
    pages::{marketplace::marketplace_state, program::link_note},
    session::{Session, SessionState},
};
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "dom/mod.rs"]
mod dom;
use dom::*;

// ---- helpers -------------------------------------------------------------------------------

fn account() -> Account {
    Account {
        id: 7,
        email: "ada@example.com".into(),
        role: Role::Advertiser,
        display_name: "Ada Outdoor".into(),
    }
}

/// Sets `navigator.clipboard`: `undefined`, or an object whose `writeText` resolves (and
/// records the text in `window.__copied`) or rejects.
fn fake_clipboard(kind: &str) {
    let value = match kind {
        "none" => "undefined",
        "ok" => "{ writeText: (t) => { window.__copied = t; return Promise.resolve(); } }",
        _ => "{ writeText: () => Promise.reject(new DOMException('Document is not focused.', 'NotAllowedError')) }",
    };
    eval(&format!(
        "window.__copied = null; Object.defineProperty(navigator, 'clipboard', {{ value: {value}, configurable: true }});"
    ));
}

fn program_json(id: i64, name: &str, count: i64) -> String {
    format!(
        r#"{{"id":{id},"name":"{name}","landing_url":"https://shop.example/{id}","source_count":{count},"created_at":"2026-11-24T09:00:00Z"}}"#
    )
}

const COLLABORATION: &str = r#"{"id":41,"program_id":2,"traffic_source_id":9,"source_name":"Trail Blog","source_url":"https://trail.example/","partner_name":"Trail Media","status":"active","visibility":"public","state":"invited","clicks":0,"refused_clicks":0,"created_at":"2026-11-24T09:00:00Z"}"#;

fn source() -> MarketplaceSource {
    MarketplaceSource {
        id: 9,
        partner_id: 3,
        partner_name: "Trail Media".into(),
        name: "Trail Blog".into(),
        url: "https://trail.example/".into(),
        channels: vec![Channel::Content],
        volume_band: VolumeBand::TooLittle,
        match_rate_30d: None,
        verified: false,
        updated_at: "2026-11-24T09:00:00Z".into(),
        observed_channels: Vec::new(),
        observed_matches: None,
    }
}

/// Mounts the dialog (closed) with a toast region; returns the signal that opens it.
fn mount_dialog(
    root: &HtmlElement,
) -> (
    RwSignal<Option<MarketplaceSource>>,
    UnmountHandle<impl Mountable>,
) {
    let adding = RwSignal::new(None::<MarketplaceSource>);
    let handle = mount_to(root.clone(), move || {
        Session::provide_with(SessionState::SignedIn(account()));
        Toasts::provide();
        view! {
            <Router>
                <AddToProgramDialog source=adding/>
                <ToastRegion/>
            </Router>
        }
    });
    (adding, handle)
}

// ---- copy button -------------------------------------------------------------------------------

fn mount_copy(root: &HtmlElement) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), || {
        Toasts::provide();
        view! {
            <CopyField text="https://a.example/t/CODE123" id="link-1" what="tracking link for Trail Blog"/>
            <ToastRegion/>
        }
    })
}

#[wasm_bindgen_test]
async fn copy_field_names_its_field_and_button_after_what_it_holds() {
    let root = container();
    let _app = mount_copy(&root);
    settle().await;
    let field: HtmlInputElement = find(&root, "#link-1").unchecked_into();
    assert_eq!(field.value(), "https://a.example/t/CODE123");
    assert!(field.read_only());
    assert_eq!(
        field.get_attribute("aria-label").as_deref(),
        Some("Tracking link for Trail Blog")
    );
    let button = find(&root, "button.copy-field__button");
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    // Visible "Copy" plus the hidden rest: the accessible name says which link.
    assert_eq!(
        button.text_content().as_deref(),
        Some("Copy tracking link for Trail Blog")
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn copy_writes_the_link_to_the_clipboard_and_announces_it() {
    fake_clipboard("ok");
    let root = container();
    let _app = mount_copy(&root);
    settle().await;
    click(&root, "button.copy-field__button");
    wait_for(&root, ".toast--success").await;
    assert_eq!(
        eval("window.__copied").as_string().as_deref(),
        Some("https://a.example/t/CODE123")
    );
    assert!(text(&root, ".toasts").contains("Copied the tracking link for Trail Blog."));
    // The toast region is the polite live region that announces it.
    assert_eq!(
        find(&root, ".toasts").get_attribute("role").as_deref(),
        Some("status")
    );
    assert!(text(&root, "button.copy-field__button").contains("Copied"));
    root.remove();
}

async fn assert_falls_back_to_selection(kind: &str) {
    fake_clipboard(kind);
    let root = container();
    let _app = mount_copy(&root);
    settle().await;
    click(&root, "button.copy-field__button");
    wait_for(&root, ".toast--info").await;
    assert!(
        text(&root, ".toasts").contains("press Ctrl+C"),
        "{}",
        text(&root, ".toasts")
    );
    let active: HtmlInputElement = document().active_element().unwrap().unchecked_into();
    assert_eq!(active.id(), "link-1");
    assert_eq!(
        (
            active.selection_start().unwrap(),
            active.selection_end().unwrap()
        ),
        (Some(0), Some(27))
    );
    assert!(!text(&root, "button.copy-field__button").contains("Copied"));
    root.remove();
}

#[wasm_bindgen_test]
async fn without_a_clipboard_the_link_is_selected_for_a_manual_copy() {
    assert_falls_back_to_selection("none").await;
}

#[wasm_bindgen_test]
async fn when_the_clipboard_refuses_the_link_is_selected_for_a_manual_copy() {
    assert_falls_back_to_selection("refuse").await;
}

// ---- add to program ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn with_no_program_yet_the_dialog_offers_to_create_one_first() {
    fake_fetch(&format!(
        r#"{{
            "GET /api/programs": [{{"status":200,"body":{{"items":[],"next_cursor":null,"total":0}}}}],
            "POST /api/programs": [{{"status":201,"body":{p}}}]
        }}"#,
        p = program_json(5, "Spring", 0)
    ));
    let root = container();
    let (adding, _app) = mount_dialog(&root);
    settle().await;
    let dialog: web_sys::HtmlDialogElement = find(&root, "dialog").unchecked_into();
    assert!(!dialog.open());

    adding.set(Some(source()));
    wait_for(&root, "#program-name").await;
    assert!(dialog.open(), "showModal() was called");
    assert!(text(&root, "#add-title").contains("Trail Blog"));
    assert!(text(&root, "dialog").contains("You have no program yet"));
    assert!(!exists(&root, "#add-program"));

    // The shared rules, at the field, before anything is sent.
    click(&root, "dialog button[type=submit]");
    wait_for(&root, "#program-name-error").await;
    assert!(exists(&root, "#program-landing-url-error"));
    assert_eq!(calls("POST /api/programs"), 0);

    let name: HtmlInputElement = find(&root, "#program-name").unchecked_into();
    name.set_value("Spring");
    name.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let url: HtmlInputElement = find(&root, "#program-landing-url").unchecked_into();
    url.set_value("https://shop.example/5");
    url.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(&root, "dialog button[type=submit]");

    // Created: the picker appears with the new program chosen.
    let select: web_sys::HtmlSelectElement = wait_for(&root, "#add-program").await.unchecked_into();
    settle().await;
    assert_eq!(select.value(), "5");
    assert_eq!(calls("POST /api/programs"), 1);
    assert!(text(&root, ".toasts").contains("Created the program “Spring”."));
    root.remove();
}

#[wasm_bindgen_test]
async fn choosing_a_program_adds_the_source_and_shows_its_tracking_link() {
    fake_fetch(&format!(
        r#"{{
            "GET /api/programs": [{{"status":200,"body":{{"items":[{a},{b}],"next_cursor":null,"total":2}}}}],
            "POST /api/programs/2/sources": [{{"status":201,"body":{c},"delay":150}}]
        }}"#,
        a = program_json(1, "Autumn", 3),
        b = program_json(2, "Tents", 1),
        c = COLLABORATION
    ));
    let root = container();
    let (adding, _app) = mount_dialog(&root);
    adding.set(Some(source()));
    let select: web_sys::HtmlSelectElement = wait_for(&root, "#add-program").await.unchecked_into();
    settle().await;
    // Every program, the newest (first) chosen, with how many sources each has.
    assert_eq!(select.length(), 2);
    assert_eq!(select.value(), "1");
    assert!(text(&root, "#add-program").contains("Autumn (3 sources)"));
    assert!(text(&root, "#add-program").contains("Tents (1 source)"));
    assert_eq!(
        find(&root, "label[for=add-program]")
            .text_content()
            .as_deref(),
        Some("Program")
    );

    select.set_value("2");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    // Pressed twice while the first request runs: one request only, and the button says so.
    click(&root, "dialog button[type=submit]");
    settle().await;
    assert_eq!(
        find(&root, "dialog button[type=submit]")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("true")
    );
    assert!(text(&root, "dialog button[type=submit]").contains("Inviting…"));
    click(&root, "dialog button[type=submit]");

    wait_for(&root, ".add-result").await;
    assert_eq!(calls("POST /api/programs/2/sources"), 1);
    assert_eq!(
        eval("window.__calls.find((c) => c.key === 'POST /api/programs/2/sources').body")
            .as_string()
            .as_deref(),
        Some(r#"{"traffic_source_id":9}"#)
    );
    // An invitation: no link until the partner accepts, and the dialog says so.
    assert!(text(&root, ".add-result").contains("Invited “Trail Blog” to “Tents”"));
    assert!(text(&root, ".add-result").contains("works once they accept"));
    assert!(root.query_selector("#add-link-41").unwrap().is_none());
    assert_eq!(
        find(&root, "dialog a.button")
            .get_attribute("href")
            .as_deref(),
        Some("/programs/2")
    );
    settle().await;
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("add-result")
    );

    // Done closes the dialog.
    let buttons = root.query_selector_all("dialog button").unwrap();
    let done = (0..buttons.length())
        .map(|i| buttons.item(i).unwrap().unchecked_into::<HtmlElement>())
        .find(|b| b.text_content().as_deref() == Some("Done"))
        .expect("a Done button");
    done.click();
    settle().await;
    assert!(!find(&root, "dialog")
        .unchecked_into::<web_sys::HtmlDialogElement>()
        .open());
    assert_eq!(adding.get_untracked(), None);
    root.remove();
}

#[wasm_bindgen_test]
async fn a_source_already_in_the_program_shows_the_servers_message_at_the_field() {
    fake_fetch(&format!(
        r#"{{
            "GET /api/programs": [{{"status":200,"body":{{"items":[{a}],"next_cursor":null,"total":1}}}}],
            "POST /api/programs/1/sources": [{{"status":422,"body":{{"error":{{"code":"duplicate","message":"Check the highlighted field.","fields":{{"traffic_source_id":"This source is already in this program."}}}}}}}}]
        }}"#,
        a = program_json(1, "Autumn", 1)
    ));
    let root = container();
    let (adding, _app) = mount_dialog(&root);
    adding.set(Some(source()));
    wait_for(&root, "#add-program").await;
    settle().await;
    click(&root, "dialog button[type=submit]");
    let error = wait_for(&root, "#add-program-error").await;
    assert!(error
        .text_content()
        .unwrap()
        .contains("This source is already in this program."));
    let select = find(&root, "#add-program");
    assert_eq!(
        select.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        select.get_attribute("aria-describedby").as_deref(),
        Some("add-program-error")
    );
    settle().await;
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("add-program")
    );
    assert!(!exists(&root, ".add-result"));

    // Choosing again clears the message.
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    assert!(!exists(&root, "#add-program-error"));
    root.remove();
}

#[wasm_bindgen_test]
async fn programs_that_fail_to_load_offer_a_retry() {
    fake_fetch(&format!(
        r#"{{
            "GET /api/programs": [
                {{"status":500,"body":{{"error":{{"code":"internal","message":"Something broke on our side.","fields":{{}}}}}}}},
                {{"status":200,"body":{{"items":[{a}],"next_cursor":null,"total":1}}}}
            ]
        }}"#,
        a = program_json(1, "Autumn", 1)
    ));
    let root = container();
    let (adding, _app) = mount_dialog(&root);
    adding.set(Some(source()));
    let alert = wait_for(&root, "dialog [role=alert]").await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains("Couldn't load your programs"));
    click(&root, "dialog [role=alert] button");
    wait_for(&root, "#add-program").await;
    assert_eq!(calls("GET /api/programs"), 2);
    root.remove();
}

// ---- rules behind the views --------------------------------------------------------------------

fn api_error(status: u16, code: &str, fields: &[(&str, &str)]) -> ApiError {
    ApiError::Api {
        status,
        body: model::ApiErrorBody {
            error: model::ApiError {
                code: code.into(),
                message: String::new(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        },
    }
}

#[wasm_bindgen_test]
fn add_outcomes_say_what_happened() {
    let dup = outcome_of(
        Err(api_error(
            422,
            "duplicate",
            &[("traffic_source_id", "Already there.")],
        )),
        "P".into(),
    );
    assert_eq!(dup, AddOutcome::Refused("Already there.".into()));
    let gone = outcome_of(Err(api_error(404, "not_found", &[])), "P".into());
    assert!(matches!(gone, AddOutcome::Refused(m) if m.contains("no longer in the marketplace")));
    assert_eq!(
        outcome_of(Err(ApiError::Network), "P".into()),
        AddOutcome::Failed(ApiError::Network)
    );
}

#[wasm_bindgen_test]
fn a_program_says_which_links_do_not_redirect() {
    assert_eq!(link_note(Status::Active, Visibility::Public), None);
    assert!(link_note(Status::Active, Visibility::Private)
        .unwrap()
        .contains("still works"));
    assert!(link_note(Status::Paused, Visibility::Public)
        .unwrap()
        .contains("does not redirect"));
    assert!(link_note(Status::Blocked, Visibility::Private)
        .unwrap()
        .contains("does not redirect"));
}

#[wasm_bindgen_test]
fn the_marketplace_url_keeps_search_channels_sort_and_paging_but_no_status_or_visibility() {
    let params = leptos_router::params::ParamsMap::from_iter([
        ("q".to_string(), "trail".to_string()),
        ("channel".to_string(), "video".to_string()),
        ("channel".to_string(), "content".to_string()),
        ("status".to_string(), "paused".to_string()),
        ("visibility".to_string(), "private".to_string()),
        ("sort".to_string(), "status".to_string()),
        ("limit".to_string(), "10".to_string()),
    ]);
    let state = marketplace_state(&params);
    assert_eq!(state.query.q, "trail");
    assert_eq!(state.query.channels, vec![Channel::Content, Channel::Video]);
    assert!(state.query.status.is_empty());
    assert_eq!(state.query.visibility, None);
    assert_eq!(state.query.sort, web::api::DEFAULT_SORT);
    assert_eq!(
        state.href_at("/marketplace"),
        "/marketplace?q=trail&channel=content&channel=video&limit=10"
    );
    let mut by_name = state.clone();
    by_name.query.sort = Sort::new(SortField::Name, false);
    let next = by_name.next_page("abc");
    assert_eq!(
        next.href_at("/marketplace"),
        "/marketplace?q=trail&channel=content&channel=video&sort=name&limit=10&cursor=abc&prev="
    );
}

const WORDS: RecordWords = RecordWords {
    noun: "Program",
    not_found_title: "Program not found",
    not_found_text: "There is no program of yours at this address.",
    back_href: "/programs",
    back_label: "Back to programs",
    load_error_title: "Couldn't load this program",
};

/// Mounts the record page's pending view for `failure`; returns how often Retry ran.
fn mount_pending(
    root: &HtmlElement,
    failure: Option<ApiError>,
) -> (UnmountHandle<impl Mountable>, RwSignal<u32>) {
    let retries = RwSignal::new(0_u32);
    let handle = mount_to(root.clone(), move || {
        let on_retry = Callback::new(move |_| retries.update(|n| *n += 1));
        view! {
            <Router>
                <RecordPending words=&WORDS failure=failure.clone() on_retry/>
            </Router>
        }
    });
    (handle, retries)
}

#[wasm_bindgen_test]
async fn a_record_page_says_loading_then_not_found_or_what_failed() {
    let root = container();
    let (handle, _) = mount_pending(&root, None);
    assert_eq!(text(&root, "h1"), "Program");
    assert!(exists(&root, "[role=status]"), "loading is announced");
    drop(handle);

    let root = container();
    let (handle, _) = mount_pending(&root, Some(api_error(404, "not_found", &[])));
    assert_eq!(text(&root, "h1"), "Program not found");
    assert_eq!(
        find(&root, "a.button").get_attribute("href").as_deref(),
        Some("/programs")
    );
    assert_eq!(text(&root, "a.button"), "Back to programs");
    assert!(document().title().starts_with("Program not found"));
    assert!(
        !exists(&root, "[role=alert]"),
        "a 404 is not an error to retry"
    );
    drop(handle);

    let root = container();
    let (handle, retries) = mount_pending(&root, Some(ApiError::Network));
    assert_eq!(text(&root, "h1"), "Program");
    assert_eq!(text(&root, "[role=alert] h2"), "Couldn't load this program");
    assert!(text(&root, "[role=alert] p").contains("could not reach the server"));
    click(&root, "[role=alert] button");
    settle().await;
    assert_eq!(retries.get_untracked(), 1);
    drop(handle);
}

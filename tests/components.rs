//! Component tests in headless Chromium: the channel multi-select, the segmented toggles and
//! the source form's validation display. Each test mounts a component into a fresh element,
//! drives it the way a person would (clicks, typing, submitting) and reads the DOM.
//!
//! Run: `scripts/test-wasm.sh` (wasm-bindgen-test-runner + chromedriver).
#![cfg(target_arch = "wasm32")]

use leptos::{mount::mount_to, prelude::*, tachys::view::Mountable};
use leptos_router::components::Router;
use model::{Account, Channel, Role, Status, Visibility};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    components::{
        channel_select::ChannelSelect, data_table::Pagination, submit_button::SubmitButton,
        toast::Toasts, toggle::Toggle,
    },
    pages::{
        sign_in::SignIn,
        source_form::{SourceDraft, SourceForm},
    },
    session::{Session, SessionState},
};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "dom/mod.rs"]
mod dom;
use dom::*;

// ---- helpers -------------------------------------------------------------------------------

fn find_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn input(root: &Element, selector: &str) -> HtmlInputElement {
    find(root, selector).unchecked_into()
}

fn blur(root: &Element, selector: &str) {
    let el = input(root, selector);
    el.focus().unwrap();
    el.blur().unwrap();
}

fn chip_labels(root: &Element) -> Vec<String> {
    find_all(root, ".chip")
        .iter()
        .map(|c| c.text_content().unwrap_or_default())
        .collect()
}

// ---- channel multi-select -----------------------------------------------------------------

#[wasm_bindgen_test]
async fn channel_select_offers_every_channel_with_its_description_as_help() {
    let root = container();
    let selected = RwSignal::new(Vec::<Channel>::new());
    let _app = mount_to(
        root.clone(),
        move || view! { <ChannelSelect selected error=Signal::stored(None::<String>)/> },
    );
    settle().await;

    let boxes = find_all(&root, "input[type=checkbox]");
    assert_eq!(boxes.len(), Channel::ALL.len());
    for channel in Channel::ALL {
        let id = format!("channels-{}", channel.id());
        let checkbox = input(&root, &format!("#{id}"));
        // Labelled by its visible label, described by the channel's one-line description.
        let label = text(&root, &format!("label[for={id}]"));
        assert!(label.contains(channel.label()), "{label}");
        let described_by = checkbox.get_attribute("aria-describedby").unwrap();
        assert_eq!(
            text(&root, &format!("#{described_by}")),
            channel.description()
        );
    }
    assert!(text(&root, ".channel-select legend").contains("Channels"));
    assert!(text(&root, ".chips").contains("No channel chosen yet"));
    root.remove();
}

#[wasm_bindgen_test]
async fn checking_channels_shows_them_as_chips_in_product_order_and_chips_remove_them() {
    let root = container();
    let selected = RwSignal::new(Vec::<Channel>::new());
    let _app = mount_to(
        root.clone(),
        move || view! { <ChannelSelect selected error=Signal::stored(None::<String>)/> },
    );
    settle().await;

    click(&root, "#channels-video");
    click(&root, "#channels-content");
    settle().await;
    assert_eq!(
        selected.get_untracked(),
        vec![Channel::Content, Channel::Video]
    );
    assert_eq!(chip_labels(&root), vec!["Remove Content×", "Remove Video×"]);
    assert!(text(&root, ".chips").contains("2 chosen"));

    // Each chip is a real button whose name says what it does.
    click(&root, ".chip");
    settle().await;
    assert_eq!(selected.get_untracked(), vec![Channel::Video]);
    assert!(!input(&root, "#channels-content").checked());
    assert!(input(&root, "#channels-video").checked());

    // Unchecking the box works too.
    click(&root, "#channels-video");
    settle().await;
    assert!(selected.get_untracked().is_empty());
    assert!(chip_labels(&root).is_empty());
    root.remove();
}

#[wasm_bindgen_test]
async fn channel_select_follows_its_signal_and_shows_its_error_with_the_group() {
    let root = container();
    let selected = RwSignal::new(vec![Channel::Podcast]);
    let error = RwSignal::new(None::<String>);
    let _app = mount_to(
        root.clone(),
        move || view! { <ChannelSelect selected error/> },
    );
    settle().await;
    assert!(input(&root, "#channels-podcast").checked());

    selected.set(vec![Channel::Email]);
    error.set(Some("Choose at least one channel.".into()));
    settle().await;
    assert!(!input(&root, "#channels-podcast").checked());
    assert!(input(&root, "#channels-email").checked());
    assert_eq!(
        text(&root, "#channels-error"),
        "!Choose at least one channel."
    );
    let described_by = find(&root, "fieldset")
        .get_attribute("aria-describedby")
        .unwrap();
    assert!(
        described_by.split(' ').any(|id| id == "channels-error"),
        "{described_by}"
    );

    error.set(None);
    settle().await;
    assert!(!exists(&root, "#channels-error"));
    root.remove();
}

// ---- toggles -----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn status_toggle_is_a_radio_group_with_the_choice_explained() {
    let root = container();
    let value = RwSignal::new(Status::Active);
    let _app = mount_to(root.clone(), move || {
        view! { <Toggle legend="Status" name="status" options=vec![Status::Active, Status::Paused] value/> }
    });
    settle().await;

    let radios = find_all(&root, "input[type=radio]");
    assert_eq!(radios.len(), 2, "Blocked is never offered");
    assert!(radios
        .iter()
        .all(|r| r.get_attribute("name").as_deref() == Some("status")));
    assert_eq!(text(&root, "legend"), "Status");
    assert!(text(&root, "label[for=status-active]").contains("Active"));
    assert!(text(&root, "label[for=status-paused]").contains("Paused"));
    assert!(input(&root, "#status-active").checked());
    assert_eq!(text(&root, "#status-help"), Status::Active.explanation());
    assert_eq!(
        find(&root, "fieldset")
            .get_attribute("aria-describedby")
            .as_deref(),
        Some("status-help")
    );

    click(&root, "#status-paused");
    settle().await;
    assert_eq!(value.get_untracked(), Status::Paused);
    assert!(input(&root, "#status-paused").checked());
    assert!(!input(&root, "#status-active").checked());
    assert_eq!(text(&root, "#status-help"), Status::Paused.explanation());
    root.remove();
}

#[wasm_bindgen_test]
async fn visibility_toggle_follows_its_signal() {
    let root = container();
    let value = RwSignal::new(Visibility::Public);
    let _app = mount_to(root.clone(), move || {
        view! {
            <Toggle legend="Visibility" name="visibility" options=vec![Visibility::Public, Visibility::Private] value/>
        }
    });
    settle().await;
    assert!(input(&root, "#visibility-public").checked());

    value.set(Visibility::Private);
    settle().await;
    assert!(input(&root, "#visibility-private").checked());
    assert!(!input(&root, "#visibility-public").checked());
    assert_eq!(
        text(&root, "#visibility-help"),
        Visibility::Private.explanation()
    );
    root.remove();
}

// ---- the source form's validation display -------------------------------------------------

fn mount_form(
    root: &HtmlElement,
    initial: SourceDraft,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    mount_form_editing(root, initial, None).0
}

/// The form as Ann, a partner, sees it, editing `editing` (or adding a source), with the live
/// context it listens to.
fn mount_form_editing(
    root: &HtmlElement,
    initial: SourceDraft,
    editing: Option<web::pages::source_form::Editing>,
) -> (
    leptos::mount::UnmountHandle<impl Mountable>,
    web::live::Live,
) {
    let live = std::rc::Rc::new(std::cell::Cell::new(None));
    let app = {
        let live = live.clone();
        mount_to(root.clone(), move || {
            Session::provide_with(SessionState::SignedIn(Account {
                id: 1,
                email: "ann@example.com".into(),
                role: Role::Partner,
                display_name: "Ann".into(),
            }));
            Toasts::provide();
            live.set(Some(web::live::Live::provide()));
            let initial = initial.clone();
            // Made inside the router, whose context the form reads.
            let form = move || match editing {
                Some(editing) => view! { <SourceForm initial=initial.clone() editing/> }.into_any(),
                None => view! { <SourceForm initial=initial.clone()/> }.into_any(),
            };
            view! { <Router>{form}</Router> }
        })
    };
    (app, live.get().expect("mounted"))
}

#[wasm_bindgen_test]
async fn a_form_that_may_have_missed_a_block_asks_and_says_so() {
    fake_fetch(
        r#"{"GET /api/traffic-sources/7": [{"status":200,"body":{"source":{"id":7,"partner_id":1,
            "partner_name":"Ann","name":"Trail Blog","url":"https://trail.example/","channels":[],
            "status":"blocked","visibility":"public","block_reason":"Spam","version":2,
            "program_count":0,"created_at":"2026-11-24T09:00:00Z",
            "updated_at":"2026-11-24T09:00:00Z"},"programs":[]}}]}"#,
    );
    let root = container();
    let editing = web::pages::source_form::Editing { id: 7, version: 1 };
    let (_app, live) = mount_form_editing(&root, SourceDraft::default(), Some(editing));
    settle().await;
    assert!(!exists(&root, ".alert"));
    assert_eq!(calls("GET /api/traffic-sources/7"), 0);
    // The tab was away for a while: a block may have been missed.
    live.missed();
    let alert = wait_for(&root, ".alert--error").await;
    assert_eq!(calls("GET /api/traffic-sources/7"), 1);
    assert!(alert
        .text_content()
        .unwrap()
        .contains("This source is blocked"));
    root.remove();
}

#[wasm_bindgen_test]
async fn form_shows_no_error_before_a_field_is_touched() {
    let root = container();
    let _app = mount_form(&root, SourceDraft::default());
    settle().await;
    assert!(!exists(&root, ".field__error"));
    assert_eq!(
        input(&root, "#name")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    // Typing a bad value is not yet an error while the person is still in the field…
    type_into(&root, "#url", "example.com");
    settle().await;
    assert!(!exists(&root, "#url-error"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_touched_field_shows_the_shared_rule_and_updates_as_you_type() {
    let root = container();
    let _app = mount_form(&root, SourceDraft::default());
    settle().await;

    type_into(&root, "#url", "example.com");
    blur(&root, "#url");
    settle().await;
    // The very message of the shared crate's rule.
    let expected = model::source::validate_url("example.com").unwrap_err();
    assert_eq!(text(&root, "#url-error"), format!("!{expected}"));
    let url = input(&root, "#url");
    assert_eq!(url.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(url
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("url-error"));

    type_into(&root, "#url", "https://user:pw@example.com");
    settle().await;
    let expected = model::source::validate_url("https://user:pw@example.com").unwrap_err();
    assert_eq!(text(&root, "#url-error"), format!("!{expected}"));

    type_into(&root, "#url", "https://example.com");
    settle().await;
    assert!(!exists(&root, "#url-error"));
    assert_eq!(
        input(&root, "#url")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    // Other fields, untouched, still say nothing.
    assert!(!exists(&root, "#name-error"));
    root.remove();
}

#[wasm_bindgen_test]
async fn submitting_an_empty_form_shows_every_error_and_focuses_the_first() {
    let root = container();
    let _app = mount_form(&root, SourceDraft::default());
    settle().await;

    click(&root, "button[type=submit]");
    settle().await;
    assert_eq!(
        text(&root, "#name-error"),
        format!("!{}", model::source::validate_name("").unwrap_err())
    );
    assert_eq!(
        text(&root, "#url-error"),
        format!("!{}", model::source::validate_url("").unwrap_err())
    );
    assert_eq!(
        text(&root, "#channels-error"),
        format!("!{}", model::source::validate_channels(&[]).unwrap_err())
    );
    let focused = document().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("name"));
    // Nothing was sent: the button is not in its busy state.
    assert_eq!(
        find(&root, "button[type=submit]")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("false")
    );

    // Fixing a field clears its error at once; the others stay.
    type_into(&root, "#name", "My blog");
    click(&root, "#channels-content");
    settle().await;
    assert!(!exists(&root, "#name-error"));
    assert!(!exists(&root, "#channels-error"));
    assert!(exists(&root, "#url-error"));

    // A name over 100 characters is refused with the shared message.
    type_into(&root, "#name", &"x".repeat(101));
    settle().await;
    assert_eq!(
        text(&root, "#name-error"),
        format!(
            "!{}",
            model::source::validate_name(&"x".repeat(101)).unwrap_err()
        )
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn form_starts_from_the_given_values_and_never_offers_blocked() {
    let root = container();
    let _app = mount_form(
        &root,
        SourceDraft {
            name: "Cooking blog".into(),
            url: "https://cooking.example/".into(),
            channels: vec![Channel::Content, Channel::Social],
            status: Status::Paused,
            visibility: Visibility::Private,
        },
    );
    settle().await;
    assert_eq!(input(&root, "#name").value(), "Cooking blog");
    assert_eq!(input(&root, "#url").value(), "https://cooking.example/");
    assert!(input(&root, "#channels-content").checked());
    assert!(input(&root, "#channels-social").checked());
    assert!(input(&root, "#status-paused").checked());
    assert!(input(&root, "#visibility-private").checked());
    assert!(!exists(&root, "#status-blocked"));
    assert!(!exists(&root, ".field__error"));
    root.remove();
}

// ---- the list page's URL state and the sign-in redirect ------------------------------------

fn parse_href(href: &str) -> leptos_router::params::ParamsMap {
    let mut map = leptos_router::params::ParamsMap::new();
    if let Some((_, query)) = href.split_once('?') {
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = String::from(js_sys::decode_uri_component(k).unwrap());
            let v = String::from(js_sys::decode_uri_component(v).unwrap());
            map.insert(k, v);
        }
    }
    map
}

#[wasm_bindgen_test]
fn list_state_round_trips_through_the_url_and_pages_back() {
    use web::components::list_controls::ListState;
    let mut first = ListState::default();
    first.query.q = "deals & more/ä".into();
    first.query.status = vec![Status::Paused, Status::Blocked];
    first.query.visibility = Some(Visibility::Private);
    first.query.channels = vec![Channel::Content, Channel::Email];
    first.query.sort = model::Sort::new(model::SortField::Name, true);
    first.query.limit = 50;
    assert_eq!(
        ListState::from_params(&parse_href(&first.href_at("/traffic-sources"))),
        first
    );
    assert_eq!(
        ListState::default().href_at("/traffic-sources"),
        "/traffic-sources",
        "defaults stay out of the URL"
    );

    let second = first.next_page("c1==");
    let third = second.next_page("c2");
    assert_eq!(
        ListState::from_params(&parse_href(&third.href_at("/traffic-sources"))),
        third
    );
    assert_eq!(third.prev, vec!["".to_string(), "c1==".to_string()]);
    assert_eq!(third.prev_page(), Some(second.clone()));
    assert_eq!(second.prev_page(), Some(first.clone()));
    assert_eq!(first.prev_page(), None);
    // Any new filter starts again at the first page.
    assert_eq!(third.clone().first_page(), first);
    // Clear filters drops the search, the filters and the paging; the sort and page size stay.
    let cleared = third.clone().cleared();
    assert_eq!(
        cleared.href_at("/traffic-sources"),
        "/traffic-sources?sort=-name&limit=50"
    );
    assert!(!cleared.query.is_filtered() && cleared.prev.is_empty());
    assert_eq!(
        (cleared.query.sort, cleared.query.limit),
        (first.query.sort, 50)
    );

    // Junk in the URL is ignored rather than sent to the server.
    let junk = ListState::from_params(&parse_href(
        "/traffic-sources?status=sleeping&status=paused&status=paused&channel=tv&sort=password&limit=5000",
    ));
    assert_eq!(junk.query.status, vec![Status::Paused]);
    assert!(junk.query.channels.is_empty());
    assert_eq!(junk.query.sort, web::api::DEFAULT_SORT);
    assert_eq!(junk.query.limit, model::list::DEFAULT_LIMIT);
}

#[wasm_bindgen_test]
fn sign_in_only_returns_to_pages_of_this_site() {
    use web::session::safe_next;
    assert_eq!(
        safe_next(Some("/traffic-sources?sort=name".into())),
        "/traffic-sources?sort=name"
    );
    for hostile in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
    ] {
        assert_eq!(safe_next(Some(hostile.into())), "/", "{hostile}");
    }
    assert_eq!(safe_next(None), "/");
}

#[wasm_bindgen_test]
fn next_is_resolved_by_the_browsers_own_url_rules() {
    use web::session::{safe_next_on, sign_in_href};
    let origin = "http://app.test:8080";
    // Another site once the browser has parsed it: tabs and newlines stripped, backslashes
    // read as slashes, a scheme with no slashes still another site.
    for hostile in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/x",
        "http://app.test:8081/",
        "https://app.test:8080/",
        "/.//evil.example",
        "javascript:alert(1)",
        "data:text/html,hi",
    ] {
        assert_eq!(safe_next_on(Some(hostile), origin), "/", "{hostile:?}");
    }
    // On this origin: its path, query and fragment, as the browser spells them.
    assert_eq!(
        safe_next_on(Some("/%2F%2Fevil.example"), origin),
        "/%2F%2Fevil.example"
    );
    assert_eq!(
        safe_next_on(Some("/programs/3?tab=traffic#top"), origin),
        "/programs/3?tab=traffic#top"
    );
    assert_eq!(
        safe_next_on(Some("http://app.test:8080/marketplace"), origin),
        "/marketplace"
    );
    assert_eq!(safe_next_on(Some("/a/../b"), origin), "/b");
    assert_eq!(safe_next_on(None, origin), "/");
    assert_eq!(
        sign_in_href("/traffic-sources/new"),
        "/sign-in?next=%2Ftraffic-sources%2Fnew"
    );
    assert_eq!(sign_in_href("/"), "/sign-in");
}

#[wasm_bindgen_test]
async fn the_submit_button_says_it_is_busy_and_keeps_its_focus() {
    let root = container();
    let pending = RwSignal::new(false);
    let _app = mount_to(root.clone(), move || {
        view! { <SubmitButton label="Save" pending_label="Saving…" pending/> }
    });
    let button = find(&root, "button[type=submit]");
    assert_eq!(button.text_content().as_deref(), Some("Save"));
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("false")
    );
    assert!(!exists(&root, ".spinner"));
    button.unchecked_ref::<HtmlElement>().focus().unwrap();

    pending.set(true);
    settle().await;
    assert_eq!(button.text_content().as_deref(), Some("Saving…"));
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        find(&root, ".spinner")
            .get_attribute("aria-hidden")
            .as_deref(),
        Some("true")
    );
    // aria-disabled, not disabled: the focus stays where it was.
    assert!(!button.has_attribute("disabled"));
    assert_eq!(document().active_element(), Some(button.clone()));

    pending.set(false);
    settle().await;
    assert_eq!(button.text_content().as_deref(), Some("Save"));
    assert!(!exists(&root, ".spinner"));
    root.remove();
}

// ---- sign-in refusals, in words ---------------------------------------------------------------

/// Waits until `selector`'s text contains `expected`.
async fn wait_for_text(root: &Element, selector: &str, expected: &str) {
    for _ in 0..100 {
        if exists(root, selector) && text(root, selector).contains(expected) {
            return;
        }
        sleep(20).await;
    }
    panic!("{selector} never said {expected:?}");
}

#[wasm_bindgen_test]
async fn the_sign_in_form_says_in_words_why_it_was_turned_away() {
    fake_fetch(
        r#"{"POST /api/session": [
            {"status":429,"body":{"error":{"code":"too_many_attempts","message":"Too many wrong passwords for this email from your network. Try again in 15 minutes.","fields":{}}}},
            {"status":429,"body":{"error":{"code":"rate_limited","message":"Too many sign-in attempts from your network. Try again in 12 seconds.","fields":{}}}},
            {"status":503,"body":{"error":{"code":"busy","message":"Too many people are signing in right now. Try again in a moment.","fields":{}}}},
            {"status":422,"body":{"error":{"code":"invalid","message":"Some fields need attention.","fields":{"email":"An email address has at most 254 characters."}}}}
        ]}"#,
    );
    let root = container();
    let _app = mount_to(root.clone(), || {
        Session::provide_with(SessionState::SignedOut);
        view! { <Router><SignIn/></Router> }
    });
    wait_for(&root, "#email").await;
    type_into(&root, "#email", "owner@example.com");
    type_into(&root, "#password", "correct horse");
    for expected in [
        "Too many wrong passwords for this email from your network. Try again in 15 minutes.",
        "Too many sign-in attempts from your network. Try again in 12 seconds.",
        "Too many people are signing in right now. Try again in a moment.",
    ] {
        click(&root, "button[type=submit]");
        wait_for_text(&root, "[role=alert]", expected).await;
    }
    // A refusal of the address itself is shown at its field, not above the button.
    click(&root, "button[type=submit]");
    wait_for_text(
        &root,
        "#email-error",
        "An email address has at most 254 characters.",
    )
    .await;
    assert!(!exists(&root, ".alert"));
    assert_eq!(calls("POST /api/session"), 4);
    root.remove();
}

#[wasm_bindgen_test]
async fn sign_out_everywhere_is_in_the_account_menu_and_signs_this_browser_out_too() {
    fake_event_source();
    fake_fetch(r#"{"DELETE /api/sessions": [{"status":200,"body":{}}]}"#);
    let root = container();
    let session = std::rc::Rc::new(std::cell::Cell::new(None));
    let _app = {
        let session = session.clone();
        mount_to(root.clone(), move || {
            session.set(Some(Session::provide_with(SessionState::SignedIn(
                Account {
                    id: 1,
                    email: "ann@example.com".into(),
                    role: Role::Partner,
                    display_name: "Ann".into(),
                },
            ))));
            Toasts::provide();
            web::components::notification_bell::Unread::provide();
            web::live::Live::provide();
            view! { <Router><web::components::header::Header/></Router> }
        })
    };
    // Signing out moves to /sign-in: put the runner's address back afterwards.
    let address = web_sys::window().unwrap().location().href().unwrap();
    let session = session.get().expect("mounted");
    // The menu opens from the name; its button is hidden until then.
    let summary = wait_for(&root, ".account__menu > summary").await;
    assert!(summary.text_content().unwrap_or_default().contains("Ann"));
    let menu = find(&root, ".account__menu");
    assert!(!menu.has_attribute("open"));
    click(&root, ".account__menu > summary");
    settle().await;
    assert!(find(&root, ".account__menu").has_attribute("open"));
    assert_eq!(
        text(&root, ".account__menu-panel button"),
        "Sign out everywhere"
    );
    click(&root, ".account__menu-panel button");
    for _ in 0..100 {
        if session.account_id().is_none() {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(calls("DELETE /api/sessions"), 1);
    assert_eq!(calls("DELETE /api/session"), 0, "not the single sign-out");
    assert_eq!(session.account_id(), None, "this browser is signed out too");
    root.remove();
    let _ = web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
}

#[wasm_bindgen_test]
async fn pagination_numbers_full_pages_and_names_short_ones() {
    let root = container();
    let _app = mount_to(root.clone(), move || {
        view! {
            <Router>
                <div id="full">
                    <Pagination first_row=26 rows=25 total=None prev_href=None next_href=None/>
                </div>
                <div id="counted">
                    <Pagination first_row=26 rows=25 total=Some(73) prev_href=None next_href=None/>
                </div>
                // A filtered page that held 18 rows, after a first page that held fewer
                // than 25: numbering it 26-43 would be wrong.
                <div id="short">
                    <Pagination first_row=26 rows=18 total=None prev_href=None next_href=None short_page=Some(2)/>
                </div>
            </Router>
        }
    });
    settle().await;
    assert_eq!(text(&root, "#full .pagination__summary"), "Showing 26–50");
    assert_eq!(
        text(&root, "#counted .pagination__summary"),
        "Showing 26–50 of 73"
    );
    assert_eq!(
        text(&root, "#short .pagination__summary"),
        "Page 2: 18 shown"
    );
    root.remove();
}

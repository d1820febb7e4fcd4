//! Component tests in headless Chromium for issue 5: the staff's Block dialog (validation with
//! the shared rule, shown at the field, nothing sent while invalid, Cancel closes) and the
//! header's notification bell (its accessible name says how many are unread).
//!
//! Run: `scripts/test-wasm.sh --test admin_components`.
#![cfg(target_arch = "wasm32")]

use std::{
    cell::Cell,
    rc::Rc,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
};

use leptos::{mount::mount_to, prelude::*};
use leptos_router::components::Router;
use model::{source::BlockRequest, Account, Channel, Role, Status, TrafficSource, Visibility};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    components::{
        block_dialog::{check_block, BlockDialog},
        notification_bell::{bell_name, NotificationBell, Unread},
        toast::Toasts,
    },
    session::{Session, SessionState},
};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "dom/mod.rs"]
mod dom;
use dom::*;

// ---- helpers -------------------------------------------------------------------------------

fn focused_id() -> Option<String> {
    document().active_element().map(|e| e.id())
}

/// The accessible name from content, as browsers compute it for a link: the text of every
/// node that is not inside an `aria-hidden` element.
fn name_from_content(node: &web_sys::Node) -> String {
    if let Some(el) = node.dyn_ref::<Element>() {
        if el.get_attribute("aria-hidden").as_deref() == Some("true") {
            return String::new();
        }
    }
    if node.node_type() == web_sys::Node::TEXT_NODE {
        return node.text_content().unwrap_or_default();
    }
    let children = node.child_nodes();
    (0..children.length())
        .filter_map(|i| children.item(i))
        .map(|c| name_from_content(&c))
        .collect()
}

fn source() -> TrafficSource {
    TrafficSource {
        id: 7,
        partner_id: 2,
        partner_name: "Dealspotter Media".into(),
        name: "Dealspotter Blog".into(),
        url: "https://blog.dealspotter.example/".into(),
        channels: vec![Channel::Content],
        status: Status::Active,
        visibility: Visibility::Public,
        block_reason: None,
        block_note: None,
        version: 1,
        program_count: 1,
        programs_approved: 0,
        programs_pending: 0,
        invitations: 0,
        clicks_30d: 0,
        match_rate_30d: None,
        verification_state: Default::default(),
        created_at: "2026-11-24T09:00:00Z".into(),
        updated_at: "2026-11-24T09:00:00Z".into(),
    }
}

// ---- the block dialog ------------------------------------------------------------------------

#[wasm_bindgen_test]
fn check_block_is_the_shared_rule() {
    // Blank reason refused with the shared message; blank note means no note.
    let errors = check_block("   ", "").unwrap_err();
    let expected = BlockRequest {
        reason: "   ".into(),
        note: None,
    }
    .validate()
    .unwrap_err();
    assert_eq!(errors, expected);
    assert!(errors.contains_key("reason"));
    let ok = check_block("Spam traffic", "  ").unwrap();
    assert_eq!(ok.note, None);
    assert!(check_block(&"r".repeat(501), "")
        .unwrap_err()
        .contains_key("reason"));
    assert!(check_block("Spam", &"n".repeat(2001))
        .unwrap_err()
        .contains_key("note"));
}

fn mount_dialog(
    root: &HtmlElement,
    target: RwSignal<Option<TrafficSource>>,
    done: Arc<AtomicU32>,
) -> impl Sized {
    mount_to(root.clone(), move || {
        Session::provide_with(SessionState::SignedIn(Account {
            id: 1,
            email: "staff@example.com".into(),
            role: Role::Staff,
            display_name: "Staff".into(),
        }));
        Toasts::provide();
        let done = done.clone();
        view! { <BlockDialog target on_done=Callback::new(move |_| {
            done.fetch_add(1, Ordering::SeqCst);
        })/> }
    })
}

#[wasm_bindgen_test]
async fn block_dialog_opens_modal_named_after_the_source_with_focus_on_the_reason() {
    let root = container();
    let target = RwSignal::new(None::<TrafficSource>);
    let _app = mount_dialog(&root, target, Arc::new(AtomicU32::new(0)));
    settle().await;
    let dialog: web_sys::HtmlDialogElement = find(&root, "dialog").unchecked_into();
    assert!(!dialog.open());

    target.set(Some(source()));
    settle().await;
    assert!(dialog.open(), "the dialog opens when a source is chosen");
    // A modal dialog (showModal), labelled by its heading and described by its message.
    assert!(dialog.matches(":modal").unwrap());
    assert_eq!(
        dialog.get_attribute("aria-labelledby").as_deref(),
        Some("block-title")
    );
    assert_eq!(text(&root, "#block-title"), "Block Dealspotter Blog?");
    assert_eq!(focused_id().as_deref(), Some("block-reason"));
    assert_eq!(text(&root, "button[type=submit]"), "Block Dealspotter Blog");
    // Both fields have visible labels.
    assert_eq!(
        text(&root, "label[for=block-reason]"),
        "Reason shown to the partner"
    );
    assert_eq!(
        text(&root, "label[for=block-note]"),
        "Internal note (optional)"
    );

    // Cancel closes it and clears the target.
    click(&root, "dialog .dialog__actions button[type=button]");
    settle().await;
    assert!(!dialog.open());
    assert!(target.get_untracked().is_none());
    root.remove();
}

#[wasm_bindgen_test]
async fn block_dialog_refuses_an_empty_or_too_long_reason_at_the_field_and_sends_nothing() {
    let root = container();
    let target = RwSignal::new(None::<TrafficSource>);
    let done = Arc::new(AtomicU32::new(0));
    let _app = mount_dialog(&root, target, done.clone());
    settle().await;
    target.set(Some(source()));
    settle().await;

    // No error before a submit is tried.
    assert!(!exists(&root, "#block-reason-error"));
    click(&root, "button[type=submit]");
    settle().await;
    let expected = BlockRequest::default().validate().unwrap_err()["reason"].clone();
    assert_eq!(text(&root, "#block-reason-error"), format!("!{expected}"));
    let reason = find(&root, "#block-reason");
    assert_eq!(
        reason.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(reason
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("block-reason-error"));
    assert_eq!(focused_id().as_deref(), Some("block-reason"));
    // Nothing was sent: not busy, still open, nothing done.
    assert_eq!(
        find(&root, "button[type=submit]")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("false")
    );
    assert!(find(&root, "dialog")
        .unchecked_into::<web_sys::HtmlDialogElement>()
        .open());
    assert_eq!(done.load(Ordering::SeqCst), 0);

    // Too long: the shared rule's message, updated as you type.
    let long = "r".repeat(501);
    type_into(&root, "#block-reason", &long);
    settle().await;
    let expected = check_block(&long, "").unwrap_err()["reason"].clone();
    assert_eq!(text(&root, "#block-reason-error"), format!("!{expected}"));

    // A good reason clears it; a too-long note is refused at the note.
    type_into(&root, "#block-reason", "Pop-under ads");
    let note = "n".repeat(2001);
    type_into(&root, "#block-note", &note);
    settle().await;
    assert!(!exists(&root, "#block-reason-error"));
    assert_eq!(
        find(&root, "#block-reason")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    let expected = check_block("Pop-under ads", &note).unwrap_err()["note"].clone();
    assert_eq!(text(&root, "#block-note-error"), format!("!{expected}"));
    let note_el = find(&root, "#block-note");
    assert_eq!(
        note_el.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(note_el
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("block-note-error"));
    click(&root, "button[type=submit]");
    settle().await;
    assert_eq!(focused_id().as_deref(), Some("block-note"));
    assert_eq!(done.load(Ordering::SeqCst), 0);

    // Opening it again for another source starts from an empty form.
    target.set(None);
    settle().await;
    target.set(Some(TrafficSource {
        id: 8,
        name: "Other".into(),
        ..source()
    }));
    settle().await;
    assert_eq!(
        find(&root, "#block-reason")
            .unchecked_into::<HtmlInputElement>()
            .value(),
        ""
    );
    assert!(!exists(&root, ".field__error"));
    assert_eq!(text(&root, "#block-title"), "Block Other?");
    target.set(None);
    settle().await;
    root.remove();
}

// ---- the notification bell -----------------------------------------------------------------

#[wasm_bindgen_test]
fn bell_name_says_how_many_are_unread() {
    assert_eq!(bell_name(None), "Notifications");
    assert_eq!(bell_name(Some(0)), "Notifications");
    assert_eq!(bell_name(Some(1)), "Notifications, 1 unread");
    assert_eq!(bell_name(Some(3)), "Notifications, 3 unread");
}

#[wasm_bindgen_test]
async fn bell_link_is_named_with_the_unread_count_and_follows_it() {
    let root = container();
    let slot: Rc<Cell<Option<Unread>>> = Rc::new(Cell::new(None));
    let slot_in = slot.clone();
    let _app = mount_to(root.clone(), move || {
        slot_in.set(Some(Unread::provide()));
        view! { <Router><NotificationBell/></Router> }
    });
    settle().await;
    let unread = slot.get().expect("the test provided the context");
    let link = find(&root, "a.bell");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("/notifications")
    );

    // Not known yet, and nothing unread: just "Notifications", no badge.
    assert_eq!(name_from_content(&link), "Notifications");
    assert!(!exists(&root, ".bell__count"));

    unread.set(3);
    settle().await;
    assert_eq!(name_from_content(&link), "Notifications, 3 unread");
    assert_eq!(name_from_content(&link), bell_name(Some(3)));
    // The badge shows the number but is hidden from screen readers (the words say it).
    assert_eq!(text(&root, ".bell__count"), "3");
    assert_eq!(
        find(&root, ".bell__count")
            .get_attribute("aria-hidden")
            .as_deref(),
        Some("true")
    );

    unread.set(120);
    settle().await;
    assert_eq!(text(&root, ".bell__count"), "99+");
    assert_eq!(name_from_content(&link), "Notifications, 120 unread");

    unread.set(0);
    settle().await;
    assert_eq!(name_from_content(&link), "Notifications");
    assert!(!exists(&root, ".bell__count"));
    root.remove();
}

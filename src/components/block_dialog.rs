//! Staff's Block and Unblock dialogs, used from the admin table's rows and the admin source
//! page. Both are native modal `<dialog>`s (`showModal()`: focus stays inside, Escape closes,
//! the page behind is inert); focus returns to the button that opened them.
//!
//! Block asks for the reason shown to the partner (required) and an internal note (optional,
//! staff only), checked with `BlockRequest::validate`, the very rule the server runs; what the
//! server still refuses (422) is shown at its field.

use leptos::{html, prelude::*};
use model::{source::BlockRequest, FieldErrors, Status, TrafficSource};
use wasm_bindgen::JsCast;

use crate::{
    api::{self, ApiError},
    components::{
        field::{FieldError, TextField},
        focus_id,
        toast::use_toasts,
    },
    session::use_session,
};

/// The first field with an error, in the order the form shows them.
const FIELD_ORDER: [&str; 2] = ["reason", "note"];

/// The request the form would send; `Err` with a message per faulty field.
pub fn check_block(reason: &str, note: &str) -> Result<BlockRequest, FieldErrors> {
    let request = BlockRequest {
        reason: reason.to_string(),
        note: (!note.trim().is_empty()).then(|| note.to_string()),
    };
    request.validate().map(|_| request)
}

/// A native modal dialog that opens while `open` is true and remembers who opened it.
#[component]
pub fn Modal(
    /// Whether it is open.
    #[prop(into)]
    open: Signal<bool>,
    /// Runs when it closes (Escape, a Cancel button, or after success).
    on_close: Callback<()>,
    /// Id of the heading.
    labelled_by: &'static str,
    /// Id of the message.
    described_by: &'static str,
    /// Id of the element that gets focus on opening.
    initial_focus: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let want_open = open.get();
        if let Some(el) = dialog.get() {
            if want_open && !el.open() {
                let active = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                opener.set_value(active);
                let _ = el.show_modal();
                focus_id(initial_focus);
            } else if !want_open && el.open() {
                el.close();
            }
        }
    });
    let on_dialog_close = move |_| {
        // The `close` event arrives a moment after Escape has hidden the dialog; if it was
        // opened again meanwhile, this event is stale.
        if dialog.get_untracked().is_some_and(|el| el.open()) {
            return;
        }
        on_close.run(());
        // Back to the opener if it is still there; a row that changed is refocused by its page.
        if let Some(el) = opener.get_value() {
            if el.is_connected() {
                let _ = el.focus();
            }
        }
    };
    // `showModal()` makes the page behind inert, but Tab from the last control would still
    // leave for the browser's own toolbar: wrap around inside the dialog instead.
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(el) = dialog.get_untracked() else {
            return;
        };
        let Ok(list) = el.query_selector_all("button, [href], input, select, textarea") else {
            return;
        };
        let controls: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|e| !e.has_attribute("disabled"))
            .collect();
        let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
            return;
        };
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element());
        let is = |target: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == target.unchecked_ref::<web_sys::Element>())
        };
        let inside = active
            .as_ref()
            .is_some_and(|a| el.contains(Some(a.unchecked_ref::<web_sys::Node>())));
        if ev.shift_key() && (is(first) || !inside) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && (is(last) || !inside) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            aria-labelledby=labelled_by
            aria-describedby=described_by
            on:close=on_dialog_close
            on:keydown=on_keydown
        >
            {children()}
        </dialog>
    }
}

/// Asks for the reason and note of a block, sends it, and reports the result.
#[component]
pub fn BlockDialog(
    /// The source to block; setting it opens the dialog, which sets it back to `None` on close.
    target: RwSignal<Option<TrafficSource>>,
    /// Runs with the blocked source once the server has blocked it.
    on_done: Callback<TrafficSource>,
) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    // Errors are shown once a submit was tried, then follow the typing.
    let tried = RwSignal::new(false);
    let server_errors = RwSignal::new(FieldErrors::new());
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    // A fresh form every time it opens.
    Effect::new(move |_| {
        if target.with(Option::is_some) {
            reason.set(String::new());
            note.set(String::new());
            tried.set(false);
            server_errors.set(FieldErrors::new());
            problem.set(None);
        }
    });

    let errors = Memo::new(move |_| {
        let mut errors = check_block(&reason.get(), &note.get())
            .err()
            .unwrap_or_default();
        for (field, message) in server_errors.get() {
            errors.entry(field).or_insert(message);
        }
        errors
    });
    let error_of = move |field: &'static str| {
        Signal::derive(move || {
            if tried.get() {
                errors.with(|e| e.get(field).cloned())
            } else {
                None
            }
        })
    };
    let name = move || target.with(|t| t.as_ref().map(|s| s.name.clone()).unwrap_or_default());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        tried.set(true);
        server_errors.set(FieldErrors::new());
        problem.set(None);
        let Some(source) = target.get_untracked() else {
            return;
        };
        let request = match check_block(&reason.get_untracked(), &note.get_untracked()) {
            Ok(request) => request,
            Err(errors) => {
                if let Some(first) = FIELD_ORDER.iter().find(|f| errors.contains_key(**f)) {
                    focus_id(&format!("block-{first}"));
                }
                return;
            }
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::block_source(source.id, &request).await;
            pending.set(false);
            match result {
                Ok(blocked) => {
                    toasts.success(format!(
                        "Blocked “{}”. Its tracking links no longer work, and its partner and the advertisers using it were notified.",
                        blocked.name
                    ));
                    target.set(None);
                    on_done.run(blocked);
                }
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) if e.status() == Some(422) && !e.fields().is_empty() => {
                    let fields = e.fields();
                    if let Some(first) = FIELD_ORDER.iter().find(|f| fields.contains_key(**f)) {
                        focus_id(&format!("block-{first}"));
                    }
                    server_errors.set(fields);
                }
                Err(e) if e.code() == "already_blocked" => {
                    problem.set(Some("This source is already blocked: someone else blocked it meanwhile. Close this dialog and reload the page to see its current state.".into()));
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    let note_error = error_of("note");
    let note_described = move || {
        if note_error.with(Option::is_some) {
            "block-note-hint block-note-error"
        } else {
            "block-note-hint"
        }
    };

    view! {
        <Modal
            open=Signal::derive(move || target.with(Option::is_some))
            on_close=Callback::new(move |_| target.set(None))
            labelled_by="block-title"
            described_by="block-message"
            initial_focus="block-reason"
        >
            <form class="dialog__form" novalidate on:submit=submit>
                <h2 class="dialog__title" id="block-title">
                    "Block " <span class="h1-name">{name}</span> "?"
                </h2>
                <p class="dialog__message" id="block-message">
                    "Its tracking links stop working at once and it leaves the marketplace. Its partner and every advertiser using it are notified. Only staff can lift the block."
                </p>
                {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
                <TextField
                    id="block-reason"
                    label="Reason shown to the partner"
                    hint="The partner sees this with the source and in their notification."
                    value=reason
                    error=error_of("reason")
                />
                <div class="field" class:field--invalid=move || note_error.with(Option::is_some)>
                    <label class="field__label" for="block-note">"Internal note (optional)"</label>
                    <p class="field__hint" id="block-note-hint">"Only platform staff see this note."</p>
                    <textarea
                        class="field__input field__textarea"
                        id="block-note"
                        name="block-note"
                        rows="3"
                        aria-invalid=move || if note_error.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby=note_described
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    ></textarea>
                    <FieldError id="block-note-error".to_string() error=note_error/>
                </div>
                <div class="dialog__actions">
                    <button type="button" class="button" on:click=move |_| target.set(None)>
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        class="button button--danger"
                        aria-disabled=move || pending.get().to_string()
                    >
                        {move || if pending.get() { "Blocking…".to_string() } else { format!("Block {}", name()) }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Asks to confirm lifting a block, sends it, and reports the result.
#[component]
pub fn UnblockDialog(
    /// The source to unblock; setting it opens the dialog.
    target: RwSignal<Option<TrafficSource>>,
    /// Runs with the source as it is after the unblock.
    on_done: Callback<TrafficSource>,
) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    Effect::new(move |_| {
        if target.with(Option::is_some) {
            problem.set(None);
        }
    });
    let name = move || target.with(|t| t.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let confirm = move |_| {
        if pending.get_untracked() {
            return;
        }
        let Some(source) = target.get_untracked() else {
            return;
        };
        problem.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::unblock_source(source.id).await;
            pending.set(false);
            match result {
                Ok(source) => {
                    let now = match source.status {
                        Status::Paused => "It is Paused again, as it was before the block; its partner decides when it runs.",
                        _ => "It is Active again and its tracking links work.",
                    };
                    toasts.success(format!("Unblocked “{}”. {now}", source.name));
                    target.set(None);
                    on_done.run(source);
                }
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) if e.code() == "not_blocked" => problem.set(Some(
                    "This source is not blocked any more: someone else lifted the block meanwhile. Close this dialog and reload the page to see its current state.".into(),
                )),
                Err(e) => problem.set(Some(ApiError::message(&e))),
            }
        });
    };
    view! {
        <Modal
            open=Signal::derive(move || target.with(Option::is_some))
            on_close=Callback::new(move |_| target.set(None))
            labelled_by="unblock-title"
            described_by="unblock-message"
            initial_focus="unblock-cancel"
        >
            <h2 class="dialog__title" id="unblock-title">
                "Unblock " <span class="h1-name">{name}</span> "?"
            </h2>
            <p class="dialog__message" id="unblock-message">
                "The source returns to the status it had before it was blocked (Active or Paused). If that is Active, its tracking links work again at once. Its partner and every advertiser using it are notified."
            </p>
            {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
            <div class="dialog__actions">
                <button type="button" class="button" id="unblock-cancel" on:click=move |_| target.set(None)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="button button--primary"
                    aria-disabled=move || pending.get().to_string()
                    on:click=confirm
                >
                    {move || if pending.get() { "Unblocking…".to_string() } else { format!("Unblock {}", name()) }}
                </button>
            </div>
        </Modal>
    }
}

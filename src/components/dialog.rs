//! An accessible confirmation dialog built on the native `<dialog>` element: `showModal()` gives
//! the focus trap, Escape to cancel, the inert background and focus return for free.

use leptos::{html, prelude::*};

/// Asks a yes/no question in a modal dialog.
#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is open; the dialog sets it back to `false` when it closes.
    open: RwSignal<bool>,
    /// Element id prefix, unique on the page.
    id: &'static str,
    /// The question, as the dialog's heading.
    title: &'static str,
    /// One or two sentences of consequences.
    message: &'static str,
    /// The button that goes ahead, e.g. "Discard changes".
    confirm_label: &'static str,
    /// The button that goes back, e.g. "Keep editing". It has the initial focus: the safe choice.
    cancel_label: &'static str,
    /// Runs when the person confirms.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let want_open = open.get();
        if let Some(el) = dialog.get() {
            if want_open && !el.open() {
                let _ = el.show_modal();
            } else if !want_open && el.open() {
                el.close();
            }
        }
    });
    let title_id = format!("{id}-title");
    let message_id = format!("{id}-message");
    let (labelled_by, described_by) = (title_id.clone(), message_id.clone());
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            aria-labelledby=labelled_by
            aria-describedby=described_by
            on:close=move |_| {
                // The `close` event arrives a moment after Escape has hidden the dialog; if it
                // was opened again meanwhile, this event is stale and must not close it.
                if !dialog.get_untracked().is_some_and(|el| el.open()) {
                    open.set(false);
                }
            }
        >
            <h2 class="dialog__title" id=title_id>{title}</h2>
            <p class="dialog__message" id=message_id>{message}</p>
            <div class="dialog__actions">
                <button type="button" class="button" autofocus on:click=move |_| open.set(false)>
                    {cancel_label}
                </button>
                <button
                    type="button"
                    class="button button--danger"
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </dialog>
    }
}

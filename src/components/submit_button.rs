//! The submit button every form uses, so saving looks and behaves the same everywhere.

use leptos::prelude::*;

/// A form's submit button. While `pending` it shows a spinner and `pending_label`, and is
/// `aria-disabled` rather than `disabled`: it keeps the focus, and the form ignores a second
/// submit while the first is on its way.
#[component]
pub fn SubmitButton(
    /// What it does, e.g. "Save".
    label: &'static str,
    /// What it says while waiting for the server, e.g. "Saving…".
    pending_label: &'static str,
    /// Whether the form's request is on its way.
    #[prop(into)]
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="button button--primary" aria-disabled=move || pending.get().to_string()>
            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

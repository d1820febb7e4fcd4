//! A tracking link shown in a read-only field with a Copy button.
//!
//! Copying uses `navigator.clipboard.writeText`. Where the clipboard is missing (an insecure
//! origin, an old browser) or refuses (no permission, the page not focused), the link is
//! selected in its field instead and the person is told to press Ctrl+C: the text is never out
//! of reach. Either outcome is announced through the toast region (a polite live region).

use std::time::Duration;

use leptos::{html, prelude::*};
use wasm_bindgen::{JsCast, JsValue};

use crate::components::toast::use_toasts;

/// What a copy attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The clipboard holds the text.
    Copied,
    /// No clipboard, or it refused: the text is selected for a manual copy.
    Selected,
}

/// Writes `text` to the clipboard; `Err` when there is no clipboard API or it refuses.
pub async fn write_clipboard(text: &str) -> Result<(), JsValue> {
    let navigator = web_sys::window().ok_or(JsValue::NULL)?.navigator();
    // Read through Reflect: `navigator.clipboard` is `undefined` outside secure contexts, and
    // calling a method on it would throw.
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return Err(JsValue::NULL);
    }
    let write =
        js_sys::Reflect::get(&clipboard, &"writeText".into())?.dyn_into::<js_sys::Function>()?;
    let promise = write
        .call1(&clipboard, &JsValue::from_str(text))?
        .dyn_into::<js_sys::Promise>()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
}

/// A read-only field holding `text` and a button that copies it.
#[component]
pub fn CopyField(
    /// The text to copy (a tracking link).
    #[prop(into)]
    text: String,
    /// The field's id, unique on the page.
    #[prop(into)]
    id: String,
    /// What the text is, for the field's name and the button's, e.g. "tracking link for Cooking
    /// blog": the field is named "Tracking link for Cooking blog", the button "Copy tracking link
    /// for Cooking blog".
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let toasts = use_toasts();
    let field = NodeRef::<html::Input>::new();
    let copied = RwSignal::new(false);
    let pending = StoredValue::new(false);
    let field_label = {
        let mut chars = what.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
            None => String::new(),
        }
    };
    let what = StoredValue::new(what);
    let text = StoredValue::new(text);

    let select_text = move || {
        if let Some(input) = field.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    };
    let on_click = move |_| {
        if pending.get_value() {
            return;
        }
        pending.set_value(true);
        leptos::task::spawn_local(async move {
            let outcome = match write_clipboard(&text.get_value()).await {
                Ok(()) => CopyOutcome::Copied,
                Err(_) => CopyOutcome::Selected,
            };
            let _ = pending.try_set_value(false);
            match outcome {
                CopyOutcome::Copied => {
                    toasts.success(format!("Copied the {}.", what.get_value()));
                    let _ = copied.try_set(true);
                    set_timeout(
                        move || {
                            let _ = copied.try_set(false);
                        },
                        Duration::from_secs(3),
                    );
                }
                CopyOutcome::Selected => {
                    select_text();
                    toasts.info("Couldn't copy automatically. The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
                }
            }
        });
    };

    view! {
        <div class="copy-field">
            <input
                node_ref=field
                class="field__input copy-field__input"
                id=id
                type="text"
                readonly
                aria-label=field_label
                prop:value=move || text.get_value()
                on:focus=move |_| select_text()
            />
            <button type="button" class="button button--small copy-field__button" on:click=on_click>
                // No idle icon: "⧉" and its kin are missing from common fonts.
                {move || copied.get().then(|| view! { <span class="copy-field__icon" aria-hidden="true">"✓"</span> })}
                {move || if copied.get() { "Copied" } else { "Copy" }}
                <span class="visually-hidden">{move || format!(" {}", what.get_value())}</span>
            </button>
        </div>
    }
}

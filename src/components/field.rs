//! A labelled text input with its hint and its error, wired together for assistive technology.

use leptos::prelude::*;

/// One text input: visible label, optional hint, and the error shown right under it.
///
/// The input's `aria-describedby` names the hint and, while there is one, the error, and
/// `aria-invalid` follows the error, so a screen reader reads the problem with the field.
#[component]
pub fn TextField(
    /// The input's id; the hint and error ids derive from it.
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The value, two-way.
    value: RwSignal<String>,
    /// The message to show, if any. The caller decides when (e.g. once the field was touched).
    #[prop(into)]
    error: Signal<Option<String>>,
    /// A line of help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// `text`, `email`, `password`, `url`, …
    #[prop(default = "text")]
    input_type: &'static str,
    /// The browser's autofill hint, e.g. `email` or `current-password`.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Called when the input loses focus: callers mark the field touched.
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    /// The `inputmode`, e.g. `url` on mobile keyboards.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            <input
                class="field__input"
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                aria-required="true"
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| {
                    // `try_run`: a focused field that is removed (its form replaced) still gets
                    // a blur, after its owner is gone.
                    if let Some(cb) = on_blur {
                        let _ = cb.try_run(());
                    }
                }
            />
            <FieldError id=error_id error/>
        </div>
    }
}

/// The error line of a field or group; renders nothing while there is no error.
#[component]
pub fn FieldError(
    /// Id that the control's `aria-describedby` points to.
    id: String,
    /// The message, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="field__error" id=id.clone()>
                    <span class="field__error-icon" aria-hidden="true">"!"</span>
                    {message}
                </p>
            }
        })
    }
}

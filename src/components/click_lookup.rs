//! "Look up a click": an advertiser pastes the `click_id` their landing page received (to
//! attribute a conversion, or to check a suspicious one) and sees what the ledger recorded.

use leptos::prelude::*;
use model::traffic::{Click, ReferrerClass};

use crate::{
    api::{self, ApiError},
    components::{
        field::TextField, focus_id, format_datetime, submit_button::SubmitButton, touched::Touched,
    },
    session::use_session,
};

const FIELD: &str = "click-id";

/// What the lookup's field says for an answer, if the answer is about the ID itself.
pub fn field_error_of(error: &ApiError) -> Option<String> {
    match error.status() {
        Some(404) => Some("No click with this ID in your programs.".into()),
        Some(400) | Some(422) => Some(error.fields().into_values().next().unwrap_or_else(|| {
            "This is not a click ID. Copy it again from your landing page's address.".into()
        })),
        _ => None,
    }
}

/// "Declared site", "Other site", "No referrer".
pub fn referrer_class_label(class: ReferrerClass) -> &'static str {
    match class {
        ReferrerClass::Match => "Declared site",
        ReferrerClass::Mismatch => "Other site",
        ReferrerClass::None => "No referrer",
    }
}

/// The form and, once found, the click.
#[component]
pub fn ClickLookup() -> impl IntoView {
    let session = use_session();
    let value = RwSignal::new(String::new());
    let touched = Touched::default();
    // The ID the server said no to, and what it said: shown until the field is edited.
    let refused = RwSignal::new(None::<(String, String)>);
    let failure = RwSignal::new(None::<ApiError>);
    let found = RwSignal::new(None::<Click>);
    let pending = RwSignal::new(false);

    let error = Signal::derive(move || {
        let v = value.get();
        if touched.shows(FIELD) && v.trim().is_empty() {
            return Some("Enter a click ID.".to_string());
        }
        refused.with(|r| {
            r.as_ref()
                .filter(|(id, _)| *id == v.trim())
                .map(|(_, m)| m.clone())
        })
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        touched.submit();
        let id = value.get_untracked().trim().to_string();
        if id.is_empty() {
            found.set(None);
            focus_id(FIELD);
            return;
        }
        failure.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::get_click(&id).await;
            // The form is gone (the person left): nothing to show.
            if pending.try_set(false).is_some() {
                return;
            }
            match result {
                Ok(click) => {
                    refused.set(None);
                    found.set(Some(click));
                }
                Err(e) => {
                    if e.is_unauthenticated() {
                        session.signed_out();
                    }
                    found.set(None);
                    match field_error_of(&e) {
                        Some(message) => {
                            refused.set(Some((id, message)));
                            focus_id(FIELD);
                        }
                        None => failure.set(Some(e)),
                    }
                }
            }
        });
    };

    view! {
        <div class="click-lookup">
        <form class="form" novalidate on:submit=on_submit>
            <TextField
                id=FIELD
                label="Click ID"
                hint="The value of click_id in your landing page's address, e.g. from your order records."
                value
                error
                on_blur=touched.on_leave(FIELD)
            />
            <div class="form__actions">
                <SubmitButton label="Look up" pending_label="Looking up…" pending/>
                <p class="form__status" role="status">
                    {move || if pending.get() { "Looking up the click…" } else { "" }}
                </p>
            </div>
            {move || failure.get().map(|e| view! {
                <div class="alert alert--error" role="alert">
                    <h3 class="alert__title">"Couldn't look up the click"</h3>
                    <p>{e.message()}</p>
                </div>
            })}
        </form>
        <div class="click-lookup__result" aria-live="polite">
            {move || found.get().map(|c| view! { <ClickView click=c/> })}
        </div>
        </div>
    }
}

#[component]
fn ClickView(click: Click) -> impl IntoView {
    let c = click;
    let referrer = match &c.referrer_host {
        Some(host) => format!("{host} ({})", referrer_class_label(c.referrer_class)),
        None => referrer_class_label(c.referrer_class).to_string(),
    };
    view! {
        <h3 class="click-lookup__title">"Click " <code>{c.click_id.clone()}</code></h3>
        <dl class="summary-list">
            <div><dt>"Source"</dt><dd>{c.source_name.clone()}</dd></div>
            <div><dt>"Program"</dt><dd>{c.program_name.clone()}</dd></div>
            <div><dt>"Time"</dt><dd><time datetime=c.at.clone()>{format_datetime(&c.at)}</time></dd></div>
            <div><dt>"Outcome"</dt><dd>{c.outcome.label()}</dd></div>
            <div><dt>"Referrer"</dt><dd>{referrer}</dd></div>
            <div>
                <dt>"Bot"</dt>
                <dd>{if c.bot { "Yes: left out of the click counts" } else { "No" }}</dd>
            </div>
        </dl>
    }
}

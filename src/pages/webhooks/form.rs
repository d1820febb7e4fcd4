//! The form that adds an endpoint: its address, an optional description and the events to
//! send. Checked as typed with `model::webhook::WebhookInput::validate`, the server's own
//! rule; what only the server knows (a host on a private network, an address registered
//! already) comes back at its field.

use leptos::prelude::*;
use model::webhook::{WebhookEventType, WebhookInput, MAX_DESCRIPTION_CHARS};

use super::ShownSecret;
use crate::{
    api,
    components::{
        field::{FieldError, TextField},
        focus_id,
        submit_button::SubmitButton,
        toast::use_toasts,
        touched::Touched,
    },
    session::use_session,
};

/// Field name in the API → id of its control.
const FIELDS: [(&str, &str); 3] = [
    ("url", "webhook-url"),
    ("description", "webhook-description"),
    ("events", "webhook-event-0"),
];

#[component]
pub fn EndpointForm(on_created: Callback<ShownSecret>) -> impl IntoView {
    let toasts = use_toasts();
    let session = use_session();
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    // Every event at first: most receivers want them all.
    let events = RwSignal::new(WebhookEventType::SUBSCRIBABLE.to_vec());
    let touched = Touched::default();
    let server = RwSignal::new(None::<(WebhookInput, model::FieldErrors)>);
    let failure = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let input = Memo::new(move |_| WebhookInput {
        url: url.get(),
        events: events.with(|e| e.iter().map(|e| e.id().to_string()).collect()),
        description: Some(description.get()),
    });
    let local_errors = Memo::new(move |_| input.with(|i| i.validate().err().unwrap_or_default()));
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let local = touched
                .shows(field)
                .then(|| local_errors.with(|e| e.get(field).cloned()))
                .flatten();
            local.or_else(|| {
                server.with(|s| {
                    let (sent, errors) = s.as_ref()?;
                    (input.with(|i| i == sent))
                        .then(|| errors.get(field).cloned())
                        .flatten()
                })
            })
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        touched.submit();
        let errors = local_errors.get_untracked();
        if let Some((_, id)) = FIELDS.iter().find(|(f, _)| errors.contains_key(*f)) {
            focus_id(id);
            return;
        }
        failure.set(None);
        pending.set(true);
        let sent = input.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::create_webhook(&sent).await;
            // `try_set` hands the value back when the form is gone: nothing to show then.
            if pending.try_set(false).is_some() {
                return;
            }
            match result {
                Ok(created) => {
                    server.set(None);
                    url.set(String::new());
                    description.set(String::new());
                    events.set(WebhookEventType::SUBSCRIBABLE.to_vec());
                    touched.reset();
                    toasts.success(format!("Added the endpoint {}.", created.endpoint.url));
                    on_created.run(ShownSecret {
                        url: created.endpoint.url,
                        secret: created.secret,
                        rotated: false,
                    });
                }
                Err(e) => {
                    if e.is_unauthenticated() {
                        session.signed_out();
                    }
                    let fields = e.fields();
                    if let Some((_, id)) = FIELDS.iter().find(|(f, _)| fields.contains_key(*f)) {
                        server.set(Some((sent, fields)));
                        focus_id(id);
                    } else {
                        failure.set(Some(e.message()));
                    }
                }
            }
        });
    };

    let description_error = error_for("description");
    let events_error = error_for("events");
    let checkboxes = WebhookEventType::SUBSCRIBABLE
        .into_iter()
        .enumerate()
        .map(|(i, event)| {
            let id = format!("webhook-event-{i}");
            view! {
                <li class="check">
                    <input
                        type="checkbox"
                        id=id.clone()
                        prop:checked=move || events.with(|e| e.contains(&event))
                        aria-describedby=move || events_error.with(Option::is_some).then_some("webhook-events-error")
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            events.update(|e| {
                                e.retain(|x| *x != event);
                                if on {
                                    e.push(event);
                                }
                            });
                        }
                    />
                    <label for=id>
                        <code>{event.id()}</code>
                        <span class="field__hint">{format!(" {}", event.label())}</span>
                    </label>
                </li>
            }
        })
        .collect_view();

    view! {
        <form class="form webhook-form" novalidate on:submit=on_submit>
            <TextField
                id="webhook-url"
                label="Endpoint address"
                hint="Where we POST the events: an https:// address on the public internet."
                value=url
                error=error_for("url")
                input_type="url"
                inputmode="url"
                on_blur=touched.on_leave("url")
            />
            <div class="field" class:field--invalid=move || description_error.with(Option::is_some)>
                <label class="field__label" for="webhook-description">"Description (optional)"</label>
                <p class="field__hint" id="webhook-description-hint">
                    {format!("A note for yourself, e.g. “CRM sync”. Up to {MAX_DESCRIPTION_CHARS} characters.")}
                </p>
                <input
                    class="field__input"
                    id="webhook-description"
                    type="text"
                    autocomplete="off"
                    aria-invalid=move || description_error.with(Option::is_some).to_string()
                    aria-describedby=move || if description_error.with(Option::is_some) {
                        "webhook-description-hint webhook-description-error"
                    } else {
                        "webhook-description-hint"
                    }
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                    on:blur=move |_| touched.on_leave("description").run(())
                />
                <FieldError id="webhook-description-error".to_string() error=description_error/>
            </div>
            <fieldset class="field" class:field--invalid=move || events_error.with(Option::is_some)>
                <legend class="field__label">"Events to send"</legend>
                <ul class="webhook-events">{checkboxes}</ul>
                <FieldError id="webhook-events-error".to_string() error=events_error/>
            </fieldset>
            {move || failure.get().map(|message| view! {
                <div class="alert alert--error" role="alert">
                    <h3 class="alert__title">"The endpoint was not added"</h3>
                    <p>{message}</p>
                </div>
            })}
            <div class="form__actions">
                <SubmitButton label="Add endpoint" pending_label="Adding…" pending/>
                <p class="form__status" role="status">
                    {move || if pending.get() { "Checking the address and adding the endpoint…" } else { "" }}
                </p>
            </div>
        </form>
    }
}

//! `/settings/webhooks` (partners and advertisers): the endpoints events are POSTed to,
//! signed per Standard Webhooks. Each endpoint shows its state, its events and, on demand,
//! its recent deliveries, with "Send test event", "Rotate secret", "Turn on again" and
//! "Delete"; the form below adds one ([`form`]). A new or rotated secret is shown once, in
//! a box to copy it from.

mod deliveries;
mod form;

use leptos::prelude::*;
use model::webhook::{WebhookEndpoint, WebhookList};

use crate::{
    api,
    components::{
        copy_button::CopyField,
        dialog::ConfirmDialog,
        focus_id, format_datetime,
        load::{Load, Loader},
        notice::LoadError,
        set_title,
        toast::use_toasts,
    },
};
use deliveries::Deliveries;
use form::EndpointForm;

/// A secret to show once: the endpoint's address and the `whsec_…`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownSecret {
    pub url: String,
    pub secret: String,
    pub rotated: bool,
}

#[component]
pub fn Webhooks() -> impl IntoView {
    set_title("Webhooks");
    let endpoints = Loader::new(api::list_webhooks);
    let shown = RwSignal::new(None::<ShownSecret>);
    let deleting = RwSignal::new(None::<WebhookEndpoint>);
    let confirm_open = RwSignal::new(false);
    let toasts = use_toasts();
    let reveal = Callback::new(move |secret: ShownSecret| {
        shown.set(Some(secret));
        endpoints.reload();
        // The box is drawn on the next frame; move there so it is read first.
        request_animation_frame(|| focus_id("webhook-secret-title"));
    });
    let ask_delete = Callback::new(move |endpoint: WebhookEndpoint| {
        deleting.set(Some(endpoint));
        confirm_open.set(true);
    });
    let delete = Callback::new(move |_| {
        let Some(endpoint) = deleting.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::delete_webhook(endpoint.id).await {
                Ok(()) => {
                    toasts.success(format!("Deleted the endpoint {}.", endpoint.url));
                    endpoints.reload();
                    focus_id("webhooks-list-title");
                }
                Err(e) => toasts.info(format!("The endpoint was not deleted: {}", e.message())),
            }
        });
    });
    view! {
        <section class="page webhooks-page">
            <h1>"Webhooks"</h1>
            <p class="page__intro">
                "Your own systems hear of changes as they happen: each event is POSTed to your "
                "HTTPS endpoints as JSON, signed per the Standard Webhooks specification "
                "(headers webhook-id, webhook-timestamp and webhook-signature). A delivery that "
                "fails is retried, waiting twice as long each time; an endpoint that fails for "
                "3 days is turned off and you are told."
            </p>
            {move || shown.get().map(|s| view! { <SecretBox shown=s on_done=move || shown.set(None)/> })}
            <section aria-labelledby="webhooks-list-title">
                <h2 id="webhooks-list-title" tabindex="-1">"Your endpoints"</h2>
                {move || match endpoints.state.get() {
                    Load::Loading => view! { <p role="status">"Loading your endpoints…"</p> }.into_any(),
                    Load::Failed(error) => view! {
                        <LoadError error title="Couldn't load your endpoints" on_retry=endpoints.retry()/>
                    }
                    .into_any(),
                    Load::Loaded(list) => view! {
                        <EndpointList list reload=Callback::new(move |_| endpoints.reload()) reveal ask_delete/>
                    }
                    .into_any(),
                }}
            </section>
            <section class="webhook-add" aria-labelledby="webhook-add-title">
                <h2 id="webhook-add-title">"Add an endpoint"</h2>
                {move || match endpoints.state.get() {
                    Load::Loaded(list) if list.items.len() as i64 >= list.limit => view! {
                        <p>{format!("You have {} endpoints, the most an account may have. Delete one to add another.", list.limit)}</p>
                    }
                    .into_any(),
                    _ => view! { <EndpointForm on_created=reveal/> }.into_any(),
                }}
            </section>
            <ConfirmDialog
                open=confirm_open
                id="webhook-delete"
                title="Delete this endpoint?"
                message="Events will no longer be sent to it, and its delivery log is deleted with it."
                confirm_label="Delete endpoint"
                cancel_label="Keep it"
                on_confirm=delete
            />
        </section>
    }
}

#[component]
fn SecretBox(shown: ShownSecret, on_done: impl Fn() + 'static) -> impl IntoView {
    let title = if shown.rotated {
        "New signing secret"
    } else {
        "Signing secret"
    };
    view! {
        <section class="alert alert--info secret-box" aria-labelledby="webhook-secret-title">
            <h2 class="alert__title" id="webhook-secret-title" tabindex="-1">{title}</h2>
            <p>
                {format!("For {}. Copy it now: it is shown only this once. ", shown.url)}
                "Give it to your receiver's Standard Webhooks library to verify each delivery."
                {shown.rotated.then_some(" For a day deliveries are signed with the old secret too, so you can switch without missing one.")}
            </p>
            <CopyField text=shown.secret id="webhook-secret" what="signing secret"/>
            <button type="button" class="button" on:click=move |_| on_done()>"I have copied it"</button>
        </section>
    }
}

#[component]
fn EndpointList(
    list: WebhookList,
    reload: Callback<()>,
    reveal: Callback<ShownSecret>,
    ask_delete: Callback<WebhookEndpoint>,
) -> impl IntoView {
    if list.items.is_empty() {
        return view! {
            <p class="empty">"No endpoints yet. Add one below to receive events."</p>
        }
        .into_any();
    }
    view! {
        <ul class="endpoints">
            {list
                .items
                .into_iter()
                .map(|endpoint| view! { <EndpointCard endpoint reload reveal ask_delete/> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The state of an endpoint in words (not colour alone).
fn state_words(e: &WebhookEndpoint) -> (String, &'static str) {
    match (&e.disabled_at, &e.failing_since) {
        (Some(at), _) => (
            format!(
                "Turned off on {} after failing for too long",
                format_datetime(at)
            ),
            "badge badge--blocked",
        ),
        (None, Some(since)) => (
            format!("Failing since {}", format_datetime(since)),
            "badge badge--paused",
        ),
        (None, None) => ("On".into(), "badge badge--active"),
    }
}

#[component]
fn EndpointCard(
    endpoint: WebhookEndpoint,
    reload: Callback<()>,
    reveal: Callback<ShownSecret>,
    ask_delete: Callback<WebhookEndpoint>,
) -> impl IntoView {
    let id = endpoint.id;
    let (state, badge) = state_words(&endpoint);
    let disabled = endpoint.disabled_at.is_some();
    let said = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let show_deliveries = RwSignal::new(false);
    // The `webhook-id` of a test just sent: the log watches for its attempt.
    let awaited = RwSignal::new(None::<String>);
    let url = StoredValue::new(endpoint.url.clone());
    let title_id = format!("endpoint-{id}-title");
    let run = move |what: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        said.set(None);
        leptos::task::spawn_local(async move {
            let message = match what {
                "test" => match api::test_webhook(id).await {
                    Ok(queued) => {
                        awaited.set(Some(queued.message_id));
                        show_deliveries.set(true);
                        "Test event queued: its delivery appears below in a moment.".to_string()
                    }
                    Err(e) => format!("No test event was sent: {}", e.message()),
                },
                "rotate" => match api::rotate_webhook_secret(id).await {
                    Ok(s) => {
                        reveal.run(ShownSecret {
                            url: url.get_value(),
                            secret: s.secret,
                            rotated: true,
                        });
                        "The secret was replaced.".to_string()
                    }
                    Err(e) => format!("The secret was not replaced: {}", e.message()),
                },
                _ => match api::enable_webhook(id).await {
                    Ok(_) => {
                        reload.run(());
                        "Turned on: events are sent to it again.".to_string()
                    }
                    Err(e) => format!("Not turned on: {}", e.message()),
                },
            };
            let _ = busy.try_set(false);
            let _ = said.try_set(Some(message));
        });
    };
    let deliveries_id = format!("endpoint-{id}-deliveries");
    let events = endpoint
        .events
        .iter()
        .map(|e| view! { <li class="tag">{e.id()}</li> })
        .collect_view();
    let for_endpoint = format!(" for {}", endpoint.url);
    view! {
        <li class="endpoint">
            <h3 class="endpoint__url" id=title_id>{endpoint.url.clone()}</h3>
            {endpoint.description.clone().map(|d| view! { <p class="endpoint__description">{d}</p> })}
            <p><span class=badge>{state}</span></p>
            <p class="field__hint">
                {format!("Added {}. ", format_datetime(&endpoint.created_at))}
                {match endpoint.pending {
                    0 => "Nothing waiting to be delivered.".to_string(),
                    1 => "1 event waiting to be delivered.".to_string(),
                    n => format!("{n} events waiting to be delivered."),
                }}
            </p>
            <p class="endpoint__events-label">"Events:"</p>
            <ul class="tags">{events}</ul>
            <div class="endpoint__actions">
                {if disabled {
                    view! {
                        <button type="button" class="button" aria-disabled=move || busy.get().to_string() on:click=move |_| run("enable")>
                            "Turn on again"<span class="visually-hidden">{for_endpoint.clone()}</span>
                        </button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="button" aria-disabled=move || busy.get().to_string() on:click=move |_| run("test")>
                            "Send test event"<span class="visually-hidden">{for_endpoint.clone()}</span>
                        </button>
                    }
                    .into_any()
                }}
                <button type="button" class="button" aria-disabled=move || busy.get().to_string() on:click=move |_| run("rotate")>
                    "Rotate secret"<span class="visually-hidden">{for_endpoint.clone()}</span>
                </button>
                <button
                    type="button"
                    class="button"
                    aria-expanded=move || show_deliveries.get().to_string()
                    aria-controls=deliveries_id.clone()
                    on:click=move |_| show_deliveries.update(|s| *s = !*s)
                >
                    {move || if show_deliveries.get() { "Hide deliveries" } else { "Recent deliveries" }}
                    <span class="visually-hidden">{for_endpoint.clone()}</span>
                </button>
                <button type="button" class="button button--danger" on:click={
                    let endpoint = endpoint.clone();
                    move |_| ask_delete.run(endpoint.clone())
                }>
                    "Delete"<span class="visually-hidden">{for_endpoint.clone()}</span>
                </button>
            </div>
            <p class="form__status" role="status">{move || said.get()}</p>
            <div id=deliveries_id>
                {move || show_deliveries.get().then(|| view! { <Deliveries id awaited/> })}
            </div>
        </li>
    }
}

//! Email: a person's "Email me these notifications" switch (on the Notifications page), and
//! staff's list of notification emails that could not be sent (on the review queue).

use leptos::prelude::*;
use model::notification::{EmailSettings, OutboxEmail};

use crate::api;
use crate::components::load::{Load, Loader};
use crate::components::{format_datetime, notice::LoadError};

/// The switch, saved as soon as it changes; what happened is said beside it.
#[component]
pub fn EmailSetting() -> impl IntoView {
    let settings = Loader::new(api::email_settings);
    let saving = RwSignal::new(false);
    let said = RwSignal::new(None::<Result<&'static str, String>>);
    let change = move |on: bool| {
        saving.set(true);
        said.set(None);
        leptos::task::spawn_local(async move {
            let result = api::set_email_settings(&EmailSettings { notifications: on }).await;
            saving.set(false);
            said.set(Some(match result {
                Ok(s) => {
                    settings.state.set(Load::Loaded(s));
                    Ok(if on {
                        "Saved: these notifications are also emailed to you."
                    } else {
                        "Saved: no more emails; notifications still appear here."
                    })
                }
                Err(e) => Err(format!("Not saved: {}", e.message())),
            }));
        });
    };
    view! {
        <section class="email-setting" aria-labelledby="email-setting-title">
            <h2 id="email-setting-title">"Email"</h2>
            {move || match settings.state.get() {
                Load::Loading => view! { <p role="status">"Loading your email setting…"</p> }.into_any(),
                Load::Failed(error) => view! {
                    <LoadError error title="Couldn't load your email setting" on_retry=settings.retry()/>
                }.into_any(),
                Load::Loaded(s) => view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            id="email-notifications"
                            prop:checked=s.notifications
                            aria-describedby="email-setting-said"
                            disabled=move || saving.get()
                            on:change=move |ev| change(event_target_checked(&ev))
                        />
                        " Email me these notifications (blocks, unblocks, lost verification)"
                    </label>
                }.into_any(),
            }}
            <p id="email-setting-said" role="status" class=move || match said.get() {
                Some(Err(_)) => "field__error",
                _ => "field__hint",
            }>
                {move || said.get().map(|r| match r { Ok(s) => s.to_string(), Err(e) => e })}
            </p>
        </section>
    }
}

/// Staff: the notification emails the outbox gave up on, with the mail server's answer,
/// each with Try again.
#[component]
pub fn FailedEmails() -> impl IntoView {
    let failed = Loader::new(|| api::failed_emails(20));
    let problem = RwSignal::new(None::<String>);
    let retry = Callback::new(move |id: i64| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            match api::retry_email(id).await {
                Ok(()) => failed.reload(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    });
    view! {
        <details class="failed-emails">
            <summary>{move || match failed.state.get() {
                Load::Loaded(p) if p.items.is_empty() => "Emails not sent: none".to_string(),
                Load::Loaded(p) if p.next_cursor.is_some() => format!("Emails not sent: more than {}", p.items.len()),
                Load::Loaded(p) => format!("Emails not sent: {}", p.items.len()),
                Load::Loading => "Emails not sent: loading…".to_string(),
                Load::Failed(_) => "Emails not sent: could not load".to_string(),
            }}</summary>
            {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
            {move || match failed.state.get() {
                Load::Loading => view! { <p role="status">"Loading…"</p> }.into_any(),
                Load::Failed(error) => view! {
                    <LoadError error title="Couldn't load the emails not sent" on_retry=failed.retry()/>
                }.into_any(),
                Load::Loaded(p) if p.items.is_empty() => view! {
                    <p>"Every notification email went out."</p>
                }.into_any(),
                Load::Loaded(p) => view! {
                    <ul class="failed-emails__list">
                        {p.items.into_iter().map(|e| view! { <FailedEmail email=e retry/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </details>
    }
}

#[component]
fn FailedEmail(email: OutboxEmail, retry: Callback<i64>) -> impl IntoView {
    let id = email.id;
    view! {
        <li>
            <p><strong>{email.subject}</strong>" to "{email.to}</p>
            <p class="field__hint">
                {format!("{} attempts; first written {}. ", email.attempts, format_datetime(&email.created_at))}
                {email.last_error.unwrap_or_default()}
            </p>
            <button type="button" class="button" on:click=move |_| retry.run(id)>
                "Try again"<span class="visually-hidden">{format!(" email {id}")}</span>
            </button>
        </li>
    }
}

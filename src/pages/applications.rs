//! `/applications`: the advertiser's applications, pending first, each with the source's
//! evidence beside it (verified, volume band, match rate, bot share, declared channels
//! against the accepted ones, and the observed channel mix as bands), Approve / Decline
//! with a reason one by one or in bulk with progress. A screen of the advertiser's
//! later-screens module.
//!
//! The rows follow the live stream: an application, a withdrawal or any other change of
//! state by the partner (a `collaboration` update) loads the list again in place, keyed
//! by row, so an unchanged row keeps its focus and a reason being typed.

use leptos::prelude::*;
use model::program::{Collaboration, CollaborationState};
use model::traffic::observed_in_words;

use crate::{
    api,
    components::{notice::LoadError, set_title, toast::use_toasts},
    session::PageLoading,
};

/// Pending first, then the rest as the server ordered them (newest change first).
fn pending_first(mut items: Vec<Collaboration>) -> Vec<Collaboration> {
    items.sort_by_key(|c| c.state != CollaborationState::Pending);
    items
}

#[component]
pub fn Applications() -> impl IntoView {
    set_title("Applications");
    let list = LocalResource::new(|| api::list_collaborations(None));
    // The rows on screen, replaced by each newer answer.
    let rows = RwSignal::new(Vec::<Collaboration>::new());
    // A bulk run in progress: its own changes come back as live updates, and the run
    // loads the list once at its end instead of once per row.
    let busy = RwSignal::new(false);
    // Answers may come back out of order: only the latest asked is shown.
    let asked = StoredValue::new(0u64);
    let refresh = Callback::new(move |_: ()| {
        asked.update_value(|n| *n += 1);
        let n = asked.get_value();
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::list_collaborations(None).await {
                if asked.try_get_value() == Some(n) {
                    rows.set(pending_first(page.items));
                }
            }
        });
    });
    crate::live::on_update(move |update| {
        let changed = update.kind == "collaboration" || crate::live::missed(update);
        if changed && busy.try_get_untracked() == Some(false) {
            refresh.run(());
        }
    });
    view! {
        <section class="page">
            <h1 id="applications-heading">"Applications"</h1>
            <Transition fallback=|| view! { <PageLoading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            rows.set(pending_first(page.items));
                            view! { <Table rows changed=refresh busy/> }.into_any()
                        }
                        Err(error) => view! {
                            <LoadError error title="Couldn't load the applications"
                                on_retry=Callback::new(move |_| list.refetch())/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Table(
    rows: RwSignal<Vec<Collaboration>>,
    changed: Callback<()>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let selected = RwSignal::new(Vec::<i64>::new());
    // A row that is no longer pending (decided elsewhere, withdrawn) leaves the selection.
    Effect::new(move || {
        let pending: Vec<i64> = rows.with(|r| {
            r.iter()
                .filter(|c| c.state == CollaborationState::Pending)
                .map(|c| c.id)
                .collect()
        });
        selected.update(|s| s.retain(|id| pending.contains(id)));
    });
    let progress = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    let bulk = move |step: &'static str| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        let reason = (step == "decline").then(|| reason.get_untracked());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let total = ids.len();
            let mut failed = 0;
            for (i, id) in ids.into_iter().enumerate() {
                progress.set(Some(format!(
                    "{} {} of {total}…",
                    if step == "approve" {
                        "Approving"
                    } else {
                        "Declining"
                    },
                    i + 1
                )));
                if api::collaboration_step(id, step, reason.clone())
                    .await
                    .is_err()
                {
                    failed += 1;
                }
            }
            progress.set(None);
            selected.set(Vec::new());
            busy.set(false);
            toasts.success(format!("Done: {} of {total}", total - failed));
            changed.run(());
        });
    };
    let empty = move || rows.with(Vec::is_empty);
    view! {
        <Show when=move || !empty() fallback=|| view! {
            <p class="empty">"No applications yet. Partners apply from the program directory while your program is listed."</p>
        }>
            <div class="bulk-bar" role="group" aria-label="With the selected applications">
                <label class="field">
                    <span class="field__label">"Reason for a decline"</span>
                    <input class="input" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="button button--primary" on:click=move |_| bulk("approve")>"Approve selected"</button>
                <button type="button" class="button" on:click=move |_| bulk("decline")>"Decline selected"</button>
                <p role="status">{move || progress.get()}</p>
            </div>
            <div class="table-wrap table-wrap--scroll">
                <table class="table" aria-labelledby="applications-heading">
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">"Select"</span></th>
                            <th scope="col">"Source"</th>
                            <th scope="col">"Program"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Evidence"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|c| (c.id, c.state.id(), c.updated_at.clone())
                            children=move |c| view! { <Row c selected changed/> }
                        />
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// The source's evidence in words, one fact a line: nothing here needs colour to read.
fn evidence_list(c: &Collaboration) -> impl IntoView {
    let labels = |channels: &[model::Channel]| {
        channels
            .iter()
            .map(|ch| ch.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let declared = if c.channels.is_empty() {
        "Declares no channels".to_string()
    } else {
        format!("Declares {}", labels(&c.channels))
    };
    let outside = (!c.channels_outside.is_empty())
        .then(|| format!(" — not accepted: {}", labels(&c.channels_outside)));
    let figures = c.evidence.as_ref().map(|e| {
        let match_rate = e
            .match_rate_30d
            .map_or("Match rate: too little traffic to judge".to_string(), |m| {
                format!("Match rate {m}%")
            });
        let bots = e
            .bot_share_30d
            .map_or("Bot share: too few clicks to judge".to_string(), |b| {
                format!("Bot share {b}%")
            });
        let observed = if e.observed_channels.is_empty() {
            "Observed channels: too little traffic to judge".to_string()
        } else {
            observed_in_words(&e.observed_channels, e.observed_matches)
        };
        view! {
            <li>{e.volume_band.label()}</li>
            <li>{match_rate}</li>
            <li>{bots}</li>
            <li>{observed}</li>
        }
    });
    view! {
        <ul class="evidence">
            <li>{if c.verified { "Verified" } else { "Not verified" }}</li>
            {figures}
            <li>{declared}{outside}</li>
        </ul>
    }
}

#[component]
fn Row(c: Collaboration, selected: RwSignal<Vec<i64>>, changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let id = c.id;
    let pending = c.state == CollaborationState::Pending;
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let act = move |step: &'static str| {
        let reason = (step == "decline").then(|| reason.get_untracked());
        leptos::task::spawn_local(async move {
            match api::collaboration_step(id, step, reason).await {
                Ok(c) => {
                    toasts.success(format!("{}: {}", c.source_name, c.state.label()));
                    changed.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let what = format!("{} in {}", c.source_name, c.program_name);
    let evidence = evidence_list(&c);
    view! {
        <tr>
            <td>
                {pending.then(|| view! {
                    <input type="checkbox" aria-label=format!("Select {what}")
                        prop:checked=move || selected.with(|s| s.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| if on { s.push(id) } else { s.retain(|x| *x != id) });
                        }/>
                })}
            </td>
            <th scope="row" data-label="Source"><span class="cell-name">{c.source_name.clone()}</span>
                <span class="cell-sub">{c.partner_name.clone()}</span></th>
            <td data-label="Program">{c.program_name.clone()}</td>
            <td data-label="State"><span class="badge">{c.state.label()}</span>
                {c.reason.clone().map(|r| view! { <span class="cell-sub">{r}</span> })}</td>
            <td data-label="Evidence">{evidence}</td>
            <td data-label="Actions">
                {pending.then(|| view! {
                    <button type="button" class="button button--primary"
                        aria-label=format!("Approve {what}") on:click=move |_| act("approve")>"Approve"</button>
                    <label class="visually-hidden" for=format!("decline-{id}")>{format!("Why you decline {what}")}</label>
                    <input id=format!("decline-{id}") class="input" placeholder="Reason"
                        prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <button type="button" class="button"
                        aria-label=format!("Decline {what}") on:click=move |_| act("decline")>"Decline"</button>
                })}
                {move || error.get().map(|m| view! { <p class="field__error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}

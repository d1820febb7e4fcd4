//! `/applications`: the advertiser's applications, pending first, each with what the source
//! shows (its match rate and clicks in 30 days), Approve / Decline with a reason one by one
//! or in bulk with progress. A screen of the advertiser's later-screens module.

use leptos::prelude::*;
use model::program::{Collaboration, CollaborationState};

use crate::{
    api,
    components::{notice::LoadError, set_title, toast::use_toasts},
    session::PageLoading,
};

#[component]
pub fn Applications() -> impl IntoView {
    set_title("Applications");
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.get();
        async move { api::list_collaborations().await }
    });
    let changed = Callback::new(move |_: ()| version.update(|v| *v += 1));
    view! {
        <section class="page">
            <h1 id="applications-heading">"Applications"</h1>
            <Transition fallback=|| view! { <PageLoading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            let mut items = page.items;
                            // Pending first, then the rest as the server ordered them.
                            items.sort_by_key(|c| c.state != CollaborationState::Pending);
                            view! { <Table items changed/> }.into_any()
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
fn Table(items: Vec<Collaboration>, changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    if items.is_empty() {
        return view! { <p class="empty">"No applications yet. Partners apply from the program directory while your program is listed."</p> }.into_any();
    }
    let selected = RwSignal::new(Vec::<i64>::new());
    let progress = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    let bulk = move |step: &'static str| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        let reason = (step == "decline").then(|| reason.get_untracked());
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
            toasts.success(format!("Done: {} of {total}", total - failed));
            changed.run(());
        });
    };
    let rows = items
        .into_iter()
        .map(|c| view! { <Row c selected changed/> })
        .collect_view();
    view! {
        <div class="bulk-bar" role="group" aria-label="With the selected applications">
            <label class="field">
                <span class="field__label">"Reason for a decline"</span>
                <input class="input" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
            </label>
            <button type="button" class="button button--primary" on:click=move |_| bulk("approve")>"Approve selected"</button>
            <button type="button" class="button" on:click=move |_| bulk("decline")>"Decline selected"</button>
            <p role="status">{move || progress.get()}</p>
        </div>
        <div class="table-card">
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
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
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
    let mut evidence = format!(
        "{}; {} clicks in 30 days; match rate {}; channels: {}",
        if c.verified {
            "Verified"
        } else {
            "Not verified"
        },
        c.clicks_30d,
        c.match_rate_30d
            .map_or("not yet judged".to_string(), |m| format!("{m}%")),
        c.channels
            .iter()
            .map(|ch| ch.label())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !c.channels_outside.is_empty() {
        evidence.push_str(&format!(
            " (not accepted: {})",
            c.channels_outside
                .iter()
                .map(|ch| ch.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    view! {
        <tr>
            <td>
                {pending.then(|| view! {
                    <input type="checkbox" aria-label=format!("Select {what}")
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

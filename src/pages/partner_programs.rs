//! `/partner-programs`: the partner's program directory (search, accepted-channel filter,
//! "Apply with…" one of their sources) and their collaborations with Accept / Decline on
//! invitations, Withdraw on applications and Leave on approved ones. A screen of the
//! partner's later-screens module.

use leptos::prelude::*;
use model::program::{Collaboration, CollaborationState, Program};
use model::{Channel, Page, TrafficSource};

use crate::{
    api::{self, SourceQuery},
    components::{notice::LoadError, set_title, toast::use_toasts},
    session::PageLoading,
};

#[component]
pub fn PartnerPrograms() -> impl IntoView {
    set_title("Programs");
    let q = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    // `?source=<id>`: one source's collaborations (the sources table links here).
    let params = leptos_router::hooks::use_query_map();
    let source =
        Memo::new(move |_| params.with(|p| p.get("source").and_then(|s| s.parse::<i64>().ok())));
    let directory = LocalResource::new(move || {
        let (q, channel) = (q.get(), channel.get());
        async move { api::program_directory(&q, &channel).await }
    });
    let mine = LocalResource::new(move || api::list_collaborations(source.get()));
    // The collaborations on screen, replaced by each newer answer: after a change made
    // here, and live after one the advertiser made (a `collaboration` update). Rows are
    // keyed, so an unchanged one keeps its focus and a deep link being typed.
    let rows = RwSignal::new(Vec::<Collaboration>::new());
    let asked = StoredValue::new(0u64);
    let changed = Callback::new(move |_: ()| {
        asked.update_value(|n| *n += 1);
        let n = asked.get_value();
        let of = source.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::list_collaborations(of).await {
                if asked.try_get_value() == Some(n) {
                    rows.set(page.items);
                }
            }
        });
    });
    crate::live::on_update(move |update| {
        if update.kind == "collaboration" || crate::live::missed(update) {
            changed.run(());
        }
    });
    let sources = LocalResource::new(|| async {
        api::list_sources(&SourceQuery {
            limit: 100,
            ..Default::default()
        })
        .await
    });

    view! {
        <section class="page">
            <h1>"Programs"</h1>
            <h2 id="collaborations-heading">"Your collaborations"</h2>
            {move || source.get().map(|_| view! {
                <p>"Showing one source's collaborations. "
                    <a href="/partner-programs">"Show all collaborations"</a></p>
            })}
            <Transition fallback=|| view! { <PageLoading/> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(page) => {
                            rows.set(page.items);
                            view! { <Collaborations rows changed/> }.into_any()
                        }
                        Err(error) => view! {
                            <LoadError error title="Couldn't load your collaborations"
                                on_retry=Callback::new(move |_| mine.refetch())/>
                        }.into_any(),
                    }
                })}
            </Transition>
            <h2 id="directory-heading">"Program directory"</h2>
            <form class="filters" role="search" aria-labelledby="directory-heading"
                on:submit=|ev| ev.prevent_default()>
                <label class="field">
                    <span class="field__label">"Search programs"</span>
                    <input type="search" class="input" prop:value=q
                        on:change=move |ev| q.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span class="field__label">"Accepts channel"</span>
                    <select class="input" on:change=move |ev| channel.set(event_target_value(&ev))>
                        <option value="">"Any channel"</option>
                        {Channel::ALL.into_iter().map(|c| view! { <option value=c.id()>{c.label()}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            <Transition fallback=|| view! { <PageLoading/> }>
                {move || Suspend::new(async move {
                    let (found, sources) = (directory.await, sources.await);
                    match (found, sources) {
                        (Ok(page), Ok(sources)) => view! { <Directory page sources=sources.items changed/> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! {
                            <LoadError error title="Couldn't load the directory"
                                on_retry=Callback::new(move |_| directory.refetch())/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Collaborations(rows: RwSignal<Vec<Collaboration>>, changed: Callback<()>) -> impl IntoView {
    view! {
        <Show when=move || rows.with(|r| !r.is_empty()) fallback=|| view! {
            <p class="empty">"No collaborations yet: apply to a program below, or accept an advertiser's invitation when one comes."</p>
        }>
            <div class="table-wrap table-wrap--scroll">
                <table class="table" aria-labelledby="collaborations-heading">
                    <thead>
                        <tr>
                            <th scope="col">"Program"</th>
                            <th scope="col">"Source"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Tracking link"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|c| (c.id, c.state.id(), c.updated_at.clone())
                            children=move |c| view! { <CollaborationRow c changed/> }
                        />
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

#[component]
fn CollaborationRow(c: Collaboration, changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let id = c.id;
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let act = move |step: &'static str, reason: Option<String>, done: &'static str| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::collaboration_step(id, step, reason).await {
                Ok(_) => {
                    toasts.success(done);
                    changed.run(());
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    let reason = RwSignal::new(String::new());
    let reason_id = format!("reason-{id}");
    let what = format!("{} in {}", c.source_name, c.program_name);
    let actions = match c.state {
        CollaborationState::Invited => view! {
            <button type="button" class="button button--primary" disabled=busy
                aria-label=format!("Accept the invitation for {what}")
                on:click=move |_| act("accept", None, "Accepted: the tracking link works now")>"Accept"</button>
            <button type="button" class="button" disabled=busy
                aria-label=format!("Decline the invitation for {what}")
                on:click=move |_| act("decline", None, "Declined the invitation")>"Decline"</button>
        }.into_any(),
        CollaborationState::Pending => view! {
            <button type="button" class="button" disabled=busy
                aria-label=format!("Withdraw the application for {what}")
                on:click=move |_| act("withdraw", None, "Withdrew the application")>"Withdraw"</button>
        }.into_any(),
        CollaborationState::Approved => view! {
            <label class="visually-hidden" for=reason_id.clone()>{format!("Why you leave, for {what}")}</label>
            <input id=reason_id class="input" placeholder="Why you leave" prop:value=reason
                on:input=move |ev| reason.set(event_target_value(&ev))/>
            <button type="button" class="button" disabled=busy
                aria-label=format!("Leave the program for {what}")
                on:click=move |_| act("end", Some(reason.get_untracked()), "Left the program")>"Leave"</button>
        }.into_any(),
        _ => view! { <span class="cell-sub">{c.reason.clone().unwrap_or_default()}</span> }.into_any(),
    };
    view! {
        <tr>
            <th scope="row" data-label="Program"><span class="cell-name">{c.program_name.clone()}</span>
                <span class="cell-sub">{c.advertiser_name.clone()}</span></th>
            <td data-label="Source">{c.source_name.clone()}</td>
            <td data-label="State"><span class="badge">{c.state.label()}</span></td>
            <td data-label="Tracking link" class="cell-link">
                {c.tracking_url.clone().map(|url| view! {
                    <code class="cell-url">{url.clone()}</code>
                    <DeepLinkBuilder program_id=c.program_id tracking_url=url what=format!("{} in {}", c.source_name, c.program_name)/>
                })}
            </td>
            <td data-label="Actions">
                {actions}
                {move || error.get().map(|m| view! { <p class="field__error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}

#[component]
fn Directory(
    page: Page<Program>,
    sources: Vec<TrafficSource>,
    changed: Callback<()>,
) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="empty">"No listed program matches."</p> }.into_any();
    }
    let cards = page
        .items
        .into_iter()
        .map(|p| view! { <ProgramCard p sources=sources.clone() changed/> })
        .collect_view();
    view! { <ul class="card-list">{cards}</ul> }.into_any()
}

/// Why a source cannot apply to `p`, if it cannot.
fn cannot_apply(p: &Program, s: &TrafficSource) -> Option<String> {
    if s.status != model::Status::Active {
        return Some("not active".into());
    }
    let outside: Vec<&str> = s
        .channels
        .iter()
        .filter(|c| !p.accepted_channels.is_empty() && !p.accepted_channels.contains(c))
        .map(|c| c.label())
        .collect();
    (!outside.is_empty()).then(|| format!("not accepted: {}", outside.join(", ")))
}

#[component]
fn ProgramCard(p: Program, sources: Vec<TrafficSource>, changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let chosen = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let select_id = format!("apply-{}", p.id);
    let program_id = p.id;
    let accepted = if p.accepted_channels.is_empty() {
        "Every channel".to_string()
    } else {
        p.accepted_channels
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let options = sources
        .iter()
        .map(|s| {
            let why = cannot_apply(&p, s);
            let label = match &why {
                Some(why) => format!("{} ({why})", s.name),
                None => s.name.clone(),
            };
            view! { <option value=s.id.to_string() disabled=why.is_some()>{label}</option> }
        })
        .collect_view();
    let apply = move |_| {
        let Ok(id) = chosen.get_untracked().parse::<i64>() else {
            message.set(Some("Choose one of your sources.".into()));
            return;
        };
        leptos::task::spawn_local(async move {
            match api::apply_to_program(program_id, vec![id]).await {
                Ok(results) => {
                    let r = results.results.into_iter().next();
                    match r.map(|r| r.collaboration.map(|c| c.state).ok_or(r.message)) {
                        Some(Ok(state)) => {
                            toasts.success(format!("Applied: {}", state.label()));
                            message.set(None);
                            changed.run(());
                        }
                        Some(Err(why)) => message.set(why),
                        None => {}
                    }
                }
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    view! {
        <li class="card">
            <h3>{p.name.clone()}</h3>
            <p class="cell-sub">{p.advertiser_name.clone()}</p>
            <p>{p.description.clone()}</p>
            <p>"Accepted channels: " {accepted}</p>
            <label class="field__label" for=select_id.clone()>{format!("Apply to {} with", p.name)}</label>
            <select id=select_id class="input" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"Choose a source"</option>
                {options}
            </select>
            <button type="button" class="button button--primary" on:click=apply>"Apply"</button>
            {move || message.get().map(|m| view! { <p class="field__error" role="alert">{m}</p> })}
        </li>
    }
}

/// The host of an http(s) address, lower-cased; `None` for anything else.
fn host_of(address: &str) -> Option<String> {
    let rest = address
        .trim()
        .strip_prefix("https://")
        .or_else(|| address.trim().strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host = authority.split(':').next()?.to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Builds a deep link (`…/t/{code}?to=<page>`) beside an approved link, checking as it is
/// typed that the page's host is the landing page's or one the program permits.
#[component]
fn DeepLinkBuilder(program_id: i64, tracking_url: String, what: String) -> impl IntoView {
    let program = LocalResource::new(move || async move { api::get_program(program_id).await });
    let page = RwSignal::new(String::new());
    let input_id = format!("deep-{program_id}-{}", tracking_url.len());
    let verdict = move || {
        let typed = page.get();
        if typed.trim().is_empty() {
            return None;
        }
        let Some(host) = host_of(&typed) else {
            return Some((
                false,
                "Write a full address starting with https://".to_string(),
            ));
        };
        let detail = program.get()?.ok()?;
        let landing = host_of(&detail.program.landing_url).unwrap_or_default();
        if model::program::host_permitted(&host, &landing, &detail.program.permitted_domains) {
            Some((
                true,
                "This page is permitted: the link lands there.".to_string(),
            ))
        } else {
            Some((
                false,
                format!(
                    "{host} is not permitted: the link would land on the program's landing page."
                ),
            ))
        }
    };
    let built = {
        let tracking_url = tracking_url.clone();
        move || {
            let typed = page.get();
            (!typed.trim().is_empty())
                .then(|| format!("{tracking_url}?to={}", crate::api::encode(typed.trim())))
        }
    };
    view! {
        <div class="deep-link">
            <label class="field__label" for=input_id.clone()>{format!("Deep link for {what}: page to land on")}</label>
            <input id=input_id class="input" type="url" placeholder="https://…"
                on:input=move |ev| page.set(event_target_value(&ev))/>
            {move || verdict().map(|(ok, message)| view! {
                <p class:field__error=!ok class:field__hint=ok role="status">{message}</p>
            })}
            {move || built().map(|link| view! { <code class="cell-url">{link}</code> })}
        </div>
    }
}

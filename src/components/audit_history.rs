//! The audit history of one source, newest first: created, each edit with old → new values,
//! pauses, resumes, blocks and unblocks, with time, who acted, the block reason and, for staff,
//! the internal note. The server decides what the reader may see (partners never get notes);
//! this only shows what it answers. Used on the admin source page and the partner's pages.

use leptos::prelude::*;
use model::{
    audit::{AuditAction, AuditEntry, FieldChange},
    Channel, Role, Status, Visibility,
};
use serde_json::Value;

use crate::{
    api::{self, ApiError},
    components::{focus_id, format_datetime, notice::LoadError},
    session::use_session,
};

/// What happened, as a heading of the entry.
pub fn action_label(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Created => "Created",
        AuditAction::Edited => "Edited",
        AuditAction::Paused => "Paused",
        AuditAction::Resumed => "Resumed",
        AuditAction::Blocked => "Blocked",
        AuditAction::Unblocked => "Block lifted",
        AuditAction::Verified => "Verified",
        AuditAction::Unverified => "Verification dropped",
        AuditAction::Reviewed => "Reviewed by staff",
        AuditAction::Collaboration => "Program membership",
    }
}

/// A field's name as people read it.
pub fn field_label(field: &str) -> String {
    match field {
        "name" => "Name".into(),
        "url" => "Web address".into(),
        "channels" => "Channels".into(),
        "status" => "Status".into(),
        "visibility" => "Visibility".into(),
        other => other.replace('_', " "),
    }
}

/// A stored value as people read it: labels for statuses, visibilities and channels.
pub fn value_text(field: &str, value: &Value) -> String {
    match value {
        Value::Null => "(none)".into(),
        Value::String(s) => match field {
            "status" => Status::from_id(s)
                .map(|s| s.label().to_string())
                .unwrap_or_else(|| s.clone()),
            "visibility" => Visibility::from_id(s)
                .map(|v| v.label().to_string())
                .unwrap_or_else(|| s.clone()),
            _ => s.clone(),
        },
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| match item.as_str() {
                    Some(id) if field == "channels" => Channel::from_id(id)
                        .map(|c| c.label().to_string())
                        .unwrap_or_else(|| id.to_string()),
                    Some(s) => s.to_string(),
                    None => item.to_string(),
                })
                .collect();
            if parts.is_empty() {
                "(none)".into()
            } else {
                parts.join(", ")
            }
        }
        other => other.to_string(),
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Staff => "platform staff",
        Role::Partner => "partner",
        Role::Advertiser => "advertiser",
    }
}

/// The history section. `reload` is bumped by the page after a change (block, unblock) so the
/// history shows it.
#[component]
pub fn AuditHistory(
    /// The source.
    source_id: i64,
    /// Reloads the first page whenever it changes.
    #[prop(into, optional)]
    reload: Signal<u64>,
) -> impl IntoView {
    let session = use_session();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<ApiError>);
    let older_error = RwSignal::new(None::<String>);
    let loading_older = RwSignal::new(false);

    let load_first = move || {
        loading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::source_history(source_id, None).await;
            let _ = loading.try_set(false);
            match result {
                Ok(page) => {
                    let _ = entries.try_set(page.items);
                    let _ = next.try_set(page.next_cursor);
                }
                Err(e) => {
                    if e.is_unauthenticated() {
                        session.signed_out();
                    }
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };
    Effect::new(move |_| {
        reload.track();
        load_first();
    });

    let load_older = move |_| {
        let Some(cursor) = next.get_untracked() else {
            return;
        };
        if loading_older.get_untracked() {
            return;
        }
        loading_older.set(true);
        older_error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::source_history(source_id, Some(&cursor)).await;
            let _ = loading_older.try_set(false);
            match result {
                Ok(page) => {
                    let first_new = page.items.first().map(|e| e.id);
                    let _ = entries.try_update(|list| list.extend(page.items));
                    let _ = next.try_set(page.next_cursor);
                    // The button may be gone (no more pages): continue reading at the first new entry.
                    if let Some(id) = first_new {
                        set_timeout(
                            move || focus_id(&format!("history-{id}")),
                            std::time::Duration::from_millis(30),
                        );
                    }
                }
                Err(e) => {
                    let _ = older_error.try_set(Some(e.message()));
                }
            }
        });
    };

    let body = move || {
        if let Some(e) = error.get() {
            return view! {
                <LoadError error=e title="Couldn't load the history" on_retry=Callback::new(move |_| load_first())/>
            }
            .into_any();
        }
        if loading.get() && entries.with(Vec::is_empty) {
            return view! { <p class="history__status" role="status">"Loading the history…"</p> }
                .into_any();
        }
        if entries.with(Vec::is_empty) {
            return view! { <p class="history__status">"No changes are recorded yet."</p> }
                .into_any();
        }
        view! {
            <ol class="history__list">
                {move || entries.get().into_iter().map(|entry| view! { <HistoryEntry entry/> }).collect_view()}
            </ol>
            {move || older_error.get().map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
            {move || {
                next.with(Option::is_some).then(|| {
                    view! {
                        <button
                            type="button"
                            class="button"
                            aria-disabled=move || loading_older.get().to_string()
                            on:click=load_older
                        >
                            {move || if loading_older.get() { "Loading…" } else { "Show older entries" }}
                        </button>
                    }
                })
            }}
        }
        .into_any()
    };

    view! {
        <section class="history" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            {body}
        </section>
    }
}

/// One entry: what, who, when, and the details.
#[component]
fn HistoryEntry(entry: AuditEntry) -> impl IntoView {
    let changes = entry
        .changes
        .iter()
        .map(|c| view! { <ChangeLine change=c.clone()/> })
        .collect_view();
    let has_changes = !entry.changes.is_empty();
    let created = entry.action == AuditAction::Created;
    view! {
        <li class="history__item" id=format!("history-{}", entry.id) tabindex="-1">
            <p class="history__head">
                <strong class="history__action">{action_label(entry.action)}</strong>
                <span class="history__meta">
                    " by " {entry.actor.display_name.clone()}
                    // Staff as a partner sees them are already "Platform staff" (id 0).
                    {(entry.actor.id != 0).then(|| format!(" ({})", role_label(entry.actor.role)))}
                    " · "
                    <time datetime=entry.at.clone()>{format_datetime(&entry.at)}</time>
                </span>
            </p>
            {has_changes.then(|| {
                view! {
                    <ul class="history__changes" class:history__changes--created=created>{changes}</ul>
                }
            })}
            {entry.reason.clone().map(|r| {
                view! { <p class="history__reason"><span class="history__key">"Reason given to the partner: "</span>{r}</p> }
            })}
            {entry.note.clone().map(|n| {
                view! { <p class="history__note"><span class="history__key">"Internal note (staff only): "</span>{n}</p> }
            })}
        </li>
    }
}

/// "Status: Active → Blocked", read as "Status: from Active to Blocked".
#[component]
fn ChangeLine(change: FieldChange) -> impl IntoView {
    let label = field_label(&change.field);
    let new = value_text(&change.field, &change.new);
    if change.old.is_null() {
        return view! {
            <li><span class="history__field">{label}</span>": " <span class="history__new">{new}</span></li>
        }
        .into_any();
    }
    let old = value_text(&change.field, &change.old);
    view! {
        <li>
            <span class="history__field">{label}</span>": "
            <span class="visually-hidden">"from "</span>
            <span class="history__old">{old}</span>
            <span class="history__arrow" aria-hidden="true">" → "</span>
            <span class="visually-hidden">" to "</span>
            <span class="history__new">{new}</span>
        </li>
    }
    .into_any()
}

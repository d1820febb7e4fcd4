//! Staff's bulk bar over a table: how many rows are selected, "select all N matching this
//! filter" (up to 500), and Block / Unblock / Mark reviewed for them all. Selected rows go to
//! the server 25 at a time, so the bar shows real progress; "all matching" is one request by
//! filter. Each source is handled as its single action would be, and the summary says what
//! happened to each one that was left as it was.

use leptos::prelude::*;
use model::review::{BulkAction, BulkList, BulkOutcome, BulkRequest, BULK_MAX};
use model::FieldErrors;

use crate::api;
use crate::components::block_dialog::Modal;
use crate::components::field::TextField;
use crate::components::focus_id;
use crate::session::use_session;

/// Sources per request when sending selected rows, so progress moves.
const CHUNK: usize = 25;

mod checks;
mod words;

pub use checks::{PageCheck, RowCheck};
pub use words::{idle_count, summary, verb};

#[component]
pub fn BulkActions(
    /// The ids selected on this page.
    selected: RwSignal<Vec<i64>>,
    /// How many rows match the whole filter, when the server said.
    #[prop(into)]
    total: Signal<Option<i64>>,
    /// The list's filter as its query string, for "all matching".
    #[prop(into)]
    filter: Signal<String>,
    /// Which list `filter` belongs to.
    list: BulkList,
    /// The actions to offer, in order.
    actions: &'static [BulkAction],
    /// Runs after a run, to reload the table.
    on_done: Callback<()>,
    /// The action whose confirmation is open, when the caller holds it (a press made before
    /// this bar's module arrived opens its confirmation once it is here).
    #[prop(optional)]
    asking: Option<RwSignal<Option<BulkAction>>>,
) -> impl IntoView {
    let session = use_session();
    let all_matching = RwSignal::new(false);
    let asking = asking.unwrap_or_else(|| RwSignal::new(None));
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    // (done so far, of how many); `None` when idle. Of 0: one request by filter.
    let progress = RwSignal::new(None::<(usize, usize)>);
    let result = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    // A new page or filter starts a new selection.
    Effect::new(move |_| {
        filter.track();
        all_matching.set(false);
    });
    let count = move || {
        if all_matching.get() {
            total.get().unwrap_or_default() as usize
        } else {
            selected.with(Vec::len)
        }
    };

    let run = move |action: BulkAction| {
        let (reason_v, note_v) = (reason.get_untracked(), note.get_untracked());
        let base = BulkRequest {
            action,
            ids: None,
            filter: None,
            list,
            reason: (action == BulkAction::Block).then_some(reason_v),
            note: (!note_v.trim().is_empty()).then_some(note_v),
        };
        if let Err(e) = base.clone().with_ids(vec![0]).validate() {
            if e.contains_key("reason") || e.contains_key("note") {
                errors.set(e.clone());
                focus_id(if e.contains_key("reason") {
                    "bulk-reason"
                } else {
                    "bulk-note"
                });
                return;
            }
        }
        errors.set(FieldErrors::new());
        asking.set(None);
        result.set(None);
        problem.set(None);
        let requests: Vec<BulkRequest> = if all_matching.get_untracked() {
            vec![BulkRequest {
                filter: Some(filter.get_untracked()),
                ..base
            }]
        } else {
            selected
                .get_untracked()
                .chunks(CHUNK)
                .map(|ids| base.clone().with_ids(ids.to_vec()))
                .collect()
        };
        let of = if all_matching.get_untracked() {
            0
        } else {
            selected.with_untracked(Vec::len)
        };
        progress.set(Some((0, of)));
        leptos::task::spawn_local(async move {
            let mut all = BulkOutcome {
                results: Vec::new(),
                done: 0,
                skipped: 0,
            };
            for request in requests {
                match api::review::bulk(&request).await {
                    Ok(outcome) => {
                        all.done += outcome.done;
                        all.skipped += outcome.skipped;
                        all.results.extend(outcome.results);
                        progress.set(Some((all.results.len(), of)));
                    }
                    Err(e) if e.is_unauthenticated() => {
                        session.signed_out();
                        return;
                    }
                    Err(e) => {
                        let fields = e.fields();
                        let message = fields.get("filter").cloned().unwrap_or_else(|| e.message());
                        problem.set(Some(format!(
                            "Stopped after {} of the sources: {message}",
                            all.results.len()
                        )));
                        break;
                    }
                }
            }
            progress.set(None);
            if !all.results.is_empty() {
                result.set(Some(summary(action, &all)));
            }
            selected.set(Vec::new());
            all_matching.set(false);
            on_done.run(());
            focus_id("bulk-result");
        });
    };

    // When the list does not say how many match (the admin table across every partner),
    // the matching ids are read page by page, up to 500.
    let collecting = RwSignal::new(false);
    let collect = move |_| {
        if collecting.get_untracked() {
            return;
        }
        collecting.set(true);
        problem.set(None);
        let f = filter.get_untracked();
        leptos::task::spawn_local(async move {
            let found = api::review::matching_ids(list, &f).await;
            collecting.set(false);
            match found {
                Ok(Some(ids)) => {
                    selected.set(ids);
                    focus_id("bulk-count");
                }
                Ok(None) => problem.set(Some(format!(
                    "More than {BULK_MAX} sources match; narrow the filter to act on them all."
                ))),
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    let select_unknown = move || {
        (total.get().is_none() && !selected.with(Vec::is_empty)).then(|| view! {
            <button type="button" class="button button--quiet" aria-disabled=move || collecting.get().to_string() on:click=collect>
                "Select all matching this filter (up to 500)"
            </button>
        })
    };

    let select_all = move || {
        let n = total.get()?;
        let on_page = selected.with(Vec::len) as i64;
        if all_matching.get() || n <= on_page || on_page == 0 {
            return None;
        }
        Some(if n as usize <= BULK_MAX {
            view! {
                <button type="button" class="button button--quiet" on:click=move |_| all_matching.set(true)>
                    {format!("Select all {n} matching this filter")}
                </button>
            }
            .into_any()
        } else {
            view! {
                <span class="bulk__hint">{format!("{n} match; bulk actions take at most {BULK_MAX}, so narrow the filter to select them all.")}</span>
            }
            .into_any()
        })
    };

    let buttons = actions
        .iter()
        .map(|action| {
            let action = *action;
            let label = verb(action);
            let danger = action == BulkAction::Block;
            view! {
                <button
                    type="button"
                    class=if danger { "button button--danger" } else { "button" }
                    aria-disabled=move || (count() == 0 || progress.with(Option::is_some)).to_string()
                    on:click=move |_| {
                        if count() == 0 || progress.with_untracked(Option::is_some) {
                            return;
                        }
                        reason.set(String::new());
                        note.set(String::new());
                        errors.set(FieldErrors::new());
                        asking.set(Some(action));
                    }
                >
                    {format!("{label}…")}
                </button>
            }
        })
        .collect_view();

    let error_of =
        move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));
    let title = move || {
        asking
            .get()
            .map(|a| {
                format!(
                    "{} {} {}?",
                    verb(a),
                    count(),
                    if count() == 1 { "source" } else { "sources" }
                )
            })
            .unwrap_or_default()
    };

    view! {
        <div class="bulk" role="region" aria-label="Bulk actions">
            <p class="bulk__count" id="bulk-count" tabindex="-1" aria-live="polite">
                {move || match count() {
                    n if n > 0 && all_matching.get() => format!("All {n} sources matching this filter are selected."),
                    n => idle_count(n),
                }}
            </p>
            {select_all}
            {select_unknown}
            <div class="bulk__buttons">{buttons}</div>
            {move || progress.get().map(|(done, of)| {
                if of == 0 {
                    view! {
                        <div class="bulk__progress" role="status">
                            <progress aria-label="Bulk action progress"></progress>
                            <span>"Working on every matching source…"</span>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="bulk__progress" role="status">
                            <progress max=of.to_string() value=done.to_string() aria-label="Bulk action progress"></progress>
                            <span>{format!("{done} of {of} done…")}</span>
                        </div>
                    }.into_any()
                }
            })}
            <p id="bulk-result" class="bulk__result" role="status" tabindex="-1">
                {move || result.get()}
            </p>
            {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
        </div>
        <Modal
            open=Signal::derive(move || asking.with(Option::is_some))
            on_close=Callback::new(move |_| asking.set(None))
            labelled_by="bulk-title"
            described_by="bulk-message"
            initial_focus="bulk-title"
        >
            <form class="dialog__form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if let Some(a) = asking.get_untracked() {
                    run(a);
                }
            }>
                <h2 class="dialog__title" id="bulk-title" tabindex="-1">{title}</h2>
                <p class="dialog__message" id="bulk-message">
                    {move || match asking.get() {
                        Some(BulkAction::Block) => "Their tracking links stop working at once. Each partner and every advertiser using them is notified, as for a single block.",
                        Some(BulkAction::Unblock) => "Each returns to the status it had before its block, and its partner and advertisers are notified.",
                        _ => "They leave the review queue until a new reason appears. The note is for staff only.",
                    }}
                </p>
                {move || (asking.get() == Some(BulkAction::Block)).then(|| view! {
                    <TextField
                        id="bulk-reason"
                        label="Reason shown to the partners"
                        hint="Each partner sees this with their source and in their notification."
                        value=reason
                        error=error_of("reason")
                    />
                })}
                {move || (asking.get() != Some(BulkAction::Unblock)).then(|| view! {
                    <TextField
                        id="bulk-note"
                        label="Internal note (optional)"
                        hint="Only platform staff see this note."
                        value=note
                        error=error_of("note")
                    />
                })}
                <div class="dialog__actions">
                    <button type="button" class="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                    <button type="submit" class=move || if asking.get() == Some(BulkAction::Block) { "button button--danger" } else { "button button--primary" }>
                        {title}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

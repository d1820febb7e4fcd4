//! `/admin/review`: the queue, riskiest first, with a reason filter, pages and bulk actions.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::review::{BulkAction, BulkList, ReviewItem, ReviewReason};
use model::Page;

use crate::{
    api::{self, query_string},
    components::{
        bulk_actions::{BulkActions, PageCheck, RowCheck},
        load::{Load, Loader},
        notice::LoadError,
        set_title,
        status_badge::StatusBadge,
    },
    session::PageLoading,
};

use super::{reason_text, REVIEW_PATH};

/// Rows per page of the queue.
const LIMIT: i64 = 25;

/// The queue's address state: a reason, the page's cursor and the cursors before it.
#[derive(Debug, Clone, PartialEq, Default)]
struct QueueState {
    reason: Option<ReviewReason>,
    cursor: Option<String>,
    prev: Vec<String>,
}

impl QueueState {
    fn from_params(params: &leptos_router::params::ParamsMap) -> QueueState {
        QueueState {
            reason: params
                .get("reason")
                .as_deref()
                .and_then(ReviewReason::from_id),
            cursor: params.get("cursor").filter(|c| !c.is_empty()),
            prev: params.get_all("prev").unwrap_or_default(),
        }
    }

    fn href(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(r) = self.reason {
            pairs.push(("reason", r.id().to_string()));
        }
        if let Some(c) = &self.cursor {
            pairs.push(("cursor", c.clone()));
        }
        for p in &self.prev {
            pairs.push(("prev", p.clone()));
        }
        if pairs.is_empty() {
            REVIEW_PATH.to_string()
        } else {
            format!("{REVIEW_PATH}?{}", query_string(&pairs))
        }
    }
}

#[component]
pub fn ReviewQueue() -> impl IntoView {
    set_title("Review queue");
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(QueueState::from_params));
    let queue = Loader::new(move || {
        let s = state.get();
        async move { api::review::review_queue(s.reason, LIMIT, s.cursor.as_deref()).await }
    });
    let navigate = use_navigate();
    let go = Callback::new(move |next: QueueState| {
        navigate(
            &next.href(),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });
    let selected = RwSignal::new(Vec::<i64>::new());
    // The first page's total: later pages do not count again.
    let total = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Load::Loaded(page) = queue.state.get() {
            if state.with_untracked(|s| s.cursor.is_none()) {
                total.set(page.total);
            }
            // A new page keeps only the selected rows it still shows.
            selected.update(|ids| ids.retain(|id| page.items.iter().any(|i| i.source.id == *id)));
        }
    });
    // A queued source on this page that someone else blocks, unblocks or pauses reloads it.
    crate::live::reload_when_differs(
        move |id| {
            queue.state.with_untracked(|s| match s {
                Load::Loaded(page) => page
                    .items
                    .iter()
                    .find(|i| i.source.id == id)
                    .map(|i| (i.source.status, i.source.visibility)),
                _ => None,
            })
        },
        move || queue.reload(),
    );
    let filter = Signal::derive(move || api::review::review_filter(state.with(|s| s.reason)));
    let options = ReviewReason::ALL
        .iter()
        .map(|r| view! { <option value=r.id() selected=move || state.with(|s| s.reason == Some(*r))>{r.label()}</option> })
        .collect_view();

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"Review queue"</h1>
            </div>
            <p class="page__intro">"Sources that need a look, riskiest first. Open one to see its evidence, then mark it reviewed or block it. A reviewed source comes back only when a new reason appears."</p>
            <crate::components::email_setting::FailedEmails/>
            <div class="filters">
                <div class="filters__group">
                    <label class="field__label" for="review-reason">"Reason"</label>
                    <select
                        id="review-reason"
                        class="field__input"
                        on:change=move |ev| {
                            let reason = ReviewReason::from_id(&event_target_value(&ev));
                            go.run(QueueState { reason, ..Default::default() });
                        }
                    >
                        <option value="" selected=move || state.with(|s| s.reason.is_none())>"All reasons"</option>
                        {options}
                    </select>
                </div>
            </div>
            <BulkActions
                selected
                total=total
                filter
                list=BulkList::Review
                actions=&[BulkAction::Block, BulkAction::MarkReviewed]
                on_done=Callback::new(move |_| queue.reload())
            />
            <div class="table-region" aria-busy=move || queue.updating.get().to_string()>
                <p class="updating" role="status">{move || queue.updating.get().then_some("Updating…")}</p>
                {move || match queue.state.get() {
                    Load::Loading => view! { <PageLoading/> }.into_any(),
                    Load::Failed(error) => view! {
                        <LoadError error title="Couldn't load the review queue" on_retry=queue.retry()/>
                    }.into_any(),
                    Load::Loaded(page) => view! { <QueueTable page state go selected total/> }.into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn QueueTable(
    page: Page<ReviewItem>,
    state: Memo<QueueState>,
    go: Callback<QueueState>,
    selected: RwSignal<Vec<i64>>,
    total: RwSignal<Option<i64>>,
) -> impl IntoView {
    let current = state.get_untracked();
    if page.items.is_empty() && current.cursor.is_none() {
        return match current.reason {
            Some(r) => view! {
                <div class="empty">
                    <h2>"Nothing to review for this reason"</h2>
                    <p>{format!("No source is waiting with “{}”.", r.label())}</p>
                    <button type="button" class="button" on:click=move |_| go.run(QueueState::default())>"Show all reasons"</button>
                </div>
            }.into_any(),
            None => view! {
                <div class="empty">
                    <h2>"Nothing to review"</h2>
                    <p>"No source needs a look right now. New reasons appear here as they happen."</p>
                </div>
            }.into_any(),
        };
    }
    let ids: Vec<i64> = page.items.iter().map(|i| i.source.id).collect();
    let page_ids = StoredValue::new(ids);
    let rows = page
        .items
        .into_iter()
        .map(|item| view! { <QueueRow item selected/> })
        .collect_view();
    let first_row = current.prev.len() as i64 * LIMIT + 1;
    let prev = (current.cursor.is_some()).then(|| {
        let mut p = current.clone();
        p.cursor = p.prev.pop().filter(|c| !c.is_empty());
        p.href()
    });
    let next = page.next_cursor.clone().map(|c| {
        let mut n = current.clone();
        n.prev.push(n.cursor.clone().unwrap_or_default());
        n.cursor = Some(c);
        n.href()
    });
    let rows_n = page_ids.get_value().len() as i64;
    view! {
        <div class="table-wrap">
            <table class="table table--review">
                <caption class="visually-hidden">"Sources waiting for review, riskiest first"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="cell-check">
                            <PageCheck ids=page_ids selected/>
                        </th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Reasons"</th>
                        <th scope="col">"Risk"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="table-foot">
            <crate::components::data_table::Pagination first_row rows=rows_n total=total.get_untracked() prev_href=prev next_href=next/>
        </div>
    }
    .into_any()
}

#[component]
fn QueueRow(item: ReviewItem, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let id = item.source.id;
    let name = item.source.name.clone();
    let reasons = item
        .reasons
        .iter()
        .map(|r| view! { <li>{reason_text(r)}</li> })
        .collect_view();
    view! {
        <tr>
            <td class="cell-check" data-label="Select">
                <RowCheck id name=name.clone() selected/>
            </td>
            <th scope="row" data-label="Source">
                <A href=format!("{REVIEW_PATH}/{id}")>{item.source.name.clone()}</A>
                <span class="cell-sub">{item.source.url.clone()}</span>
            </th>
            <td data-label="Partner">{item.source.partner_name.clone()}</td>
            <td data-label="Reasons"><ul class="reason-list">{reasons}</ul></td>
            <td data-label="Risk" class="cell-number">{item.risk}</td>
            <td data-label="Status"><StatusBadge status=item.source.status/></td>
        </tr>
    }
}

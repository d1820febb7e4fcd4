//! What staff do to the admin table's sources: the bulk bar above the table and the Block
//! and Unblock dialogs its rows open. None of it runs before a row is selected or a button
//! pressed, so it waits in the staff screens' module (`screens::admin_table_actions`), fetched
//! when the browser is idle after the table shows; until then the bar is drawn as it first
//! looks.

use leptos::prelude::*;
use model::review::{BulkAction, BulkList};
use model::TrafficSource;

use crate::components::{
    block_dialog::{BlockDialog, UnblockDialog},
    bulk_actions::{idle_count, verb, BulkActions},
};

/// The bulk bar's actions on this table, in order.
const ACTIONS: &[BulkAction] = &[
    BulkAction::Block,
    BulkAction::Unblock,
    BulkAction::MarkReviewed,
];

/// The table's state that the actions read and answer to.
#[derive(Clone, Copy)]
pub struct TableActions {
    /// The rows selected on this page.
    pub selected: RwSignal<Vec<i64>>,
    /// How many rows match the whole filter, when the server said.
    pub total: Signal<Option<i64>>,
    /// The list's filter as its query string, for "all matching".
    pub filter: Signal<String>,
    /// Runs after a bulk run, to reload the table.
    pub on_done: Callback<()>,
    /// The bulk action whose confirmation is open (or asked for before the bar was here).
    pub asking: RwSignal<Option<BulkAction>>,
    /// The source whose Block (or Unblock) dialog is open.
    pub block_target: RwSignal<Option<TrafficSource>>,
    pub unblock_target: RwSignal<Option<TrafficSource>>,
    /// The answer of a single block or unblock.
    pub on_blocked: Callback<TrafficSource>,
    pub on_unblocked: Callback<TrafficSource>,
}

impl TableActions {
    /// Whether staff have asked for the actions: a row is selected or a dialog is wanted.
    pub fn wanted(self) -> bool {
        !self.selected.with(Vec::is_empty)
            || self.asking.with(Option::is_some)
            || self.block_target.with(Option::is_some)
            || self.unblock_target.with(Option::is_some)
    }
}

/// The bar and the dialogs.
#[component]
pub fn AdminTableActions(actions: TableActions) -> impl IntoView {
    let TableActions {
        selected,
        total,
        filter,
        on_done,
        asking,
        block_target,
        unblock_target,
        on_blocked,
        on_unblocked,
    } = actions;
    view! {
        <BulkActions selected total filter list=BulkList::Sources actions=ACTIONS on_done asking/>
        <BlockDialog target=block_target on_done=on_blocked/>
        <UnblockDialog target=unblock_target on_done=on_unblocked/>
    }
}

/// The bar as it looks before its module is here: the same words and buttons. A button
/// pressed with rows selected is remembered, and its confirmation opens when the bar arrives.
#[component]
pub fn BulkBarPending(actions: TableActions) -> impl IntoView {
    let TableActions {
        selected, asking, ..
    } = actions;
    let buttons = ACTIONS
        .iter()
        .map(|a| {
            let a = *a;
            let class = if a == BulkAction::Block {
                "button button--danger"
            } else {
                "button"
            };
            view! {
                <button
                    type="button"
                    class=class
                    aria-disabled=move || selected.with(Vec::is_empty).to_string()
                    on:click=move |_| {
                        if !selected.with_untracked(Vec::is_empty) {
                            asking.set(Some(a));
                        }
                    }
                >
                    {format!("{}…", verb(a))}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="bulk" role="region" aria-label="Bulk actions">
            <p class="bulk__count" id="bulk-count" tabindex="-1" aria-live="polite">
                {move || idle_count(selected.with(Vec::len))}
            </p>
            <div class="bulk__buttons">{buttons}</div>
        </div>
    }
}

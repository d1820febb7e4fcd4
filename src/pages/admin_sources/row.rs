//! One row of the admin table.

use leptos::prelude::*;
use leptos_router::components::A;
use model::{Status, TrafficSource};

use super::ADMIN_PATH;
use crate::components::{
    bulk_actions::RowCheck,
    format_datetime,
    status_badge::{StatusBadge, VisibilityLabel},
    traffic_chart::thousands,
    traffic_panel::match_rate_cell,
};
use crate::live::RowFigures;

/// The web address without scheme and trailing slash, for display.
fn short_url(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// One row, with Block or Unblock; it shows a block or unblock of its source at once.
#[component]
pub(super) fn AdminRow(
    source: TrafficSource,
    block_target: RwSignal<Option<TrafficSource>>,
    unblock_target: RwSignal<Option<TrafficSource>>,
    changed: RwSignal<Option<TrafficSource>>,
    selected: RwSignal<Vec<i64>>,
    /// Newer 30-day figures of rows, as clicks arrive; the row reads its own.
    figures: RowFigures,
) -> impl IntoView {
    let id = source.id;
    let current = RwSignal::new(source);
    // Never older than what this page loaded (a later reload may be fresher).
    let latest = Memo::new(move |_| {
        let answer = changed.get().filter(|s| s.id == id);
        current.with(|c| match answer {
            Some(s) if s.version >= c.version => s,
            _ => c.clone(),
        })
    });
    move || {
        let source = latest.get();
        view! { <AdminRowView source block_target unblock_target selected figures/> }
    }
}

#[component]
fn AdminRowView(
    source: TrafficSource,
    block_target: RwSignal<Option<TrafficSource>>,
    unblock_target: RwSignal<Option<TrafficSource>>,
    selected: RwSignal<Vec<i64>>,
    figures: RowFigures,
) -> impl IntoView {
    let blocked = source.status == Status::Blocked;
    let id = source.id;
    let loaded = (source.clicks_30d, source.match_rate_30d);
    let figure = move || crate::live::figure(figures, id, loaded);
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();
    let name_suffix = format!(" {}", source.name);
    let action = {
        let source = source.clone();
        if blocked {
            view! {
                <button
                    type="button"
                    id=format!("unblock-{}", source.id)
                    class="button button--small"
                    on:click=move |_| unblock_target.set(Some(source.clone()))
                >
                    "Unblock"
                    <span class="visually-hidden">{name_suffix.clone()}</span>
                </button>
            }
            .into_any()
        } else {
            view! {
                <button
                    type="button"
                    id=format!("block-{}", source.id)
                    class="button button--small button--danger-outline"
                    on:click=move |_| block_target.set(Some(source.clone()))
                >
                    "Block"
                    <span class="visually-hidden">{name_suffix.clone()}</span>
                </button>
            }
            .into_any()
        }
    };
    let block_note = blocked.then(|| {
        view! {
            <p class="row-note">
                "Reason: " {source.block_reason.clone().unwrap_or_else(|| "none given".into())}
            </p>
        }
    });
    let programs = match source.program_count {
        0 => "None".to_string(),
        n => n.to_string(),
    };
    view! {
        <tr class:row--blocked=blocked>
            <td class="cell-check" data-label="Select">
                <RowCheck id name=source.name.clone() selected/>
            </td>
            <th scope="row" data-label="Name">
                <A href=format!("{ADMIN_PATH}/{}", source.id) attr:class="cell-name">{source.name.clone()}</A>
            </th>
            <td data-label="Partner">{source.partner_name.clone()}</td>
            <td data-label="Web address">
                <a class="cell-url" href=source.url.clone() target="_blank" rel="noopener noreferrer">
                    {short_url(&source.url)}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </td>
            <td data-label="Channels"><ul class="tags">{channels}</ul></td>
            <td data-label="Status"><StatusBadge status=source.status/>{block_note}</td>
            <td data-label="Visibility"><VisibilityLabel visibility=source.visibility/></td>
            <td data-label="Programs">{programs}</td>
            <td data-label="Clicks (30 days)" class="cell-number">{move || thousands(figure().0)}</td>
            <td data-label="Match rate">{move || match_rate_cell(figure().1)}</td>
            <td data-label="Last change">
                <time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time>
            </td>
            <td data-label="Actions" class="cell-actions">{action}</td>
        </tr>
    }
}

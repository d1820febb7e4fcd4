//! `/admin/traffic-sources/:id`: one source for staff, with its block details, the programs
//! using it, its traffic and its audit history.

use leptos::prelude::*;
use leptos_router::components::A;
use model::{Status, TrafficSource};

use super::{focus_soon, ADMIN_PATH};
use crate::{
    api,
    components::{
        audit_history::AuditHistory,
        block_dialog::{BlockDialog, UnblockDialog},
        format_datetime,
        load::Load,
        record::{load_record, RecordPending, RecordWords},
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::thousands,
        traffic_panel::TrafficPanel,
    },
};

/// `/admin/traffic-sources/:id`: one source for staff.
#[component]
pub fn AdminSource() -> impl IntoView {
    let detail = load_record(api::get_source);
    view! {
        <section class="page">
            <p class="breadcrumb"><A href=ADMIN_PATH>"All traffic sources"</A></p>
            {move || match detail.state.get() {
                Load::Loaded(detail) => view! { <AdminSourceView detail/> }.into_any(),
                state => view! {
                    <RecordPending words=&ADMIN_SOURCE_WORDS failure=state.failure() on_retry=detail.retry()/>
                }
                .into_any(),
            }}
        </section>
    }
}

const ADMIN_SOURCE_WORDS: RecordWords = RecordWords {
    noun: "Traffic source",
    not_found_title: "Traffic source not found",
    not_found_text: "There is no traffic source at this address. It may have been removed.",
    back_href: ADMIN_PATH,
    back_label: "Back to all traffic sources",
    load_error_title: "Couldn't load this traffic source",
};

#[component]
fn AdminSourceView(detail: model::source::TrafficSourceDetail) -> impl IntoView {
    let source = RwSignal::new(detail.source);
    let programs = detail.programs;
    let history_reload = RwSignal::new(0u64);
    let block_target = RwSignal::new(None::<TrafficSource>);
    let unblock_target = RwSignal::new(None::<TrafficSource>);
    let on_blocked = Callback::new(move |s: TrafficSource| {
        source.set(s);
        history_reload.update(|n| *n += 1);
        focus_soon("unblock-source".into());
    });
    let on_unblocked = Callback::new(move |s: TrafficSource| {
        source.set(s);
        history_reload.update(|n| *n += 1);
        focus_soon("block-source".into());
    });
    let id = source.with_untracked(|s| s.id);
    source.with_untracked(|s| set_title(&format!("{} · Admin", s.name)));

    let status_area = move || {
        let s = source.get();
        if s.status == Status::Blocked {
            let target = s.clone();
            view! {
                <div class="alert alert--error block-box">
                    <h2 class="alert__title">"Blocked by platform staff"</h2>
                    <p><span class="history__key">"Reason shown to the partner: "</span>
                        {s.block_reason.clone().unwrap_or_else(|| "No reason was given.".into())}
                    </p>
                    <p><span class="history__key">"Internal note (staff only): "</span>
                        {s.block_note.clone().unwrap_or_else(|| "None.".into())}
                    </p>
                    <p>"Its tracking links don't work and it is not in the marketplace. Unblocking returns it to the status it had before."</p>
                    <button
                        type="button"
                        id="unblock-source"
                        class="button button--primary"
                        on:click=move |_| unblock_target.set(Some(target.clone()))
                    >
                        "Unblock " {s.name.clone()}
                    </button>
                </div>
            }
            .into_any()
        } else {
            let target = s.clone();
            view! {
                <div class="block-box">
                    <button
                        type="button"
                        id="block-source"
                        class="button button--danger"
                        on:click=move |_| block_target.set(Some(target.clone()))
                    >
                        "Block " {s.name.clone()}
                    </button>
                </div>
            }
            .into_any()
        }
    };

    let summary = move || {
        let s = source.get();
        view! {
            <dl class="summary-list summary-list--wide">
                <div><dt>"Partner"</dt><dd>{s.partner_name.clone()}</dd></div>
                <div>
                    <dt>"Web address"</dt>
                    <dd>
                        <a class="cell-url" href=s.url.clone() target="_blank" rel="noopener noreferrer">
                            {s.url.clone()}
                            <span class="visually-hidden">" (opens in a new tab)"</span>
                        </a>
                    </dd>
                </div>
                <div>
                    <dt>"Channels"</dt>
                    <dd>{s.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")}</dd>
                </div>
                <div><dt>"Status"</dt><dd><StatusBadge status=s.status/></dd></div>
                <div><dt>"Visibility"</dt><dd><VisibilityLabel visibility=s.visibility/></dd></div>
                <div><dt>"Programs using it"</dt><dd>{s.program_count}</dd></div>
                <div>
                    <dt>"Added"</dt>
                    <dd><time datetime=s.created_at.clone()>{format_datetime(&s.created_at)}</time></dd>
                </div>
                <div>
                    <dt>"Last change"</dt>
                    <dd><time datetime=s.updated_at.clone()>{format_datetime(&s.updated_at)}</time></dd>
                </div>
            </dl>
        }
    };

    let programs_section = if programs.is_empty() {
        view! {
            <section class="detail-section" aria-labelledby="programs-title">
                <h2 id="programs-title">"Programs using it"</h2>
                <p>"No advertiser program uses this source."</p>
            </section>
        }
        .into_any()
    } else {
        let rows = programs
            .into_iter()
            .map(|p| {
                view! {
                    <tr>
                        <th scope="row" data-label="Program">{p.program_name}</th>
                        <td data-label="Advertiser">{p.advertiser_name}</td>
                        <td data-label="Tracking link"><code class="cell-url">{p.tracking_url}</code></td>
                        <td data-label="Clicks" class="cell-number">{thousands(p.clicks)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="detail-section" aria-labelledby="programs-title">
                <h2 id="programs-title">"Programs using it"</h2>
                <div class="table-wrap">
                    <table class="table">
                        <caption class="visually-hidden">"Advertiser programs using this source, with their tracking links"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Program"</th>
                                <th scope="col">"Advertiser"</th>
                                <th scope="col">"Tracking link"</th>
                                <th scope="col">"Clicks"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
        .into_any()
    };

    view! {
        <div class="page__head">
            <h1 class="h1-name">{move || source.with(|s| s.name.clone())}</h1>
        </div>
        {status_area}
        {summary}
        // Staff come here to judge the source: where its clicks come from leads.
        <TrafficPanel source_id=id prominent_mismatch=true/>
        {programs_section}
        <AuditHistory source_id=id reload=history_reload/>
        <BlockDialog target=block_target on_done=on_blocked/>
        <UnblockDialog target=unblock_target on_done=on_unblocked/>
    }
}

//! `/traffic-sources/:id`: one of the partner's sources, its details, its traffic (chart,
//! match rate, referrers), and the advertisers' programs that use it with their tracking links
//! (each with Copy) and clicks.

use leptos::prelude::*;
use leptos_router::components::A;
use model::{source::TrafficSourceDetail, Status};

use crate::{
    api,
    components::{
        audit_history::AuditHistory,
        copy_button::CopyField,
        format_datetime,
        load::Load,
        record::{load_record, RecordPending, RecordWords},
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::thousands,
        traffic_panel::TrafficPanel,
        verification::VerificationPanel,
    },
};

const WORDS: RecordWords = RecordWords {
    noun: "Traffic source",
    not_found_title: "Traffic source not found",
    not_found_text:
        "There is no traffic source of yours at this address. It may have been removed.",
    back_href: "/traffic-sources",
    back_label: "Back to traffic sources",
    load_error_title: "Couldn't load this traffic source",
};

#[component]
pub fn SourcePage() -> impl IntoView {
    set_title("Traffic source");
    let detail = load_record(api::get_source);
    // Another hand blocking, unblocking, pausing or hiding this source shows at once. A
    // change of verification alone does not reload: it is usually the partner's own
    // "Verify now", whose answer on this page a reload would wipe.
    crate::live::reload_when_differs(
        move |id| {
            detail.state.with_untracked(|s| match s {
                Load::Loaded(d) if d.source.id == id => {
                    Some((d.source.status, d.source.visibility))
                }
                _ => None,
            })
        },
        move || detail.reload(),
    );
    // Each program's click count as clicks arrive, beside the chart.
    let clicks = crate::live::live_figures(
        detail,
        |d: &TrafficSourceDetail, source| d.source.id == source,
        |d: &TrafficSourceDetail| api::get_source(d.source.id),
        |d: TrafficSourceDetail| {
            d.programs
                .iter()
                .map(|p| (p.collaboration_id, p.clicks))
                .collect()
        },
    );
    view! {
        <section class="page">
            <p class="breadcrumb"><A href="/traffic-sources">"Traffic sources"</A></p>
            {move || match detail.state.get() {
                Load::Loaded(detail) => view! { <Detail detail clicks/> }.into_any(),
                state => view! {
                    <RecordPending words=&WORDS failure=state.failure() on_retry=detail.retry()/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Detail(
    detail: TrafficSourceDetail,
    /// Newer click counts by link, as clicks arrive.
    clicks: RwSignal<Vec<(i64, i64)>>,
) -> impl IntoView {
    let source = detail.source;
    let verification = detail.verification;
    set_title(&source.name);
    let blocked = source.status == Status::Blocked;
    let stopped = source.status != Status::Active;
    let edit_label = format!(" {}", source.name);
    let action = (!blocked).then(|| {
        view! {
            <A href=format!("/traffic-sources/{}/edit", source.id) attr:class="button">
                "Edit"
                <span class="visually-hidden">{edit_label}</span>
            </A>
        }
    });
    let block_alert = blocked.then(|| {
        view! {
            <div class="alert alert--error">
                <h2 class="alert__title">"Blocked by platform staff"</h2>
                <p>"Reason: " {source.block_reason.clone().unwrap_or_else(|| "No reason was given.".into())}</p>
                <p>"While it is blocked, this source can't be edited and its tracking links don't work. Only platform staff can lift a block."</p>
            </div>
        }
    });
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();

    let programs = if detail.programs.is_empty() {
        view! {
            <div class="empty">
                <h3>"No program uses this source yet"</h3>
                <p>"When an advertiser adds this source to one of their programs, the program and its tracking link appear here. Only Active and Public sources are listed in the marketplace."</p>
            </div>
        }
        .into_any()
    } else {
        let rows = detail
            .programs
            .into_iter()
            .map(|p| {
                let what = format!("tracking link for {}", p.program_name);
                let (link, loaded) = (p.collaboration_id, p.clicks);
                let count = move || thousands(crate::live::figure(clicks, link, loaded));
                view! {
                    <tr>
                        <th scope="row" data-label="Program"><span class="cell-name">{p.program_name.clone()}</span></th>
                        <td data-label="Advertiser">{p.advertiser_name.clone()}</td>
                        <td data-label="Tracking link" class="cell-link">
                            {match p.tracking_url.clone() {
                                Some(url) => view! { <CopyField text=url id=format!("link-{}", p.collaboration_id) what/> }.into_any(),
                                None => view! { <span class="badge">{p.state.label()}</span> }.into_any(),
                            }}
                        </td>
                        <td data-label="Clicks" class="cell-number">{count}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            {stopped.then(|| view! {
                <p class="alert alert--warning">
                    {format!(
                        "This source is {}: its tracking links do not redirect until it is active again.",
                        source.status.label().to_lowercase()
                    )}
                </p>
            })}
            <div class="table-wrap">
                <table class="table">
                    <caption class="visually-hidden">"Programs using this source"</caption>
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
        }
        .into_any()
    };

    view! {
        <div class="page__head">
            <h1><span class="h1-name">{source.name.clone()}</span></h1>
            {action}
        </div>
        {block_alert}
        <dl class="summary-list">
            <div>
                <dt>"Web address"</dt>
                <dd>
                    <a href=source.url.clone() target="_blank" rel="noopener noreferrer">
                        {source.url.clone()}
                        <span class="visually-hidden">" (opens in a new tab)"</span>
                    </a>
                </dd>
            </div>
            <div><dt>"Channels"</dt><dd><ul class="tags">{channels}</ul></dd></div>
            <div><dt>"Status"</dt><dd><StatusBadge status=source.status/></dd></div>
            <div><dt>"Visibility"</dt><dd><VisibilityLabel visibility=source.visibility/></dd></div>
            <div>
                <dt>"Last change"</dt>
                <dd><time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time></dd>
            </div>
        </dl>
        {detail.verified_elsewhere.then(|| view! {
            <div class="alert alert--info" role="note">
                <h2 class="alert__title">"Another partner has verified this website"</h2>
                <p>"You can keep this source: agencies and sites with several sections often share a domain. Platform staff may look at who owns it. Verifying your own control of the site below settles it."</p>
            </div>
        })}
        <VerificationPanel source_id=source.id url=source.url.clone() verification/>
        <TrafficPanel source_id=source.id/>
        <h2>"Programs using this source"</h2>
        {programs}
        // Issue 5: the source's audit history (the server leaves out staff-only notes).
        <AuditHistory source_id=source.id/>
    }
}

//! `/programs/:id`: one of the advertiser's programs with its traffic sources: partner, status,
//! visibility, tracking link (with Copy), clicks and match rate; then each source's daily traffic
//! chart with where its clicks came from. A source that became Private stays listed
//! (its link still works); a paused or blocked one says that its link does not redirect.

use leptos::prelude::*;
use leptos_router::components::A;
use model::{
    program::{Collaboration, ProgramDetail},
    traffic::match_rate_sentence,
    Status, Visibility,
};

use crate::{
    api,
    components::{
        copy_button::CopyField,
        format_datetime,
        load::{Load, Loader},
        record::{load_record, RecordPending, RecordWords},
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::{thousands, TrafficChart},
        traffic_panel::match_rate_cell,
        traffic_period::{traffic_body, use_period, TrafficHead},
    },
    pages::marketplace::short_url,
};

/// What a source's status means for its tracking link, when it does not simply redirect.
pub fn link_note(status: Status, visibility: Visibility) -> Option<&'static str> {
    match (status, visibility) {
        (Status::Paused, _) => Some("Paused by its partner: this tracking link does not redirect until the partner resumes the source."),
        (Status::Blocked, _) => Some("Blocked by platform staff: this tracking link does not redirect."),
        (Status::Active, Visibility::Private) => {
            Some("Private: no longer listed in the marketplace, but this tracking link still works.")
        }
        (Status::Active, Visibility::Public) => None,
    }
}

const WORDS: RecordWords = RecordWords {
    noun: "Program",
    not_found_title: "Program not found",
    not_found_text: "There is no program of yours at this address.",
    back_href: "/programs",
    back_label: "Back to programs",
    load_error_title: "Couldn't load this program",
};

#[component]
pub fn ProgramPage() -> impl IntoView {
    set_title("Program");
    let detail = load_record(api::get_program);
    // A source of this program that changes (blocked, paused, verified) is shown as it now
    // is; a block also says so in words.
    let toasts = crate::components::toast::use_toasts();
    // The sources' table alone, newer than `detail`'s: a partner's application,
    // acceptance, withdrawal or leaving (a `collaboration` update) reloads the table in
    // place, not the page, so settings being edited above it stay as typed.
    let fresh = RwSignal::new(None::<Vec<Collaboration>>);
    let asked = StoredValue::new(0u64);
    crate::live::on_update(move |update| {
        if crate::live::missed(update) {
            detail.reload();
            return;
        }
        if update.kind == "collaboration" {
            let Some(id) = detail.with_loaded(|d| d.program.id) else {
                return;
            };
            asked.update_value(|n| *n += 1);
            let n = asked.get_value();
            leptos::task::spawn_local(async move {
                if let Ok(d) = api::get_program(id).await {
                    if asked.try_get_value() == Some(n) {
                        fresh.set(Some(d.sources));
                    }
                }
            });
            return;
        }
        let Some(id) = update.source_id.filter(|_| update.kind == "source") else {
            return;
        };
        let name = detail.state.with_untracked(|s| match s {
            Load::Loaded(d) => d
                .sources
                .iter()
                .find(|c| c.traffic_source_id == id)
                .map(|c| c.source_name.clone()),
            _ => None,
        });
        if let Some(name) = name {
            if update.status.as_deref() == Some("blocked") {
                toasts.info(format!("\u{201c}{name}\u{201d} was blocked by platform staff; its tracking link no longer redirects."));
            }
            detail.reload();
        }
    });
    // The table's click figures as clicks arrive, beside the charts below it.
    let figures = crate::live::live_figures(
        detail,
        |d: &ProgramDetail, source| d.sources.iter().any(|c| c.traffic_source_id == source),
        |d: &ProgramDetail| api::get_program(d.program.id),
        |d: ProgramDetail| {
            d.sources
                .iter()
                .map(|c| (c.id, LinkFigures::of(c)))
                .collect()
        },
    );
    view! {
        <section class="page">
            <p class="breadcrumb"><A href="/programs">"Programs"</A></p>
            {move || match detail.state.get() {
                Load::Loaded(detail) => {
                    // A whole answer is the newest: no earlier table outlives it.
                    fresh.set(None);
                    view! { <Detail detail figures fresh/> }.into_any()
                }
                state => view! {
                    <RecordPending words=&WORDS failure=state.failure() on_retry=detail.retry()/>
                }
                .into_any(),
            }}
        </section>
    }
}

/// A link's click figures in the table.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LinkFigures {
    clicks: i64,
    refused: i64,
    clicks_30d: i64,
    match_rate_30d: Option<u8>,
}

impl LinkFigures {
    fn of(c: &Collaboration) -> LinkFigures {
        LinkFigures {
            clicks: c.clicks,
            refused: c.refused_clicks,
            clicks_30d: c.clicks_30d,
            match_rate_30d: c.match_rate_30d,
        }
    }
}

#[component]
fn Detail(
    detail: ProgramDetail,
    /// Newer click figures by link, as clicks arrive.
    figures: RwSignal<Vec<(i64, LinkFigures)>>,
    /// The sources' table, when newer than `detail`'s.
    fresh: RwSignal<Option<Vec<Collaboration>>>,
) -> impl IntoView {
    let program = detail.program;
    set_title(&program.name);
    let loaded = detail.sources;
    let rows = Signal::derive(move || fresh.get().unwrap_or_else(|| loaded.clone()));
    let has_sources = move || rows.with(|r| !r.is_empty());
    let caption = format!("Traffic sources in {}", program.name);
    let program_id = program.id;
    let sources = view! {
        <Show when=has_sources fallback=|| view! {
            <div class="empty">
                <h3>"No traffic sources in this program yet"</h3>
                <p>"Find sources in the marketplace and add them to this program: each gets its own tracking link."</p>
                <A href="/marketplace" attr:class="button button--primary">"Go to the marketplace"</A>
            </div>
        }>
            <div class="table-wrap table-wrap--scroll">
                <table class="table">
                    <caption class="visually-hidden">{caption.clone()}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Source"</th>
                            <th scope="col">"Partner"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Visibility"</th>
                            <th scope="col">"Tracking link"</th>
                            <th scope="col">"Clicks"</th>
                            <th scope="col">"Clicks (30 days)"</th>
                            <th scope="col">"Match rate"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|c| (c.id, c.state.id(), c.status, c.visibility, c.updated_at.clone())
                            children=move |c| view! { <CollaborationRow collaboration=c figures/> }
                        />
                    </tbody>
                </table>
            </div>
        </Show>
    };
    view! {
        <div class="page__head">
            <h1><span class="h1-name">{program.name.clone()}</span></h1>
            <A href="/marketplace" attr:class="button">"Add sources from the marketplace"</A>
        </div>
        <dl class="summary-list">
            <div>
                <dt>"Landing page"</dt>
                <dd>
                    <a href=program.landing_url.clone() target="_blank" rel="noopener noreferrer">
                        {program.landing_url.clone()}
                        <span class="visually-hidden">" (opens in a new tab)"</span>
                    </a>
                </dd>
            </div>
            <div>
                <dt>"Created"</dt>
                <dd><time datetime=program.created_at.clone()>{format_datetime(&program.created_at)}</time></dd>
            </div>
        </dl>
        <crate::components::program_settings::ProgramSettings program=program.clone()/>
        <h2>"Traffic sources"</h2>
        {sources}
        <Show when=has_sources>
            <ProgramTrafficSection program_id/>
        </Show>
    }
}

/// One chart per source of the program, each with where its clicks came from.
#[component]
fn ProgramTrafficSection(program_id: i64) -> impl IntoView {
    let (period, choose) = use_period();
    let traffic = Loader::new(move || api::program_traffic(program_id, period.get()));
    // The cards are drawn again only when the program's sources change: new figures
    // (another period, a live update) change each card in place.
    let links = Memo::new(move |_| {
        traffic
            .with_loaded(|t| {
                t.collaborations
                    .iter()
                    .map(|c| (c.collaboration_id, c.source_name.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let shown = move |id: i64| {
        traffic.state.with_untracked(|s| match s {
            Load::Loaded(t) => t.collaborations.iter().any(|c| c.traffic_source_id == id),
            _ => false,
        })
    };
    crate::live::refresh_on_traffic(shown, move || traffic.refresh());
    view! {
        <section class="detail-section traffic" aria-labelledby="program-traffic-title">
            <TrafficHead
                title_id="program-traffic-title"
                title=|p| format!("Traffic by source, last {}", p.length())
                select_id="program-traffic-period"
                updating=traffic.updating
                period
                choose
                csv=Signal::derive(move || api::program_traffic_csv_href(program_id, period.get()))
            />
            {traffic_body(traffic, move || {
                let cards = move || {
                    links
                        .get()
                        .into_iter()
                        .map(|(link, name)| view! { <TrafficCard traffic link name/> })
                        .collect_view()
                };
                view! { <div class="traffic-cards">{cards}</div> }.into_any()
            })}
        </section>
    }
}

/// One source of the program: its match rate in words and its chart, kept in place as its
/// figures change.
#[component]
fn TrafficCard(
    /// The program's traffic, loaded: its answers are drawn in place.
    traffic: Loader<model::traffic::ProgramTraffic>,
    /// The link (collaboration) whose traffic this is.
    link: i64,
    /// Its source's name.
    name: String,
) -> impl IntoView {
    let heading = format!("traffic-{link}-title");
    let labelled_by = heading.clone();
    let rate = move || {
        traffic.with_loaded(|t| {
            link_traffic(t, link)
                .map(|c| match_rate_sentence(c.match_rate, c.declared_site.as_deref()))
        })
    };
    let series = Signal::derive(move || {
        traffic
            .with_loaded(|t| link_traffic(t, link).map(|c| c.series.clone()))
            .flatten()
            .unwrap_or_default()
    });
    view! {
        <section class="traffic-card" aria-labelledby=labelled_by>
            <h3 id=heading>{name.clone()}</h3>
            <p class="traffic__rate">{rate}</p>
            <TrafficChart series id=format!("traffic-{link}") subject=name/>
        </section>
    }
}

/// One link's traffic in a program's.
fn link_traffic(
    t: &model::traffic::ProgramTraffic,
    link: i64,
) -> Option<&model::traffic::CollaborationTraffic> {
    t.collaborations.iter().find(|c| c.collaboration_id == link)
}

#[component]
fn CollaborationRow(
    collaboration: Collaboration,
    /// Newer click figures by link, as clicks arrive.
    figures: RwSignal<Vec<(i64, LinkFigures)>>,
) -> impl IntoView {
    let c = collaboration;
    let note = link_note(c.status, c.visibility);
    let approved = c.state == model::program::CollaborationState::Approved;
    let live = approved && c.status == Status::Active;
    let what = format!("tracking link for {}", c.source_name);
    let (link, loaded) = (c.id, LinkFigures::of(&c));
    let now = move || crate::live::figure(figures, link, loaded);
    let refused = move || {
        let refused = now().refused;
        (refused > 0).then(
            || view! { <span class="cell-sub">{format!("{} refused", thousands(refused))}</span> },
        )
    };
    view! {
        <tr class:row--stopped=!live>
            <th scope="row" data-label="Source">
                <span class="cell-name">{c.source_name.clone()}</span>
                <a class="cell-sub cell-url" href=c.source_url.clone() target="_blank" rel="noopener noreferrer">
                    {short_url(&c.source_url)}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </th>
            <td data-label="Partner">{c.partner_name.clone()}</td>
            <td data-label="Status"><StatusBadge status=c.status/></td>
            <td data-label="Visibility"><VisibilityLabel visibility=c.visibility/></td>
            <td data-label="Tracking link" class="cell-link">
                {match c.tracking_url.clone() {
                    Some(url) => view! { <CopyField text=url id=format!("link-{}", c.id) what/> }.into_any(),
                    None => view! { <span class="badge">{c.state.label()}</span> }.into_any(),
                }}
                {approved.then_some(note).flatten().map(|n| view! { <p class="row-note" class:row-note--info=live>{n}</p> })}
            </td>
            <td data-label="Clicks" class="cell-number">
                <span>{move || thousands(now().clicks)}</span>
                {refused}
            </td>
            <td data-label="Clicks (30 days)" class="cell-number">{move || thousands(now().clicks_30d)}</td>
            <td data-label="Match rate">{move || match_rate_cell(now().match_rate_30d)}</td>
        </tr>
    }
}

//! `/traffic-sources`: the partner's table of traffic sources, with search, filters, sorting and
//! paging, all kept in the page's URL so a view can be bookmarked and Back works.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::{Page, Sort, SortField, Status, TrafficSource};

use crate::{
    api::{self, SourceQuery},
    components::{
        data_table::{sort_caption, Pagination, SortHeader},
        format_datetime,
        list_controls::{Filters, ListState, PageSize},
        load::{Load, Loader},
        notice::LoadError,
        set_title,
        status_badge::{StatusBadge, VisibilityLabel},
        traffic_chart::thousands,
        traffic_panel::match_rate_cell,
        verification::VerificationBadge,
    },
    live::RowFigures,
    session::PageLoading,
};

const PATH: &str = "/traffic-sources";

/// What the page loads: one page of the partner's sources. A [`Loader`], not a resource under
/// `Transition`/`ErrorBoundary`/`Suspend`: those kept their code on the partner's first screen
/// (every role's, while `/` used one too); the marketplace draws its table the same way.
type SourcesPage = Loader<Page<TrafficSource>>;

#[component]
pub fn SourcesList() -> impl IntoView {
    set_title("Traffic sources");
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(ListState::from_params));
    let query = Memo::new(move |_| state.with(|s| s.query.clone()));
    let sources: SourcesPage = Loader::new(move || {
        let query = query.get();
        async move { api::list_sources(&query).await }
    });

    // A partner's stream carries only their own sources: any change may move a row.
    crate::live::reload_when_shown(|_| true, move || sources.reload());
    let figures = live_figures(sources, query);

    let navigate = use_navigate();
    // Filters and sorting are new history entries (Back undoes them); typing in the search box
    // replaces the entry, so Back does not replay every keystroke.
    let go = Callback::new(move |(next, replace): (ListState, bool)| {
        navigate(
            &next.href_at(PATH),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    let updating = sources.updating;

    view! {
        // A link to a later screen pointed at, touched or focused: its module starts coming.
        <section
            class="page"
            on:pointerover=|ev| crate::screens::warm_partner_screens(&ev)
            on:focusin=|ev| crate::screens::warm_partner_screens(&ev)
        >
            <div class="page__head">
                <h1>"Traffic sources"</h1>
                <div class="page__actions">
                    <a
                        class="button"
                        href=move || state.with(|s| crate::api::review::export_href(&s.query, None))
                        download=""
                    >
                        "Export CSV"
                        <span class="visually-hidden">" of your sources matching these filters"</span>
                    </a>
                    <A href="/traffic-sources/new" attr:class="button button--primary">
                        <span aria-hidden="true">"+ "</span>
                        "Add traffic source"
                    </A>
                </div>
            </div>
            <Filters state go/>
            <div class="table-region" aria-busy=move || updating.get().to_string()>
                <p class="updating" role="status">
                    {move || updating.get().then_some("Updating…")}
                </p>
                {move || match sources.state.get() {
                    Load::Loading => view! { <PageLoading/> }.into_any(),
                    Load::Failed(error) => view! {
                        <LoadError
                            error
                            title="Couldn't load your traffic sources"
                            on_retry=sources.retry()
                        />
                    }
                    .into_any(),
                    Load::Loaded(page) => {
                        // The page's own answer is the newest: no figure of an earlier one
                        // outlives it.
                        figures.set(Vec::new());
                        view! { <Results page state go figures/> }.into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// The table, or the empty / no-match state, and paging.
#[component]
fn Results(
    /// The page the server answered.
    page: Page<TrafficSource>,
    /// The state that asked for it.
    state: Memo<ListState>,
    /// Navigates to a new state.
    go: Callback<(ListState, bool)>,
    /// Newer figures than the page's, as clicks arrive.
    figures: RowFigures,
) -> impl IntoView {
    let current = state.get_untracked();
    if page.items.is_empty() && current.query.cursor.is_none() {
        return if current.query.is_filtered() {
            view! {
                <div class="empty">
                    <h2>"No traffic sources match"</h2>
                    <p>"Nothing matches this search and these filters. Try other words, or clear the filters."</p>
                    <button
                        type="button"
                        class="button"
                        on:click=move |_| go.run((state.get_untracked().cleared(), false))
                    >
                        "Clear filters"
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <div class="empty">
                    <h2>"No traffic sources yet"</h2>
                    <p>"Add the sites, apps, channels and newsletters you promote offers on. Advertisers look at them before they work with you."</p>
                    <A href="/traffic-sources/new" attr:class="button button--primary">"Add your first traffic source"</A>
                </div>
            }
            .into_any()
        };
    }

    let sort = Signal::derive(move || state.with(|s| s.query.sort));
    let on_sort = Callback::new(move |sort: Sort| {
        let mut next = state.get_untracked().first_page();
        next.query.sort = sort;
        go.run((next, false));
    });
    let caption = sort_caption("Your traffic sources", current.query.sort);

    let first_row = current.prev.len() as i64 * current.query.limit + 1;
    let rows = page.items.len() as i64;
    let prev_href = current.prev_page().map(|s| s.href_at(PATH));
    let next_href = page
        .next_cursor
        .as_deref()
        .map(|c| current.next_page(c).href_at(PATH));
    let items = page.items;
    let total = page.total;

    view! {
        <div class="table-wrap table-wrap--scroll">
            <table class="table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <SortHeader label="Name" field=SortField::Name sort on_sort/>
                        <SortHeader label="Web address" field=SortField::Url sort on_sort/>
                        <th scope="col">"Channels"</th>
                        <SortHeader label="Status" field=SortField::Status sort on_sort/>
                        <th scope="col">"Ownership"</th>
                        <th scope="col">"Visibility"</th>
                        <th scope="col">"Clicks (30 days)"</th>
                        <th scope="col">"Match rate"</th>
                        <th scope="col">"Programs"</th>
                        <SortHeader label="Last change" field=SortField::UpdatedAt sort on_sort/>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || items.clone()
                        key=|s| (s.id, s.version)
                        children=move |source| view! { <SourceRow source figures/> }
                    />
                </tbody>
            </table>
        </div>
        <div class="table-foot">
            <Pagination first_row rows total prev_href next_href/>
            <PageSize state go/>
        </div>
    }
    .into_any()
}

/// One row. Blocked sources say why and offer no Edit.
#[component]
fn SourceRow(
    /// The source to show.
    source: TrafficSource,
    /// Newer figures than the source's own, as clicks arrive.
    figures: RowFigures,
) -> impl IntoView {
    let (id, loaded) = (source.id, (source.clicks_30d, source.match_rate_30d));
    let figures = move || crate::live::figure(figures, id, loaded);
    let blocked = source.status == Status::Blocked;
    let shown_url = source
        .url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();
    let edit_label = format!(" {}", source.name);
    let (memberships, programs_of) = (
        membership_words(&source),
        format!(": programs of {}", source.name),
    );
    let action = if blocked {
        view! { <span class="row-locked">"Can't be edited"</span> }.into_any()
    } else {
        view! {
            <A href=format!("/traffic-sources/{}/edit", source.id) attr:class="button button--small">
                "Edit"
                <span class="visually-hidden">{edit_label}</span>
            </A>
        }
        .into_any()
    };
    let block_note = blocked.then(|| {
        view! {
            <p class="row-note">
                <strong>"Blocked by platform staff. "</strong>
                "Reason: "
                // Reasons are typed by staff, with or without a final full stop.
                {source.block_reason.as_deref().map(|r| r.trim().trim_end_matches('.').to_string()).unwrap_or_else(|| "no reason given".into())}
                ". Only platform staff can lift it."
            </p>
        }
    });
    view! {
        <tr class:row--blocked=blocked>
            <th scope="row" data-label="Name">
                <A href=format!("/traffic-sources/{}", source.id) attr:class="cell-name">{source.name.clone()}</A>
                {block_note}
            </th>
            <td data-label="Web address">
                <a class="cell-url" href=source.url.clone() target="_blank" rel="noopener noreferrer">
                    {shown_url}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </td>
            <td data-label="Channels"><ul class="tags">{channels}</ul></td>
            <td data-label="Status"><StatusBadge status=source.status/></td>
            <td data-label="Ownership"><VerificationBadge state=source.verification_state/></td>
            <td data-label="Visibility"><VisibilityLabel visibility=source.visibility/></td>
            <td data-label="Clicks (30 days)" class="cell-number">{move || thousands(figures().0)}</td>
            <td data-label="Match rate">{move || match_rate_cell(figures().1)}</td>
            <td data-label="Programs">
                <A href=format!("/partner-programs?source={}", source.id)>
                    {memberships}
                    <span class="visually-hidden">{programs_of}</span>
                </A>
            </td>
            <td data-label="Last change">
                <time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time>
            </td>
            <td data-label="Actions" class="cell-actions">{action}</td>
        </tr>
    }
}

/// "2 approved, 1 pending, 1 invited", or "None": the source's memberships in programs,
/// as plain text (this is the partner's first screen: its code stays small).
fn membership_words(s: &TrafficSource) -> String {
    let parts: Vec<String> = [
        (s.programs_approved, "approved"),
        (s.programs_pending, "pending"),
        (s.invitations, "invited"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "None".into()
    } else {
        parts.join(", ")
    }
}

/// The rows' figures, kept current as clicks arrive ([`crate::live::list_figures`]): the same
/// page asked again, its answer dropped if the page moved on meanwhile.
fn live_figures(sources: SourcesPage, query: Memo<SourceQuery>) -> RowFigures {
    crate::live::list_figures(
        move |id| {
            sources.state.with_untracked(
                |page| matches!(page, Load::Loaded(page) if page.items.iter().any(|s| s.id == id)),
            )
        },
        move || {
            let asked = query.get_untracked();
            Box::pin(async move {
                let page = api::list_sources(&asked).await.ok()?;
                // The page moved on (a filter, another page) while this was asked.
                (query.try_with_untracked(|now| *now == asked) == Some(true))
                    .then(|| crate::live::row_figures(page))
            })
        },
    )
}

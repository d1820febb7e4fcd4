//! `/marketplace`: every partner's Active and Public traffic sources, for advertisers. Search,
//! channel filter, sort and paging live in the page's URL (the very state of the partner's table,
//! see [`ListState`]), so a view can be bookmarked and Back works. Each row offers "Add to
//! program". Staff see the same list, as advertisers see it, with a link to review each source
//! in the admin area instead.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::{
    program::MarketplaceSource, verification::VerificationState, Page, Role, Sort, SortField,
};

use crate::{
    api,
    components::{
        data_table::{sort_caption, Pagination, SortHeader},
        format_datetime,
        list_controls::{Filters, ListState, PageSize},
        load::{Load, Loader},
        notice::LoadError,
        set_title,
        traffic_panel::match_rate_cell,
        verification::VerificationBadge,
    },
    session::{use_session, PageLoading},
};

pub const PATH: &str = "/marketplace";

/// The marketplace's state from its URL: the partner list's state without status and
/// visibility (the server fixes them), and without a sort the marketplace does not offer.
pub fn marketplace_state(params: &leptos_router::params::ParamsMap) -> ListState {
    let mut state = ListState::from_params(params);
    state.query.status.clear();
    state.query.visibility = None;
    if state.query.sort.field == SortField::Status {
        state.query.sort = api::DEFAULT_SORT;
    }
    state
}

/// `https://www.example.com/` → `www.example.com`: the address as people read it.
pub fn short_url(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[component]
pub fn Marketplace() -> impl IntoView {
    set_title("Marketplace");
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(marketplace_state));
    let query = Memo::new(move |_| state.with(|s| s.query.clone()));
    let sources = Loader::new(move || {
        let query = query.get();
        async move { api::list_marketplace(&query).await }
    });

    let navigate = use_navigate();
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
    // A source that leaves the marketplace (blocked, paused, made private) leaves this page
    // at once, with a word of why it went.
    let toasts = crate::components::toast::use_toasts();
    crate::live::on_update(move |update| {
        if crate::live::missed(update) {
            sources.reload();
            return;
        }
        let Some(gone) = update.left_marketplace() else {
            return;
        };
        let shown = match sources.state.get_untracked() {
            Load::Loaded(page) => page
                .items
                .iter()
                .find(|s| s.id == gone)
                .map(|s| s.name.clone()),
            _ => None,
        };
        if let Some(name) = shown {
            toasts.info(format!("“{name}” is no longer in the marketplace."));
            sources.reload();
        }
    });
    let updating = sources.updating;
    let adding = RwSignal::new(None::<MarketplaceSource>);
    // Read once: the route guard has already settled who is looking.
    let staff = use_session().role() == Some(Role::Staff);
    // An advertiser's own stream tells only of the sources in their programs: the page
    // follows the changes of those it shows (staff's stream has every source's).
    let follower = (!staff).then(|| {
        let follower = crate::live::status_follower();
        Effect::new(move |_| {
            if let Load::Loaded(page) = sources.state.get() {
                follower.follow(page.items.iter().map(|s| s.id).collect());
            }
        });
        follower
    });

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"Marketplace"</h1>
            </div>
            <p class="page__intro">
                {if staff {
                    "What advertisers see: every Active and Public traffic source. Review one to see its history or block it."
                } else {
                    "Traffic sources that partners offer to advertisers. Invite one to a program: its tracking link works once its partner accepts."
                }}
            </p>
            <Filters state go channels_only=true/>
            {follower.map(|f| f.notice())}
            <div class="table-region" aria-busy=move || updating.get().to_string()>
                <p class="updating" role="status">
                    {move || updating.get().then_some("Updating…")}
                </p>
                {move || match sources.state.get() {
                    Load::Loading => view! { <PageLoading/> }.into_any(),
                    Load::Failed(error) => view! {
                        <LoadError error title="Couldn't load the marketplace" on_retry=sources.retry()/>
                    }
                    .into_any(),
                    Load::Loaded(page) => view! { <Results page state go adding staff/> }.into_any(),
                }}
            </div>
            {(!staff).then(|| {
                crate::screens::add_to_program(
                    Signal::derive(move || sources.state.with(|s| !matches!(s, Load::Loading))),
                    Signal::derive(move || adding.with(Option::is_some)),
                    adding,
                )
            })}
        </section>
    }
}

/// The table, or the empty / no-match state, and paging.
#[component]
fn Results(
    page: Page<MarketplaceSource>,
    state: Memo<ListState>,
    go: Callback<(ListState, bool)>,
    /// The source whose "Add to program" was pressed.
    adding: RwSignal<Option<MarketplaceSource>>,
    /// Staff review sources instead of adding them to programs.
    staff: bool,
) -> impl IntoView {
    let current = state.get_untracked();
    let clear = move |_| go.run((state.get_untracked().cleared(), false));
    if page.items.is_empty() && current.query.cursor.is_none() {
        return if current.query.is_filtered() {
            view! {
                <div class="empty">
                    <h2>"No traffic sources match"</h2>
                    <p>"No source in the marketplace matches this search and these filters. Try other words, or clear the filters."</p>
                    <button type="button" class="button" on:click=clear>"Clear filters"</button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <div class="empty">
                    <h2>"The marketplace is empty for now"</h2>
                    <p>"No partner offers a public traffic source at the moment. Come back later: new sources appear here as soon as partners publish them."</p>
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
    let caption = sort_caption("Traffic sources in the marketplace", current.query.sort);
    let first_row = current.prev.len() as i64 * current.query.limit + 1;
    // The observed-match filter is applied page by page: pages may be short.
    let short_page = current
        .query
        .observed_matches
        .map(|_| current.prev.len() as i64 + 1);
    let rows = page.items.len() as i64;
    let prev_href = current.prev_page().map(|s| s.href_at(PATH));
    let next_href = page
        .next_cursor
        .as_deref()
        .map(|c| current.next_page(c).href_at(PATH));
    // The whole page is rebuilt for each answer anyway: a plain list, not a keyed `For`.
    let body = page
        .items
        .into_iter()
        .map(|source| view! { <MarketRow source adding staff/> })
        .collect_view();
    let total = page.total;

    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <SortHeader label="Name" field=SortField::Name sort on_sort/>
                        <th scope="col">"Partner"</th>
                        <SortHeader label="Web address" field=SortField::Url sort on_sort/>
                        <th scope="col">"Channels"</th>
                        <th scope="col">"Traffic"</th>
                        <th scope="col">"Match rate"</th>
                        <SortHeader label="Last change" field=SortField::UpdatedAt sort on_sort/>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <div class="table-foot">
            <Pagination first_row rows total prev_href next_href short_page/>
            <PageSize state go/>
        </div>
    }
    .into_any()
}

#[component]
fn MarketRow(
    source: MarketplaceSource,
    adding: RwSignal<Option<MarketplaceSource>>,
    staff: bool,
) -> impl IntoView {
    let channels = source
        .channels
        .iter()
        .map(|c| view! { <li class="tag">{c.label()}</li> })
        .collect_view();
    let shown_url = short_url(&source.url);
    let add_name = format!(" {}", source.name);
    let row_source = source.clone();
    view! {
        <tr>
            <th scope="row" data-label="Name">
                <span class="cell-name">{source.name.clone()}</span>
                {source.verified.then(|| view! {
                    " " <VerificationBadge state=VerificationState::Verified/>
                })}
            </th>
            <td data-label="Partner">{source.partner_name.clone()}</td>
            <td data-label="Web address">
                <a class="cell-url" href=source.url.clone() target="_blank" rel="noopener noreferrer">
                    {shown_url}
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </td>
            <td data-label="Channels">
                <ul class="tags">{channels}</ul>
                {(!source.observed_channels.is_empty()).then(|| view! {
                    <span class="cell-sub">{model::traffic::observed_in_words(&source.observed_channels, source.observed_matches)}</span>
                })}
            </td>
            // A band, never the exact count (the API sends none).
            <td data-label="Traffic">{source.volume_band.label()}</td>
            <td data-label="Match rate">{match_rate_cell(source.match_rate_30d)}</td>
            <td data-label="Last change">
                <time datetime=source.updated_at.clone()>{format_datetime(&source.updated_at)}</time>
            </td>
            <td data-label="Actions" class="cell-actions">
                {if staff {
                    view! {
                        <A href=format!("/admin/traffic-sources/{}", source.id) attr:class="button button--small">
                            "Review"
                            <span class="visually-hidden">{add_name}</span>
                        </A>
                    }
                    .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="button button--small button--primary"
                            aria-haspopup="dialog"
                            on:click=move |_| adding.set(Some(row_source.clone()))
                        >
                            "Invite to program"
                            <span class="visually-hidden">{add_name}</span>
                        </button>
                    }
                    .into_any()
                }}
            </td>
        </tr>
    }
}

//! `/programs`: the advertiser's programs (name, landing page, number of sources), the form
//! that creates one, and the click lookup (a `click_id` from a landing page → its source,
//! program, outcome and referrer). Paging lives in the URL like every list's. `?source=ID` narrows the list
//! to the programs that use one traffic source: where a notification about it leads.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::{program::Program, Page};

use crate::{
    api,
    components::{
        click_lookup::ClickLookup,
        data_table::Pagination,
        format_datetime,
        list_controls::{ListState, PageSize},
        load::{Load, Loader},
        notice::LoadError,
        program_form::ProgramForm,
        set_title,
    },
    pages::marketplace::short_url,
    session::PageLoading,
};

pub const PATH: &str = "/programs";

/// The address of this view of the list, keeping the `source` filter.
fn href(state: &ListState, source: Option<i64>) -> String {
    let href = state.href_at(PATH);
    match source {
        None => href,
        Some(id) if href.contains('?') => format!("{href}&source={id}"),
        Some(id) => format!("{href}?source={id}"),
    }
}

#[component]
pub fn Programs() -> impl IntoView {
    set_title("Programs");
    let params = use_query_map();
    // Only paging applies to this list.
    let state = Memo::new(move |_| {
        params.with(|p| {
            let full = ListState::from_params(p);
            let mut state = ListState::default();
            state.query.limit = full.query.limit;
            state.query.cursor = full.query.cursor;
            state.prev = full.prev;
            state
        })
    });
    let source =
        Memo::new(move |_| params.with(|p| p.get("source").and_then(|id| id.parse::<i64>().ok())));
    let programs = Loader::new(move || {
        let (limit, cursor) = state.with(|s| (s.query.limit, s.query.cursor.clone()));
        let source = source.get();
        async move { api::list_programs(limit, cursor.as_deref(), source).await }
    });
    let navigate = use_navigate();
    let to_all = navigate.clone();
    let go = Callback::new(move |(next, replace): (ListState, bool)| {
        navigate(
            &href(&next, source.get_untracked()),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // A new program is the newest: show the first page of all programs, where it is.
    let on_created = Callback::new(move |_: Program| {
        let current = state.get_untracked();
        if source.get_untracked().is_some() {
            // A new program uses no source yet: the narrowed list would not show it.
            to_all(PATH, NavigateOptions::default());
        } else if current.query.cursor.is_some() {
            go.run((current.first_page(), false));
        } else {
            programs.reload();
        }
    });
    let updating = programs.updating;
    // The list does not carry the source's name; the first program's detail does. Only asked
    // when the list is narrowed to a source and has a program.
    let source_name = RwSignal::new(None::<(i64, String)>);
    Effect::new(move |_| {
        let Some(source_id) = source.get() else {
            return;
        };
        let first = programs.state.with(|state| match state {
            Load::Loaded(page) => page.items.first().map(|p| p.id),
            _ => None,
        });
        let Some(program_id) = first else {
            return;
        };
        if source_name.with_untracked(|n| n.as_ref().is_some_and(|(id, _)| *id == source_id)) {
            return;
        }
        leptos::task::spawn_local(async move {
            let name = api::get_program(program_id).await.ok().and_then(|detail| {
                detail
                    .sources
                    .into_iter()
                    .find(|c| c.traffic_source_id == source_id)
                    .map(|c| (source_id, c.source_name))
            });
            if name.is_some() {
                let _ = source_name.try_set(name);
            }
        });
    });

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"Programs"</h1>
                <A href="/marketplace" attr:class="button">"Find sources in the marketplace"</A>
            </div>
            <div class="programs-layout">
                <section class="programs-layout__list" aria-labelledby="programs-list-title">
                    <h2 id="programs-list-title">"Your programs"</h2>
                    {move || source.get().map(|_| view! {
                        <div class="alert alert--info filter-note">
                            <p>
                                {move || match source_name.get().filter(|(id, _)| Some(*id) == source.get()) {
                                    Some((_, name)) => format!("Showing only the programs that use “{name}”."),
                                    None => "Showing only the programs that use the traffic source you came from.".into(),
                                }}
                            </p>
                            <A href=PATH>"Show all programs"</A>
                        </div>
                    })}
                    <div class="table-region" aria-busy=move || updating.get().to_string()>
                        <p class="updating" role="status">{move || updating.get().then_some("Updating…")}</p>
                        {move || match programs.state.get() {
                            Load::Loading => view! { <PageLoading/> }.into_any(),
                            Load::Failed(error) => view! {
                                <LoadError error title="Couldn't load your programs" on_retry=programs.retry()/>
                            }
                            .into_any(),
                            Load::Loaded(page) => {
                                view! { <ProgramTable page state source=source.get_untracked() go/> }.into_any()
                            }
                        }}
                    </div>
                </section>
                <section class="programs-layout__form" aria-labelledby="new-program-title">
                    <h2 id="new-program-title">"Create a program"</h2>
                    <ProgramForm on_created/>
                    <section class="click-lookup-section" aria-labelledby="click-lookup-title">
                        <h2 id="click-lookup-title">"Look up a click"</h2>
                        <p class="page__intro">"See which source and program a visit to your landing page came through, and where from."</p>
                        <ClickLookup/>
                    </section>
                </section>
            </div>
        </section>
    }
}

#[component]
fn ProgramTable(
    page: Page<Program>,
    state: Memo<ListState>,
    /// The traffic source the list is narrowed to, if any.
    source: Option<i64>,
    go: Callback<(ListState, bool)>,
) -> impl IntoView {
    let current = state.get_untracked();
    if page.items.is_empty() && current.query.cursor.is_none() && source.is_some() {
        return view! {
            <div class="empty">
                <h3>"No program uses this traffic source"</h3>
                <p>"Add it to a program from the marketplace while it is listed there."</p>
            </div>
        }
        .into_any();
    }
    if page.items.is_empty() && current.query.cursor.is_none() {
        return view! {
            <div class="empty">
                <h3>"No programs yet"</h3>
                <p>"A program is one offer of yours with its landing page. Create one with the form, then add traffic sources to it from the marketplace."</p>
            </div>
        }
        .into_any();
    }
    let first_row = current.prev.len() as i64 * current.query.limit + 1;
    let rows = page.items.len() as i64;
    let prev_href = current.prev_page().map(|s| href(&s, source));
    let next_href = page
        .next_cursor
        .as_deref()
        .map(|c| href(&current.next_page(c), source));
    let total = page.total;
    let body = page
        .items
        .into_iter()
        .map(|p| {
            let sources = match p.source_count {
                1 => "1 source".to_string(),
                n => format!("{n} sources"),
            };
            view! {
                <tr>
                    <th scope="row" data-label="Name">
                        <A href=format!("/programs/{}", p.id) attr:class="cell-name">{p.name.clone()}</A>
                    </th>
                    <td data-label="Landing page">
                        <a class="cell-url" href=p.landing_url.clone() target="_blank" rel="noopener noreferrer">
                            {short_url(&p.landing_url)}
                            <span class="visually-hidden">" (opens in a new tab)"</span>
                        </a>
                    </td>
                    <td data-label="Sources" class="cell-number">{sources}</td>
                    <td data-label="Created">
                        <time datetime=p.created_at.clone()>{format_datetime(&p.created_at)}</time>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="visually-hidden">"Your programs, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Landing page"</th>
                        <th scope="col">"Sources"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <div class="table-foot">
            <Pagination first_row rows total prev_href next_href/>
            <PageSize state go/>
        </div>
    }
    .into_any()
}

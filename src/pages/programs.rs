//! `/programs`: the advertiser's programs (name, landing page, number of sources) and the form
//! that creates one. Paging lives in the URL like every list's.

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
        data_table::Pagination,
        format_datetime,
        load::{Load, Loader},
        notice::LoadError,
        program_form::ProgramForm,
        set_title,
    },
    pages::{
        marketplace::short_url,
        sources_list::{ListState, PageSize},
    },
    session::PageLoading,
};

pub const PATH: &str = "/programs";

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
    let programs = Loader::new(move || {
        let (limit, cursor) = state.with(|s| (s.query.limit, s.query.cursor.clone()));
        async move { api::list_programs(limit, cursor.as_deref()).await }
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
    // A new program is the newest: show the first page, where it is.
    let on_created = Callback::new(move |_: Program| {
        let current = state.get_untracked();
        if current.query.cursor.is_some() {
            go.run((current.first_page(), false));
        } else {
            programs.reload();
        }
    });
    let updating = programs.updating;

    view! {
        <section class="page">
            <div class="page__head">
                <h1>"Programs"</h1>
                <A href="/marketplace" attr:class="button">"Find sources in the marketplace"</A>
            </div>
            <div class="programs-layout">
                <section class="programs-layout__list" aria-labelledby="programs-list-title">
                    <h2 id="programs-list-title">"Your programs"</h2>
                    <div class="table-region" aria-busy=move || updating.get().to_string()>
                        <p class="updating" role="status">{move || updating.get().then_some("Updating…")}</p>
                        {move || match programs.state.get() {
                            Load::Loading => view! { <PageLoading/> }.into_any(),
                            Load::Failed(error) => view! {
                                <LoadError error title="Couldn't load your programs" on_retry=programs.retry()/>
                            }
                            .into_any(),
                            Load::Loaded(page) => view! { <ProgramTable page state go/> }.into_any(),
                        }}
                    </div>
                </section>
                <section class="programs-layout__form" aria-labelledby="new-program-title">
                    <h2 id="new-program-title">"Create a program"</h2>
                    <ProgramForm on_created/>
                </section>
            </div>
        </section>
    }
}

#[component]
fn ProgramTable(
    page: Page<Program>,
    state: Memo<ListState>,
    go: Callback<(ListState, bool)>,
) -> impl IntoView {
    let current = state.get_untracked();
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
    let prev_href = current.prev_page().map(|s| s.href_at(PATH));
    let next_href = page
        .next_cursor
        .as_deref()
        .map(|c| current.next_page(c).href_at(PATH));
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

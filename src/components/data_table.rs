//! Pieces of a sortable, paginated table: column headers that sort, and Previous/Next paging.

use leptos::prelude::*;
use leptos_router::components::A;
use model::{Sort, SortField};

/// The default direction when a column is first chosen: newest first for dates, A→Z otherwise.
pub fn default_descending(field: SortField) -> bool {
    matches!(field, SortField::UpdatedAt | SortField::CreatedAt)
}

/// The table's caption for screen readers, e.g. "Your traffic sources, sorted by name, A to Z".
pub fn sort_caption(subject: &str, sort: Sort) -> String {
    let column = match sort.field {
        SortField::Name => "name",
        SortField::Url => "web address",
        SortField::Status => "status",
        SortField::CreatedAt => "date added",
        SortField::UpdatedAt => "last change",
    };
    let order = match (sort.field, sort.descending) {
        (SortField::UpdatedAt | SortField::CreatedAt, true) => "newest first",
        (SortField::UpdatedAt | SortField::CreatedAt, false) => "oldest first",
        (_, false) => "A to Z",
        (_, true) => "Z to A",
    };
    format!("{subject}, sorted by {column}, {order}")
}

/// The sort after clicking `field`'s header: flips the direction of the current column,
/// otherwise starts the new column in its natural direction.
pub fn next_sort(current: Sort, field: SortField) -> Sort {
    if current.field == field {
        Sort::new(field, !current.descending)
    } else {
        Sort::new(field, default_descending(field))
    }
}

/// A column header whose button sorts by it. `aria-sort` says how the table is sorted now.
#[component]
pub fn SortHeader(
    /// The column's visible name.
    label: &'static str,
    /// The field this column sorts by.
    field: SortField,
    /// The table's current sort.
    #[prop(into)]
    sort: Signal<Sort>,
    /// Runs with the new sort when the button is pressed.
    on_sort: Callback<Sort>,
) -> impl IntoView {
    let aria_sort = move || {
        let s = sort.get();
        if s.field != field {
            "none"
        } else if s.descending {
            "descending"
        } else {
            "ascending"
        }
    };
    let arrow = move || match aria_sort() {
        "ascending" => "▲",
        "descending" => "▼",
        _ => "↕",
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <button
                type="button"
                class="sort-button"
                class:sort-button--active=move || sort.get().field == field
                on:click=move |_| on_sort.run(next_sort(sort.get_untracked(), field))
            >
                {label}
                <span class="sort-button__arrow" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}

/// Previous / Next links of a forward-only (cursor) list, with "Showing 26–50 of 73".
#[component]
pub fn Pagination(
    /// 1-based index of the first row shown.
    first_row: i64,
    /// Rows on this page.
    rows: i64,
    /// All matching rows, when the server knows.
    total: Option<i64>,
    /// Link to the previous page, if any.
    prev_href: Option<String>,
    /// Link to the next page, if any.
    next_href: Option<String>,
    /// This page's number, set when pages may hold fewer rows than asked (a filter the
    /// server applies page by page, answering no total): the rows before this page are
    /// then unknown, so the summary names the page and counts its rows ("Page 2: 18
    /// shown") rather than number them wrongly.
    #[prop(default = None)]
    short_page: Option<i64>,
) -> impl IntoView {
    let last_row = first_row + rows - 1;
    let summary = match (total, short_page) {
        (Some(total), _) => format!("Showing {first_row}–{last_row} of {total}"),
        (None, Some(page)) => format!("Page {page}: {rows} shown"),
        (None, None) => format!("Showing {first_row}–{last_row}"),
    };
    let link = |href: Option<String>, label: &'static str, rel: &'static str| match href {
        Some(href) => {
            view! { <A href=href attr:class="button" attr:rel=rel>{label}</A> }.into_any()
        }
        // Not a link when there is nowhere to go; still visible so the layout does not jump.
        None => view! { <span class="button button--disabled">{label}</span> }.into_any(),
    };
    view! {
        <nav class="pagination" aria-label="Pages">
            <p class="pagination__summary">{summary}</p>
            <div class="pagination__links">
                {link(prev_href, "Previous", "prev")}
                {link(next_href, "Next", "next")}
            </div>
        </nav>
    }
}

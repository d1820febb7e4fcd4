//! What the pages of one record (a program, a partner's source, a source in the admin area)
//! share: the record's id from the address, and what they show until the record is there.
//!
//! Not generic over the record: the loading, "not found" and error views are compiled once
//! for every such page.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::{ApiError, ApiResult},
    components::{load::Loader, notice::LoadError, set_title},
    session::PageLoading,
};

/// The words a record page uses before its record is shown.
pub struct RecordWords {
    /// The heading while loading or after an error, e.g. "Program".
    pub noun: &'static str,
    /// The heading (and tab title) of a 404, e.g. "Program not found".
    pub not_found_title: &'static str,
    /// One sentence under that heading.
    pub not_found_text: &'static str,
    /// Where "back" leads, and its words.
    pub back_href: &'static str,
    pub back_label: &'static str,
    /// The heading of any other failure, e.g. "Couldn't load this program".
    pub load_error_title: &'static str,
}

/// Loads the record whose `:id` is in the address (again when the address changes); an id
/// that is not a number is "not found".
pub fn load_record<T, Fut>(fetch: impl Fn(i64) -> Fut + 'static) -> Loader<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = ApiResult<T>> + 'static,
{
    let id = use_record_id();
    Loader::new(move || {
        let request = id.get().map(&fetch);
        async move {
            match request {
                Some(request) => request.await,
                None => Err(not_found()),
            }
        }
    })
}

/// The `:id` of the address; `None` when it is not a number.
pub fn use_record_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())))
}

/// A 404 for an id that is not a number, so it reads like any unknown record.
pub fn not_found() -> ApiError {
    ApiError::Api {
        status: 404,
        body: model::ApiErrorBody {
            error: model::ApiError {
                code: "not_found".into(),
                message: String::new(),
                fields: Default::default(),
            },
        },
    }
}

/// Loading, "not found" with the way back, or the error with Try again.
#[component]
pub fn RecordPending(
    words: &'static RecordWords,
    /// `None` while loading.
    failure: Option<ApiError>,
    on_retry: Callback<()>,
) -> impl IntoView {
    match failure {
        None => view! { <h1>{words.noun}</h1><PageLoading/> }.into_any(),
        Some(error) if error.status() == Some(404) => {
            set_title(words.not_found_title);
            view! {
                <h1>{words.not_found_title}</h1>
                <p>{words.not_found_text}</p>
                <A href=words.back_href attr:class="button">{words.back_label}</A>
            }
            .into_any()
        }
        Some(error) => view! {
            <h1>{words.noun}</h1>
            <LoadError error title=words.load_error_title on_retry/>
        }
        .into_any(),
    }
}

//! Messages that take a whole area: loading failed (with Retry), empty lists.

use leptos::prelude::*;

use crate::api::ApiError;

/// A failed load: what went wrong, in words, and a button to try again.
#[component]
pub fn LoadError(
    /// The failure.
    error: ApiError,
    /// Runs the load again.
    on_retry: Callback<()>,
    /// The heading, e.g. "Couldn't load your traffic sources".
    #[prop(default = "Something went wrong")]
    title: &'static str,
) -> impl IntoView {
    view! {
        <div class="alert alert--error" role="alert">
            <h2 class="alert__title">{title}</h2>
            <p>{error.message()}</p>
            <button type="button" class="button" on:click=move |_| on_retry.run(())>
                "Try again"
            </button>
        </div>
    }
}

/// The first `ApiError` among an error boundary's errors, or a generic one.
pub fn first_api_error(errors: &leptos::error::Errors) -> ApiError {
    errors
        .iter()
        .find_map(|(_, e)| e.downcast_ref::<ApiError>().cloned())
        .unwrap_or(ApiError::Decode)
}

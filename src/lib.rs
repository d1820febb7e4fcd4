//! The Traffic Sources single-page app.
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    view! { <main><h1>"Traffic Sources"</h1></main> }
}

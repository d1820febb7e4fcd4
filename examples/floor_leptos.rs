//! Leptos itself, with none of this product: a router, one page, one JSON fetch with gloo-net
//! and serde into the shared model's type, a list. The framework's share of any bundle; it
//! exists to be measured (`scripts/bundle-floor.sh`).
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use model::ChannelInfo;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        view! {
            <Router>
                <main>
                    <Routes fallback=|| "Not found">
                        <Route path=path!("/") view=Channels/>
                    </Routes>
                </main>
            </Router>
        }
    });
}

#[component]
fn Channels() -> impl IntoView {
    let channels = LocalResource::new(|| async {
        let response = gloo_net::http::Request::get("/api/channels")
            .send()
            .await
            .ok()?;
        response.json::<Vec<ChannelInfo>>().await.ok()
    });
    view! {
        <h1>"Channels"</h1>
        <Suspense fallback=|| "Loading…">
            <ul>
                {move || channels.get().flatten().map(|list| {
                    list.into_iter().map(|c| view! { <li>{c.label}</li> }).collect_view()
                })}
            </ul>
        </Suspense>
    }
}

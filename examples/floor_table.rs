//! The partner's first visit and nothing more: the shared shell, sign-in and the traffic
//! sources table. Even if every other screen were split off and loaded later, this is what a
//! partner would download first. It exists to measure that (`scripts/bundle-floor.sh`).
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use web::{
    components::{
        header::Header,
        notification_bell::Unread,
        toast::{ToastRegion, Toasts},
    },
    pages::{home::Home, not_found::NotFound, sign_in::SignIn, sources_list::SourcesList},
    session::{RequireRole, Session},
    PARTNER,
};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        Session::provide();
        Toasts::provide();
        view! { <Router><Shell/></Router> }
    });
}

/// As the app's own shell, with fewer routes.
#[component]
fn Shell() -> impl IntoView {
    Unread::provide();
    view! {
        <Header/>
        <main id="main" class="main" tabindex="-1">
            <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/sign-in") view=SignIn/>
                        <Route
                            path=path!("/traffic-sources")
                            view=|| view! { <RequireRole roles=PARTNER><SourcesList/></RequireRole> }
                        />
                    </Routes>
        </main>
        <aside class="toast-area" aria-label="Messages"><ToastRegion/></aside>
    }
}

//! The smallest app this product can ship: the shell every page shares (session, header with the
//! notification bell, toasts, router) and the home page that sends people on. It exists to
//! measure the bundle-size floor (`scripts/bundle-floor.sh`), not to be served.
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
    pages::{home::Home, not_found::NotFound},
    session::Session,
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
                    </Routes>
        </main>
        <aside class="toast-area" aria-label="Messages"><ToastRegion/></aside>
    }
}

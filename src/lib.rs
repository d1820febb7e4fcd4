//! The Traffic Sources single-page app: contexts, layout and routes.
//!
//! Data flows one way: a page asks `api` (the only HTTP client), `api` speaks the `model`
//! crate's types, and what the server answers comes back as a value or an `ApiError`.

pub mod api;
pub mod components;
pub mod live;
pub mod pages;
pub mod screens;
pub mod session;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use model::Role;

use components::{
    header::Header,
    toast::{ToastRegion, Toasts},
};
use pages::{
    admin_sources::{AdminHome, RequireStaff},
    home::Home,
    not_found::NotFound,
    sign_in::SignIn,
};
use session::{RequireRole, Session};

/// The product's name in the header and in every tab title.
pub const PRODUCT_NAME: &str = "Affiliate Platform";

/// Pages only partners see.
pub const PARTNER: &[Role] = &[Role::Partner];

/// Pages every signed-in role sees.
pub const EVERY_ROLE: &[Role] = &[Role::Partner, Role::Advertiser, Role::Staff];

/// Pages only advertisers see.
pub const ADVERTISER: &[Role] = &[Role::Advertiser];

/// Webhooks: the roles events are addressed to.
pub const WEBHOOK_ROLES: &[Role] = &[Role::Partner, Role::Advertiser];

/// The marketplace: advertisers use it, staff see what advertisers see.
pub const MARKETPLACE: &[Role] = &[Role::Advertiser, Role::Staff];

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "split")]
    screens::keep_first_screens_shared_code_in_main();
    Session::provide();
    Toasts::provide();
    view! {
        <Router>
            <Shell/>
        </Router>
    }
}

/// A screen only `roles` may open. Its module is already downloading (`screen` was made when
/// the route matched) while the session is checked.
fn for_roles(roles: &'static [Role], screen: screens::Screen) -> impl IntoView {
    view! { <RequireRole roles>{screen.view()}</RequireRole> }
}

/// A staff screen: partners and advertisers are told they can't open it.
fn for_staff(screen: screens::Screen) -> impl IntoView {
    view! { <RequireStaff>{screen.view()}</RequireStaff> }
}

/// Header, main area with the routes, and the toast region: everything inside the router, so
/// tests can mount it under a router of their own.
#[component]
pub fn Shell() -> impl IntoView {
    components::notification_bell::Unread::provide();
    live::Live::provide();
    // After moving to another page, focus the main area, so keyboard and screen-reader users
    // start at the new content instead of wherever the old page left focus. Only when the
    // path changes: filters and paging (query only) keep focus where it is.
    let pathname = leptos_router::hooks::use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if previous.is_some_and(|p| p != path) {
            components::focus_id("main");
        }
        path
    });
    view! {
        <Header/>
        <main id="main" class="main" tabindex="-1">
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/sign-in") view=SignIn/>
                <Route path=path!("/sign-up") view=|| screens::sign_up().view()/>
                <Route
                    path=path!("/onboarding")
                    view=|| for_roles(PARTNER, screens::onboarding())
                />
                <Route
                    path=path!("/traffic-sources")
                    view=|| for_roles(PARTNER, screens::sources_list())
                />
                <Route
                    path=path!("/traffic-sources/new")
                    view=|| for_roles(PARTNER, screens::new_source())
                />
                <Route
                    path=path!("/traffic-sources/:id/edit")
                    view=|| for_roles(PARTNER, screens::edit_source())
                />
                <Route
                    path=path!("/traffic-sources/:id")
                    view=|| for_roles(PARTNER, screens::source_page())
                />
                <Route
                    path=path!("/partner-programs")
                    view=|| for_roles(PARTNER, screens::partner_programs())
                />
                <Route
                    path=path!("/marketplace")
                    view=|| for_roles(MARKETPLACE, screens::marketplace())
                />
                <Route
                    path=path!("/programs")
                    view=|| for_roles(ADVERTISER, screens::programs())
                />
                <Route
                    path=path!("/programs/:id")
                    view=|| for_roles(ADVERTISER, screens::program())
                />
                <Route
                    path=path!("/applications")
                    view=|| for_roles(ADVERTISER, screens::applications())
                />
                <Route
                    path=path!("/notifications")
                    view=|| for_roles(EVERY_ROLE, screens::notifications())
                />
                <Route
                    path=path!("/settings/webhooks")
                    view=|| for_roles(WEBHOOK_ROLES, screens::webhooks())
                />
                <Route path=path!("/admin") view=AdminHome/>
                <Route
                    path=path!("/admin/traffic-sources")
                    view=|| for_staff(screens::admin_sources())
                />
                <Route
                    path=path!("/admin/review")
                    view=|| for_staff(screens::review_queue())
                />
                <Route
                    path=path!("/admin/review/:id")
                    view=|| for_staff(screens::review_evidence())
                />
                <Route
                    path=path!("/admin/traffic-sources/:id")
                    view=|| for_staff(screens::admin_source())
                />
            </Routes>
        </main>
        <aside class="toast-area" aria-label="Messages">
            <ToastRegion/>
        </aside>
    }
}

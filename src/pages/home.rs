//! `/`: sends each visitor where they belong. Partners go to their traffic sources, or to
//! onboarding while they have none; other roles get a simple home page until their own pages
//! exist (issues 4 and 5 route them from here).

use leptos::prelude::*;
use leptos_router::{components::Redirect, NavigateOptions};
use model::{Account, Role};

use crate::{
    api,
    components::{notice::LoadError, set_title},
    session::{use_session, PageLoading, SessionState},
};

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    let state = Memo::new(move |_| session.state().get());
    move || match state.get() {
        SessionState::Loading => view! { <PageLoading/> }.into_any(),
        SessionState::SignedOut | SessionState::Unavailable(_) => {
            view! { <Redirect path="/sign-in" options=replace()/> }.into_any()
        }
        SessionState::SignedIn(account) if account.role == Role::Partner => {
            view! { <PartnerLanding/> }.into_any()
        }
        SessionState::SignedIn(account) if account.role == Role::Advertiser => {
            view! { <Redirect path="/marketplace" options=replace()/> }.into_any()
        }
        SessionState::SignedIn(account) if account.role == Role::Staff => {
            view! { <Redirect path="/admin/traffic-sources" options=replace()/> }.into_any()
        }
        SessionState::SignedIn(account) => view! { <AccountHome account/> }.into_any(),
    }
}

/// Asks whether the partner has any source yet, then goes to onboarding or the table.
/// A plain match on the answer, not a `Transition`: this page is in the module every role
/// downloads first, and a `Transition` here kept one there for all of them.
#[component]
fn PartnerLanding() -> impl IntoView {
    let first = LocalResource::new(api::has_sources);
    move || match first.get() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok(false)) => view! { <Redirect path="/onboarding" options=replace()/> }.into_any(),
        Some(Ok(true)) => {
            view! { <Redirect path="/traffic-sources" options=replace()/> }.into_any()
        }
        Some(Err(error)) => view! {
            <section class="page narrow">
                <h1>"Welcome back"</h1>
                <LoadError
                    error
                    title="Couldn't load your traffic sources"
                    on_retry=Callback::new(move |_| first.refetch())
                />
            </section>
        }
        .into_any(),
    }
}

/// A plain home page for roles whose own pages come later.
#[component]
fn AccountHome(account: Account) -> impl IntoView {
    set_title("Home");
    view! {
        <section class="page narrow">
            <h1>{format!("Welcome, {}", account.display_name)}</h1>
            <dl class="summary-list">
                <div>
                    <dt>"Account"</dt>
                    <dd>{account.email}</dd>
                </div>
                <div>
                    <dt>"Role"</dt>
                    <dd>{account.role.label()}</dd>
                </div>
            </dl>
        </section>
    }
}

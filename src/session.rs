//! Who is signed in, provided as context to the whole app, and the guard that keeps pages for
//! signed-in people away from everybody else.
//!
//! The session lives in an HttpOnly cookie the app cannot read, so on start it asks the server
//! (`GET /api/session`). Until that answer arrives the state is `Loading` and guards render
//! nothing but a quiet placeholder: redirecting before knowing would flash the sign-in page on
//! every reload.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location, NavigateOptions};
use model::{Account, Role};

use crate::api::{self, ApiError};

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// Asking the server who is signed in.
    Loading,
    SignedOut,
    SignedIn(Account),
    /// The server could not be asked (offline or down); the app offers to try again.
    Unavailable(ApiError),
}

/// The session context. `Copy`, so closures can capture it freely.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    state: RwSignal<SessionState>,
}

impl Session {
    /// Creates the session, asks the server who is signed in, and provides it as context.
    pub fn provide() -> Session {
        let session = Session {
            state: RwSignal::new(SessionState::Loading),
        };
        session.refresh();
        provide_context(session);
        session
    }

    /// A session already known, without asking the server: for component tests.
    pub fn provide_with(state: SessionState) -> Session {
        let session = Session {
            state: RwSignal::new(state),
        };
        provide_context(session);
        session
    }

    /// Asks the server again (at start, and from the "Try again" button when it was unreachable).
    ///
    /// A browser that never signed in (or signed out) is known to be signed out without asking:
    /// the question would only earn a 401, which browsers log as an error on every page load.
    pub fn refresh(self) {
        if !signed_in_hint() {
            self.state.set(SessionState::SignedOut);
            return;
        }
        self.state.set(SessionState::Loading);
        leptos::task::spawn_local(async move {
            let state = match api::current_account().await {
                Ok(Some(account)) => SessionState::SignedIn(account),
                Ok(None) => {
                    set_signed_in_hint(false);
                    SessionState::SignedOut
                }
                Err(e) => SessionState::Unavailable(e),
            };
            self.state.set(state);
        });
    }

    pub fn state(self) -> ReadSignal<SessionState> {
        self.state.read_only()
    }

    /// The signed-in account, if any (tracked).
    pub fn account(self) -> Option<Account> {
        match self.state.get() {
            SessionState::SignedIn(account) => Some(account),
            _ => None,
        }
    }

    /// The signed-in account's id, if any (untracked).
    pub fn account_id(self) -> Option<i64> {
        self.state.with_untracked(|s| match s {
            SessionState::SignedIn(a) => Some(a.id),
            _ => None,
        })
    }

    pub fn role(self) -> Option<Role> {
        self.state.with(|s| match s {
            SessionState::SignedIn(a) => Some(a.role),
            _ => None,
        })
    }

    pub fn signed_in(self, account: Account) {
        set_signed_in_hint(true);
        self.state.set(SessionState::SignedIn(account));
    }

    /// The server said 401 (signed out elsewhere, session expired) or the person signed out.
    pub fn signed_out(self) {
        set_signed_in_hint(false);
        self.state.set(SessionState::SignedOut);
    }
}

/// The session cookie is HttpOnly, so the app cannot look at it; the server sets a readable
/// companion, `ts_signed_in=1`, with the same lifetime. It only ever saves a request: when it
/// says "signed in", the server still decides.
const HINT_COOKIE: &str = "ts_signed_in";

fn html_document() -> Option<web_sys::HtmlDocument> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
}

fn signed_in_hint() -> bool {
    match html_document().and_then(|d| d.cookie().ok()) {
        Some(cookies) => cookies
            .split(';')
            .any(|c| c.trim() == format!("{HINT_COOKIE}=1")),
        // Cookies unreadable (privacy settings): always ask.
        None => true,
    }
}

/// Signing in sets the hint from the server; only a stale one (the session ended
/// elsewhere) needs clearing here.
fn set_signed_in_hint(on: bool) {
    if !on {
        if let Some(d) = html_document() {
            let _ = d.set_cookie(&format!("{HINT_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"));
        }
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Where to go after signing in, taken from `?next=`: only a page of this site, so that a link
/// crafted elsewhere cannot send someone to another site after they sign in. See
/// [`safe_next_on`]; the origin is this page's.
pub fn safe_next(next: Option<String>) -> String {
    match web_sys::window().and_then(|w| w.location().origin().ok()) {
        Some(origin) => safe_next_on(next.as_deref(), &origin),
        None => "/".into(),
    }
}

/// `next` resolved as the browser itself will resolve it (its URL parser strips tabs and
/// newlines, reads `\` as `/`, `//host` and `https:host` as other sites), kept only when
/// it lands on `origin`, as that page's path, query and fragment; anything else is the
/// default page, `/`. A prefix check on the raw text cannot know every rule of the parser
/// the router hands the address to.
pub fn safe_next_on(next: Option<&str>, origin: &str) -> String {
    const HOME: &str = "/";
    let Some(next) = next else {
        return HOME.into();
    };
    let Ok(url) = web_sys::Url::new_with_base(next, origin) else {
        return HOME.into();
    };
    if url.origin() != origin {
        return HOME.into();
    }
    let path = url.pathname();
    // `/.//evil.example` is on this origin, but its path, handed on as a link, would
    // start with `//` and name another host.
    if path.starts_with("//") {
        return HOME.into();
    }
    format!("{path}{}{}", url.search(), url.hash())
}

/// `/sign-in?next=<this page>`.
pub fn sign_in_href(next: &str) -> String {
    if next == "/" || next.is_empty() {
        "/sign-in".into()
    } else {
        format!("/sign-in?next={}", api::encode(next))
    }
}

/// What a guard decided. A memo of this, not the whole session, drives the guarded view, so the
/// page is not rebuilt when the account object changes without changing the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Pending,
    Unavailable,
    SignedOut,
    Allowed,
    WrongRole,
}

/// Renders `children` only for a signed-in account whose role is in `roles`.
///
/// While the session loads it renders a placeholder; a signed-out visitor is sent to sign-in
/// with `?next=` pointing back here; another role is sent to its own home page.
#[component]
pub fn RequireRole(
    /// The roles allowed to see the page.
    roles: &'static [Role],
    /// The page.
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let access = Memo::new(move |_| match &*session.state().read() {
        SessionState::Loading => Access::Pending,
        SessionState::Unavailable(_) => Access::Unavailable,
        SessionState::SignedOut => Access::SignedOut,
        SessionState::SignedIn(a) if roles.contains(&a.role) => Access::Allowed,
        SessionState::SignedIn(_) => Access::WrongRole,
    });
    let replace = || NavigateOptions {
        replace: true,
        ..Default::default()
    };
    move || match access.get() {
        Access::Pending => view! { <PageLoading/> }.into_any(),
        Access::Unavailable => view! { <SessionUnavailable/> }.into_any(),
        // Already on the way to sign-in (signing out): nothing to add.
        Access::SignedOut if location.pathname.get_untracked().starts_with("/sign-") => {
            ().into_any()
        }
        Access::SignedOut => {
            // The router's `search` has no leading "?".
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            view! { <Redirect path=sign_in_href(&here) options=replace()/> }.into_any()
        }
        Access::WrongRole => view! { <Redirect path="/" options=replace()/> }.into_any(),
        Access::Allowed => children().into_any(),
    }
}

/// Renders `children` only for visitors who are not signed in (sign-in and sign-up pages);
/// a signed-in account goes to `?next=` or its home instead.
#[component]
pub fn RequireSignedOut(
    /// Where a signed-in visitor goes instead.
    #[prop(into)]
    redirect_to: Signal<String>,
    /// The page.
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let access = Memo::new(move |_| match &*session.state().read() {
        SessionState::Loading => Access::Pending,
        SessionState::SignedIn(_) => Access::WrongRole,
        // Unreachable server: the form itself will say so when submitted.
        _ => Access::Allowed,
    });
    move || match access.get() {
        Access::Pending => view! { <PageLoading/> }.into_any(),
        Access::WrongRole => {
            let options = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            view! { <Redirect path=redirect_to.get_untracked() options/> }.into_any()
        }
        _ => children().into_any(),
    }
}

/// A quiet placeholder while the session or a page's data loads.
#[component]
pub fn PageLoading() -> impl IntoView {
    view! {
        <div class="page-loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            "Loading…"
        </div>
    }
}

#[component]
fn SessionUnavailable() -> impl IntoView {
    let session = use_session();
    let message = move || match session.state().get() {
        SessionState::Unavailable(e) => e.message(),
        _ => String::new(),
    };
    view! {
        <section class="page narrow">
            <h1>"Can't reach the server"</h1>
            <div class="alert alert--error" role="alert">
                <p>{message}</p>
                <button type="button" class="button" on:click=move |_| session.refresh()>
                    "Try again"
                </button>
            </div>
        </section>
    }
}

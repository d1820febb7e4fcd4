//! The site header: skip link, product name, the main navigation for the signed-in role, and
//! the account: its menu (opened by the name: Sign out everywhere) and Sign out.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate, NavigateOptions};
use model::Role;

use crate::components::notification_bell::{NotificationBell, NotificationPoller};
use crate::session::{use_session, SessionState};

/// The main navigation of each role: (label, path). Issues 4 and 5 add their pages here.
pub fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Partner => &[
            ("Traffic Sources", "/traffic-sources"),
            ("Programs", "/partner-programs"),
        ],
        Role::Advertiser => &[
            ("Marketplace", "/marketplace"),
            ("Programs", "/programs"),
            ("Applications", "/applications"),
        ],
        Role::Staff => &[
            ("Traffic Sources", "/admin/traffic-sources"),
            ("Review queue", "/admin/review"),
            ("Marketplace", "/marketplace"),
        ],
    }
}

/// Pages a signed-out visitor opens: the header waits for the session there without
/// holding room for the signed-in rows.
fn signed_out_page(path: &str) -> bool {
    path.starts_with("/sign-in") || path.starts_with("/sign-up")
}

/// Brings a focused link fully into view. On a narrow screen the navigation scrolls sideways,
/// and Chrome leaves a focused link that is partly visible where it is, which can be a link
/// all but out of view.
fn reveal_focused(event: web_sys::FocusEvent) {
    use wasm_bindgen::JsCast;
    use web_sys::{ScrollIntoViewOptions, ScrollLogicalPosition};
    if let Some(link) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    {
        let options = ScrollIntoViewOptions::new();
        options.set_block(ScrollLogicalPosition::Nearest);
        options.set_inline(ScrollLogicalPosition::Nearest);
        link.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let pathname = leptos_router::hooks::use_location().pathname;
    let toasts = crate::components::toast::use_toasts();
    let sign_out = Action::new_local(move |_: &()| async move { crate::api::sign_out().await });
    // Every session of the account, in every browser: after a lost laptop, a shared computer.
    let sign_out_everywhere =
        Action::new_local(move |_: &()| async move { crate::api::sign_out_everywhere().await });
    for (action, message) in [
        (sign_out, "You are signed out."),
        (
            sign_out_everywhere,
            "You are signed out everywhere: in every browser, this one included.",
        ),
    ] {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if let Some(result) = action.value().get() {
                if result.is_ok() || result.as_ref().is_err_and(|e| e.is_unauthenticated()) {
                    // Forget the account first, so nothing still mounted (e.g. pollers) asks
                    // the server again on the way out; the guards see the sign-in page as the
                    // target.
                    session.signed_out();
                    navigate(
                        "/sign-in",
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                    toasts.info(message);
                }
            }
        });
    }
    let sign_out_failed = move || {
        sign_out
            .value()
            .get()
            .or_else(|| sign_out_everywhere.value().get())
            .and_then(|r| r.err())
            .filter(|e| !e.is_unauthenticated())
            .map(|e| view! { <p class="site-header__error" role="alert">{e.message()}</p> })
    };

    let account_area = move || match session.state().get() {
        SessionState::SignedIn(account) => {
            let links = nav_links(account.role)
                .iter()
                .map(|(label, href)| {
                    view! {
                        <li>
                            <A href=*href attr:class="nav__link">{*label}</A>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <nav class="nav" aria-label="Main" on:focusin=reveal_focused>
                    <ul class="nav__list">{links}</ul>
                </nav>
                <div class="account">
                    <NotificationBell/>
                    <NotificationPoller/>
                    <crate::live::LiveStream/>
                    // The account menu: the name opens it, so that a narrow header's one
                    // row for the account needs no room for it; its panel floats over the page.
                    <details class="account__menu">
                        <summary class="account__who" title="Account">
                            <span class="account__name">{account.display_name.clone()}</span>
                            <span class="account__role">{account.role.label()}</span>
                        </summary>
                        <div class="account__menu-panel">
                            <button
                                type="button"
                                class="button"
                                aria-disabled=move || sign_out_everywhere.pending().get().to_string()
                                on:click=move |_| {
                                    if !sign_out_everywhere.pending().get_untracked() {
                                        sign_out_everywhere.dispatch(());
                                    }
                                }
                            >
                                "Sign out everywhere"
                            </button>
                            <p class="account__menu-hint">
                                "Ends your sessions in every browser, this one included."
                            </p>
                        </div>
                    </details>
                    {(account.role != Role::Staff).then(|| view! {
                        <A href="/settings/webhooks" attr:class="account__link">"Webhooks"</A>
                    })}
                    <button
                        type="button"
                        class="button button--quiet"
                        aria-disabled=move || sign_out.pending().get().to_string()
                        on:click=move |_| {
                            if !sign_out.pending().get_untracked() {
                                sign_out.dispatch(());
                            }
                        }
                    >
                        "Sign out"
                    </button>
                </div>
                {sign_out_failed}
            }
            .into_any()
        }
        SessionState::SignedOut | SessionState::Unavailable(_) => view! {
            <nav class="nav" aria-label="Main">
                <ul class="nav__list">
                    <li><A href="/sign-in" attr:class="nav__link">"Sign in"</A></li>
                    <li><A href="/sign-up" attr:class="nav__link">"Create account"</A></li>
                </ul>
            </nav>
        }
        .into_any(),
        // While the session is checked, a narrow screen keeps the rows the signed-in header
        // will fill (CSS), so the page below does not jump when they arrive. Not on the
        // sign-in and sign-up pages, whose visitors are mostly signed out.
        SessionState::Loading if !signed_out_page(&pathname.get()) => {
            view! { <div class="site-header__pending" aria-hidden="true"></div> }.into_any()
        }
        SessionState::Loading => ().into_any(),
    };

    view! {
        <header class="site-header">
            // rel="external" keeps the router's hands off a same-page fragment link.
            <a class="skip-link" href="#main" rel="external">"Skip to main content"</a>
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    {crate::PRODUCT_NAME}
                </A>
                {account_area}
            </div>
        </header>
    }
}

//! The header's notification bell: a link to `/notifications` whose name says how many are
//! unread ("Notifications, 3 unread"), kept fresh by the live stream, by polling every 30
//! seconds and on every navigation. The unread count is a context so that the notifications page can update it the
//! moment something is marked read.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::api;

/// How often the bell asks the server for the unread count.
pub const POLL_EVERY: Duration = Duration::from_secs(30);

/// The unread count of the signed-in person; `None` until the server has answered.
#[derive(Debug, Clone, Copy)]
pub struct Unread {
    count: RwSignal<Option<i64>>,
    /// Told when a poll finds the session gone (absent in component tests).
    session: Option<crate::session::Session>,
}

impl Unread {
    /// Creates the context (once, in the app's shell) and provides it.
    pub fn provide() -> Unread {
        let unread = Unread {
            count: RwSignal::new(None),
            session: use_context::<crate::session::Session>(),
        };
        provide_context(unread);
        unread
    }

    /// The count (tracked).
    pub fn get(self) -> Option<i64> {
        self.count.get()
    }

    pub fn set(self, count: i64) {
        self.count.set(Some(count.max(0)));
    }

    /// Asks the server for the count now. A 401 means the session ended: the app signs out.
    /// Other failures keep the last known count; the next poll tries again.
    pub fn refresh(self) {
        let session = self.session;
        leptos::task::spawn_local(async move {
            match api::unread_count().await {
                Ok(count) => {
                    let _ = self.count.try_set(Some(count));
                }
                Err(e) if e.is_unauthenticated() => {
                    if let Some(session) = session {
                        session.signed_out();
                    }
                }
                Err(_) => {}
            }
        });
    }
}

/// The unread context, or a fresh one when nothing provided it (e.g. a component test).
pub fn use_unread() -> Unread {
    use_context::<Unread>().unwrap_or_else(Unread::provide)
}

/// What the bell says after "Notifications": `None` for nothing unread, else ", 3 unread".
pub fn unread_suffix(count: Option<i64>) -> Option<String> {
    match count {
        Some(n) if n > 0 => Some(format!(", {n} unread")),
        _ => None,
    }
}

/// The bell's full accessible name, e.g. "Notifications, 3 unread".
pub fn bell_name(count: Option<i64>) -> String {
    format!("Notifications{}", unread_suffix(count).unwrap_or_default())
}

/// The number in the badge: the count, capped at "99+" (screen readers get the exact number).
pub fn badge_text(count: i64) -> String {
    if count > 99 {
        "99+".into()
    } else {
        count.to_string()
    }
}

/// The bell itself: display only, it reads the `Unread` context.
///
/// Its visible text is "Notifications" and the badge; the accessible name adds the exact count
/// in words, so it starts with the visible label (WCAG 2.5.3).
#[component]
pub fn NotificationBell() -> impl IntoView {
    let unread = use_unread();
    let count = move || unread.get().filter(|n| *n > 0);
    view! {
        <A href="/notifications" attr:class="bell" attr:id="notification-bell">
            <svg class="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm-2.5 15.5a2.5 2.5 0 0 0 5 0Z"/>
            </svg>
            <span class="bell__label">"Notifications"</span>
            {move || {
                count().map(|n| {
                    view! {
                        <span class="bell__count" aria-hidden="true">{badge_text(n)}</span>
                        <span class="visually-hidden">{unread_suffix(Some(n))}</span>
                    }
                })
            }}
        </A>
    }
}

/// Keeps the unread count fresh while someone is signed in: at once, every `POLL_EVERY`, and
/// on every navigation. Renders nothing; mount it where the bell is.
#[component]
pub fn NotificationPoller() -> impl IntoView {
    let unread = use_unread();
    let location = use_location();
    // Every change of page (and the first render) asks again.
    Effect::new(move |_| {
        location.pathname.track();
        unread.refresh();
    });
    // A notification made for this person arrives on the live stream: count it at once.
    crate::live::on_update(move |update| {
        if update.kind == "notification" || crate::live::missed(update) {
            unread.refresh();
        }
    });
    let handle = set_interval_with_handle(move || unread.refresh(), POLL_EVERY).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
}
